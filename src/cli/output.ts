/**
 * Where the command writes. Results and data go to standard output, as text or, with `--json`,
 * as JSON (one document per line). Notes, warnings, errors and the progress line go to standard
 * error, so that a script reading standard output sees only what it asked for. With `--json`,
 * warnings and errors on standard error are JSON lines too, and notes are left out.
 */
import type { Writable } from 'node:stream'

export class Output {
  readonly json: boolean
  readonly stdout: Writable & { isTTY?: boolean }
  readonly stderr: Writable & { isTTY?: boolean }

  constructor(json: boolean, stdout = process.stdout, stderr = process.stderr) {
    this.json = json
    this.stdout = stdout
    this.stderr = stderr
  }

  /** A result: `value` as one JSON line, or `text` (lines) for a person. */
  result(value: unknown, text: string | string[]): void {
    if (this.json) this.#write(this.stdout, JSON.stringify(value))
    else this.#write(this.stdout, Array.isArray(text) ? text.join('\n') : text)
  }

  /** One line of data (a block, a JSON record), written as it is. */
  data(line: string): void {
    this.#write(this.stdout, line)
  }

  /** A note for the person at the terminal (not shown with --json). */
  note(text: string): void {
    if (!this.json) this.#write(this.stderr, text)
  }

  /** A warning: the command goes on. */
  warn(code: string, message: string): void {
    if (this.json) this.#write(this.stderr, JSON.stringify({ warning: { code, message } }))
    else this.#write(this.stderr, `multifeed: warning: ${message} (${code})`)
  }

  /** The error the command ends with. */
  error(code: string, message: string, hint?: string): void {
    if (this.json) {
      this.#write(this.stderr, JSON.stringify({ error: { code, message } }))
      return
    }
    this.#write(this.stderr, `multifeed: ${code}: ${message}`)
    if (hint) this.#write(this.stderr, hint)
  }

  #write(stream: Writable, text: string): void {
    if (!stream.destroyed) stream.write(`${text}\n`)
  }
}

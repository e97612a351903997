/**
 * The implementation under test as a child process speaking the line protocol: one request at
 * a time, each answered within a timeout. Anything that breaks the protocol (a crash, a line
 * that is not a response, a timeout) ends the run: the process is stopped and every later call
 * rejects with ImplementationBroken.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { type LineRequest, type LineResponse, parseResponse } from './protocol.js'

/** The implementation cannot be driven any more (crashed, broke the protocol, timed out). */
export class ImplementationBroken extends Error {
  override name = 'ImplementationBroken'
}

/** The implementation answered `skip`: the vector is reported as skipped. */
export class Skipped extends Error {
  override name = 'Skipped'
}

/** The implementation answered `error`: the vector fails with its text. */
export class ImplementationError extends Error {
  override name = 'ImplementationError'
}

export interface ImplementationOptions {
  command: string
  args: readonly string[]
  /** Milliseconds to wait for each response. */
  timeout: number
  /** Receives what the implementation writes to stderr (its logs). */
  onStderr?: (text: string) => void
}

export class Implementation {
  readonly #child: ChildProcess
  readonly #timeout: number
  #nextId = 0
  #pending: {
    id: number
    resolve: (response: LineResponse) => void
    reject: (err: Error) => void
    timer: NodeJS.Timeout
  } | null = null
  #broken: ImplementationBroken | null = null
  #exited: Promise<void>

  constructor(options: ImplementationOptions) {
    this.#timeout = options.timeout
    this.#child = spawn(options.command, options.args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.#exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        this.#break(`implementation exited (${signal ?? `code ${code}`})`)
        resolve()
      })
    })
    this.#child.once('error', (err) => this.#break(`cannot run the implementation: ${err.message}`))
    // A child that stops reading is reported as broken, not as an unhandled EPIPE.
    this.#child.stdin!.on('error', (err) => this.#break(`stdin: ${err.message}`))
    this.#child.stderr!.setEncoding('utf8')
    this.#child.stderr!.on('data', (text: string) => options.onStderr?.(text))
    const lines = createInterface({
      input: this.#child.stdout!,
      crlfDelay: Number.POSITIVE_INFINITY,
    })
    lines.on('line', (line) => this.#onLine(line))
  }

  /**
   * Sends one request and returns its `result`. Throws Skipped for `skip`,
   * ImplementationError for `error`, ImplementationBroken when the run cannot go on.
   */
  async call(
    suite: string,
    vector: string,
    op: string,
    operands: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const response = await this.#send({ ...operands, id: this.#nextId++, suite, vector, op })
    if ('skip' in response) throw new Skipped(response.skip)
    if ('error' in response) throw new ImplementationError(response.error)
    return response.result
  }

  #send(request: LineRequest): Promise<LineResponse> {
    if (this.#broken) return Promise.reject(this.#broken)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.#break(
            `no response to request ${request.id} (${request.op}) within ${this.#timeout} ms`,
          ),
        this.#timeout,
      )
      this.#pending = { id: request.id, resolve, reject, timer }
      this.#child.stdin!.write(`${JSON.stringify(request)}\n`)
    })
  }

  #onLine(line: string): void {
    if (line.trim() === '') return
    const pending = this.#pending
    if (pending === null) {
      this.#break(`unrequested output: ${line.slice(0, 200)}`)
      return
    }
    let response: LineResponse
    try {
      response = parseResponse(line, pending.id)
    } catch (err) {
      this.#break((err as Error).message)
      return
    }
    clearTimeout(pending.timer)
    this.#pending = null
    pending.resolve(response)
  }

  #break(reason: string): void {
    if (this.#broken) return
    this.#broken = new ImplementationBroken(reason)
    const pending = this.#pending
    this.#pending = null
    if (pending) {
      clearTimeout(pending.timer)
      pending.reject(this.#broken)
    }
    this.#child.kill()
  }

  /** Ends the run: closes stdin (the implementation exits) and waits for the process. */
  async close(): Promise<void> {
    if (!this.#broken) this.#child.stdin!.end()
    const stop = setTimeout(() => this.#child.kill(), this.#timeout)
    await this.#exited
    clearTimeout(stop)
  }
}

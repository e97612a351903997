/**
 * Runs the `multifeed` command as a child process, as a user would, without paying tsx's start-up
 * on every call: src/ is transpiled once (TypeScript's transpileModule, no type check) into a
 * folder under the repo's .tmp/, where Node resolves the dependencies from node_modules as it
 * does for the sources. The type check and the real build are npm run typecheck and the packed
 * package test.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const repo = fileURLToPath(new URL('../..', import.meta.url))

/** What a finished command left: exit status (or the signal that killed it) and its output. */
export interface Finished {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Transpiles src/ into a fresh folder; returns the path of the command's entry point. */
export async function buildCli(): Promise<{ main: string; remove: () => Promise<void> }> {
  await mkdir(join(repo, '.tmp'), { recursive: true })
  const out = await mkdtemp(join(repo, '.tmp', 'cli-test-'))
  const src = join(repo, 'src')
  const compilerOptions = {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2022,
    verbatimModuleSyntax: true,
  }
  for (const entry of await readdir(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const file = join(entry.parentPath, entry.name)
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      compilerOptions,
      fileName: file,
    })
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js')
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, outputText)
  }
  return {
    main: join(out, 'cli', 'main.js'),
    remove: () => rm(out, { recursive: true, force: true }),
  }
}

/** A running command: its output so far, lines to wait for, its standard input, signals. */
export class Running {
  readonly child: ChildProcessWithoutNullStreams
  readonly finished: Promise<Finished>
  stdout = ''
  stderr = ''
  readonly #waiters = new Set<() => void>()

  constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk
      for (const wake of this.#waiters) wake()
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk
      for (const wake of this.#waiters) wake()
    })
    child.stdin.on('error', () => {}) // a command that exits before reading its input
    this.finished = new Promise((resolve) => {
      child.once('close', (status, signal) => {
        for (const wake of this.#waiters) wake()
        resolve({ status, signal, stdout: this.stdout, stderr: this.stderr })
      })
    })
  }

  /** Complete lines of standard output. */
  get lines(): string[] {
    const complete = this.stdout.slice(0, this.stdout.lastIndexOf('\n') + 1)
    return complete.split('\n').slice(0, -1)
  }

  /** Standard output's lines parsed as JSON (the command ran with --json). */
  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line))
  }

  /** Resolves once `check` holds for the output; fails after `timeoutMs` or if the command ends. */
  async until(what: string, check: (running: this) => boolean, timeoutMs = 45_000): Promise<void> {
    let exited = false
    this.finished.then(() => {
      exited = true
    })
    const deadline = Date.now() + timeoutMs
    while (!check(this)) {
      if (exited) throw new Error(`the command ended before ${what}:\n${this.describe()}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}:\n${this.describe()}`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          this.#waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, left)
        this.#waiters.add(wake)
      })
    }
  }

  /** Sends `signal` and waits for the command to end (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 20_000): Promise<Finished> {
    this.child.kill(signal)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    try {
      return await this.finished
    } finally {
      clearTimeout(timer)
    }
  }

  describe(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`
  }
}

/** Runs the built command in `cwd`; every process it starts is killed by killAll(). */
export class Cli {
  readonly main: string
  readonly cwd: string
  readonly #running = new Set<Running>()

  constructor(main: string, cwd: string) {
    this.main = main
    this.cwd = cwd
  }

  /** Starts `multifeed ...args`; standard input stays open unless `input` is given. */
  start(args: string[], input?: string): Running {
    if (goesOnline(args) && !args.includes('--bootstrap')) {
      throw new Error(`multifeed ${args.join(' ')} would use the public DHT: pass --bootstrap`)
    }
    const child = spawn(process.execPath, [this.main, ...args], {
      cwd: this.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const running = new Running(child)
    this.#running.add(running)
    running.finished.then(() => this.#running.delete(running))
    if (input !== undefined) child.stdin.end(input)
    return running
  }

  /** Runs `multifeed ...args` to its end (killed after `timeoutMs`), with `input` on stdin. */
  async run(args: string[], input = '', timeoutMs = 60_000): Promise<Finished> {
    const running = this.start(args, input)
    const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs)
    try {
      return await running.finished
    } finally {
      clearTimeout(timer)
    }
  }

  /** Kills whatever is still running (a failed test's leftovers). */
  async killAll(): Promise<void> {
    const left = [...this.#running]
    for (const running of left) running.child.kill('SIGKILL')
    await Promise.all(left.map((running) => running.finished))
  }
}

/** Whether the command joins the swarm (tests must give it a local --bootstrap). */
function goesOnline(args: string[]): boolean {
  const command = args.find((arg) => !arg.startsWith('-'))
  if (command === 'seed' || command === 'sync') return !args.includes('--help')
  return ['--live', '--seed', '--online'].some((flag) => args.includes(flag))
}

/** JSON lines of an output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
}

/**
 * Ctrl-C (SIGINT) and SIGTERM: the first one aborts `signal`, and the command winds down and
 * closes everything it opened (nothing written is lost). A second one exits at once.
 */
import { constants } from 'node:os'
import type { Output } from './output.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
type StopSignal = (typeof SIGNALS)[number]

export class Interrupt {
  readonly #controller = new AbortController()
  readonly #out: Output
  /** The signal that stopped the command, if one did. */
  received: StopSignal | null = null

  constructor(out: Output) {
    this.#out = out
    for (const name of SIGNALS) process.on(name, this.#onSignal)
  }

  /** Aborted on the first SIGINT or SIGTERM (or by stop()). */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** The exit status of a process stopped by the signal received: 128 + its number. */
  get exitStatus(): number {
    return this.received === null ? 0 : 128 + constants.signals[this.received]
  }

  /** Stops the command as a signal would (the reader of its output went away). */
  stop(): void {
    this.#controller.abort()
  }

  dispose(): void {
    for (const name of SIGNALS) process.off(name, this.#onSignal)
  }

  readonly #onSignal = (name: StopSignal): void => {
    if (this.received !== null) {
      this.#out.error('ERR_INTERRUPTED', `${name} again: exiting without closing`)
      process.exit(128 + constants.signals[name])
    }
    this.received = name
    // On a terminal the progress line (or the ^C echo) is still open: end it first.
    const lead = this.#out.stderr.isTTY ? '\n' : ''
    this.#out.note(`${lead}${name === 'SIGINT' ? 'Ctrl-C' : name}: closing (again to exit at once)`)
    this.#controller.abort()
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** `promise`'s value, or null if `signal` aborts first (a later rejection of `promise` is ignored). */
export async function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T | null> {
  promise.catch(() => {})
  return Promise.race([promise, aborted(signal).then(() => null)])
}

/** Waits `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

import type { EventEmitter } from 'node:events'

/** Default bound for every wait in the acceptance suite: a hang fails fast with a clear message. */
export const WAIT_MS = 15_000

export interface OnceOptions<A extends unknown[]> {
  timeout?: number
  /** Only resolve for an emission whose arguments pass this test. */
  filter?: (...args: A) => boolean
  /** Name of the emitter in the timeout message. */
  label?: string
}

type Listener = (...args: unknown[]) => void

interface Emitterish {
  on(event: string, listener: Listener): unknown
  off?(event: string, listener: Listener): unknown
  removeListener?(event: string, listener: Listener): unknown
}

function detach(emitter: Emitterish, event: string, listener: Listener): void {
  if (emitter.off) emitter.off(event, listener)
  else emitter.removeListener?.(event, listener)
}

/**
 * Resolves with the arguments of the next `event` (passing `filter`), rejects after `timeout` ms
 * with a message naming the event. Listens before returning, so call it before causing the event.
 */
export function once<A extends unknown[] = unknown[]>(
  emitter: Emitterish | EventEmitter,
  event: string,
  opts: OnceOptions<A> = {},
): Promise<A> {
  const { timeout = WAIT_MS, filter, label = 'emitter' } = opts
  const target = emitter as Emitterish
  return new Promise<A>((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      if (filter && !filter(...(args as A))) return
      clearTimeout(timer)
      detach(target, event, onEvent)
      resolve(args as A)
    }
    const timer = setTimeout(() => {
      detach(target, event, onEvent)
      reject(new Error(`timed out after ${timeout} ms waiting for '${event}' on ${label}`))
    }, timeout)
    target.on(event, onEvent)
  })
}

/**
 * Like `once`, but evaluates `snapshot` synchronously inside the listener, so the test sees the
 * state at the moment of the event (as multifeed 6's tests did in their callbacks).
 */
export async function capture<T, A extends unknown[] = unknown[]>(
  emitter: Emitterish | EventEmitter,
  event: string,
  snapshot: (...args: A) => T,
  opts: OnceOptions<A> = {},
): Promise<T> {
  let value: T | undefined
  await once<A>(emitter, event, {
    ...opts,
    filter: (...args: A) => {
      if (opts.filter && !opts.filter(...args)) return false
      value = snapshot(...args)
      return true
    },
  })
  return value as T
}

/** Rejects with `what` in the message if `promise` does not settle within `timeout` ms. */
export async function within<T>(promise: Promise<T>, what: string, timeout = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)),
      timeout,
    )
  })
  try {
    return await Promise.race([promise, expiry])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Re-checks `condition` each time `emitter` emits one of `events`, resolving once it holds
 * (immediately if it already does). Bounded like `once`.
 */
export function until(
  emitters: Array<Emitterish | EventEmitter>,
  events: string[],
  condition: () => boolean,
  what: string,
  timeout = WAIT_MS,
): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const targets = emitters as Emitterish[]
    const check = () => {
      let ok = false
      try {
        ok = condition()
      } catch (err) {
        finish()
        reject(err)
        return
      }
      if (!ok) return
      finish()
      resolve()
    }
    const finish = () => {
      clearTimeout(timer)
      for (const emitter of targets) for (const event of events) detach(emitter, event, check)
    }
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`timed out after ${timeout} ms waiting until ${what}`))
    }, timeout)
    for (const emitter of targets) for (const event of events) emitter.on(event, check)
  })
}

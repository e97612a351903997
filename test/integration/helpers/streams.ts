import type { Duplex } from 'node:stream'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import type { Multifeed } from '../../../src/index.js'
import type { Harness } from './harness.js'

/** A duplex stream as returned by store.replicate / Multifeed.replicate (streamx). */
export type ReplicationStream = Duplex

/**
 * Records stream errors instead of letting an unhandled 'error' crash the worker: a test that
 * cares asserts on `errors`; tearing a connection down mid-flight is expected to error.
 */
function recordErrors(stream: ReplicationStream, errors: Error[]): void {
  stream.on('error', (err: Error) => errors.push(err))
}

/** Pipes a into b and b into a, both registered for teardown. */
export function pipeBoth(h: Harness, a: ReplicationStream, b: ReplicationStream, errors: Error[]) {
  h.stream(a)
  h.stream(b)
  recordErrors(a, errors)
  recordErrors(b, errors)
  a.pipe(b).pipe(a)
}

export interface Connection {
  /** The initiator's stream (first multifeed). */
  a: ReplicationStream
  /** The responder's stream (second multifeed). */
  b: ReplicationStream
  errors: Error[]
  /** Destroys both ends (a disconnect). */
  end(): void
}

/** `a.replicate(true)` piped to `b.replicate(false)`, as multifeed 6 users did. */
export function replicate(
  h: Harness,
  a: Multifeed,
  b: Multifeed,
  opts: { a?: { userData?: Uint8Array }; b?: { userData?: Uint8Array } } = {},
): Connection {
  const errors: Error[] = []
  const ra = a.replicate(true, opts.a) as unknown as ReplicationStream
  const rb = b.replicate(false, opts.b) as unknown as ReplicationStream
  pipeBoth(h, ra, rb, errors)
  return {
    a: ra,
    b: rb,
    errors,
    end() {
      ra.destroy()
      rb.destroy()
    },
  }
}

/** Two connected Noise streams (@hyperswarm/secret-stream) over an in-memory pipe. */
export function noisePair(h: Harness): {
  initiator: NoiseSecretStream
  responder: NoiseSecretStream
  errors: Error[]
} {
  const errors: Error[] = []
  const initiator = new NoiseSecretStream(true)
  const responder = new NoiseSecretStream(false)
  h.stream(initiator)
  h.stream(responder)
  initiator.on('error', (err: Error) => errors.push(err))
  responder.on('error', (err: Error) => errors.push(err))
  initiator.rawStream.pipe(responder.rawStream).pipe(initiator.rawStream)
  return { initiator, responder, errors }
}

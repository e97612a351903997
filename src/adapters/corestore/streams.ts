/** Helpers about Corestore replication streams. */
import type { EventEmitter } from 'node:events'
import type Corestore from 'corestore'
import { type NoiseStream, noiseStreamOf } from '../protomux-channel.js'

/** A stream as store.replicate() returns it (or a Noise stream given to replicate()). */
export type ReplicationStream = EventEmitter & {
  /** The Noise stream (the stream itself for a NoiseSecretStream). */
  noiseStream: NoiseStream
  /** Ends the connection. */
  destroy(err?: Error): void
  /** True once destroyed. */
  destroyed: boolean
  /** Pipes into `destination` (the other peer's stream) and returns it. */
  pipe<T>(destination: T): T
}

interface StreamRecord {
  stream: { noiseStream?: NoiseStream }
}

/**
 * True when `store` (or any session of its root) already replicates on `noise`. Reads Corestore 7's
 * stream tracker (no public API says it); on a Corestore without one, answers false.
 */
export function isReplicatingOn(store: Corestore, noise: NoiseStream): boolean {
  const tracker = (store as unknown as { streamTracker?: { records?: StreamRecord[] } })
    .streamTracker
  return (tracker?.records ?? []).some((record) => noiseStreamOf(record.stream as never) === noise)
}

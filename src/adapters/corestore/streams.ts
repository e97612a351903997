/** The replication stream type replicate() returns. */
import type { EventEmitter } from 'node:events'
import type { NoiseStream } from '../protomux-channel.js'

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

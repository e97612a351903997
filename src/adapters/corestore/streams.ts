/** The replication stream type replicate() returns. */
import type { EventEmitter } from 'node:events'
import type { ReplicationStreamEvents } from '../events.js'
import type { NoiseStream } from '../protomux-channel.js'

/** The listener methods of a stream, typed for the {@link ReplicationStreamEvents}. */
export interface ReplicationStreamListeners {
  /** Adds a listener of one of the {@link ReplicationStreamEvents}. */
  on<E extends keyof ReplicationStreamEvents>(
    event: E,
    listener: ReplicationStreamEvents[E],
  ): ReplicationStream
  /** Adds a one-time listener of one of the {@link ReplicationStreamEvents}. */
  once<E extends keyof ReplicationStreamEvents>(
    event: E,
    listener: ReplicationStreamEvents[E],
  ): ReplicationStream
  /** Removes a listener added with `on` or `once`. */
  off<E extends keyof ReplicationStreamEvents>(
    event: E,
    listener: ReplicationStreamEvents[E],
  ): ReplicationStream
}

/**
 * A stream as store.replicate() returns it (or a Noise stream given to replicate()), with the
 * multifeed's events ({@link ReplicationStreamEvents}) besides the stream's own.
 */
export type ReplicationStream = ReplicationStreamListeners &
  EventEmitter & {
    /** The Noise stream (the stream itself for a NoiseSecretStream). */
    noiseStream: NoiseStream
    /** Ends the connection. */
    destroy(err?: Error): void
    /** True once destroyed. */
    destroyed: boolean
    /** Pipes into `destination` (the other peer's stream) and returns it. */
    pipe<T>(destination: T): T
  }

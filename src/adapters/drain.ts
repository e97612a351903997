/**
 * Ending a connection without leaving Hypercore work behind.
 *
 * Why: when a connection ends while a remote is appending, Hypercore may still be verifying
 * blocks it received (protomux message handlers in flight). If the store closes meanwhile,
 * Hypercore's replicator reads the closed storage from a promise nobody awaits
 * (`Replicator._resolveBlocksLocally`, hypercore 11.37) and the process gets an unhandled
 * rejection "RocksDB session is closed". protomux tracks those handlers per channel, and
 * `channel.fullyClosed()` resolves once they all settled; a channel's Hypercore session is gone
 * from `core.peers` as soon as it closes, so the channels must be taken before anything closes
 * them. Closing the store after a drain is safe.
 */
import Protomux, { type Channel } from 'protomux'
import { type NoiseCarrier, type NoiseStream, noiseStreamOf } from './protomux-channel.js'

/** A stream that can be ended (a Noise stream, or a Corestore replication stream). */
interface Destroyable {
  destroy(err?: Error): void
}

/**
 * Ends `stream` (a Hyperswarm connection, or a stream `store.replicate()` or `mf.replicate()`
 * returned) and resolves once it closed and every protomux channel it carried, Hypercore's
 * included, has no handler left running. Call it before closing the multifeeds and the store.
 * Never rejects.
 * @example
 * ```ts
 * swarm.on('connection', (conn) => connections.add(conn))
 * // shutting down:
 * await Promise.all([...connections].map(drainConnection))
 * await mf.close()
 * await store.close()
 * ```
 */
export async function drainConnection(stream: NoiseCarrier): Promise<void> {
  const noise = noiseStreamOf(stream)
  // Taken first: a channel leaves the mux's list when it closes, its handlers may not.
  const channels = [...Protomux.from(noise as never)]
  const closed = closeOf(noise)
  ;(stream as unknown as Destroyable).destroy()
  await closed
  await settled(channels)
}

/**
 * Resolves once each of `channels` that is closed has no handler left running (channels still
 * open are left alone). Take the channels from the mux (`[...mux]`) before closing anything.
 */
export async function settled(channels: Iterable<Channel>): Promise<void> {
  const closing: Promise<void>[] = []
  for (const channel of channels) if (channel.closed) closing.push(channel.fullyClosed())
  await Promise.all(closing)
}

/**
 * True when no protomux channel is open on the stream: no multifeed's, no Hypercore's. (protomux's
 * isIdle() is not used: it stays false after a channel the remote never answered was closed,
 * since protomux keeps that channel's id until the remote acknowledges, which a silent peer never
 * does.)
 * @internal
 */
export function carriesNothing(stream: NoiseStream): boolean {
  for (const _channel of Protomux.from(stream as never)) return false
  return true
}

/** Resolves when the stream has emitted 'close' (at once if it already did). */
function closeOf(stream: NoiseStream): Promise<void> {
  // streamx sets `destroyed` right before it emits 'close'.
  if (stream.destroyed === true) return Promise.resolve()
  return new Promise((resolve) => stream.once('close', () => resolve()))
}

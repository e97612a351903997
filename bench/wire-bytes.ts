/**
 * Bytes each protomux protocol ('multifeed', 'hypercore/alpha', …) writes to a replication
 * stream, for the live section.
 *
 * Why a tap: nothing public counts bytes per protocol today. Hypercore's replicator `stats`
 * count messages, not bytes; protomux and secret-stream count nothing; MultifeedChannel has no
 * counter yet (the lead adds a `stats` object in the issue 14 redesign). So the bench, and only
 * the bench, wraps `write()` of the Noise stream that the stream's Protomux writes to and reads
 * protomux's framing (the wire format, not a private field) to attribute each frame:
 *   frame = uint channel id, then for id 0 (control) uint type: 0 batch, 1 open (uint local id,
 *   string protocol, …), 2 reject, 3 close (uint local id); for id > 0 the channel's message.
 *   A batch is uint local id, then length-prefixed messages; a zero length switches channel;
 *   channel 0 in a batch carries control messages (corked opens and closes).
 * Each write becomes one secret-stream message: 3 length bytes + 17 bytes of header and MAC on
 * top of the frame; that overhead is split over the protocols of the frame by their bytes.
 *
 * When MultifeedChannel.stats exists, a ByteMeter can take the 'multifeed' figure from it (sum
 * over the channels) and the rest from the tap: live.ts reads bytes only through ByteMeter.
 */
import type { Duplex } from 'node:stream'
import c from 'compact-encoding'

/** Secret-stream framing per write: uint24 length + 17 bytes (secretstream ABYTES). */
const TRANSPORT_OVERHEAD = 3 + 17
/** Control frames of no channel (rejects), and anything that is not a protomux frame. */
export const CONTROL = '(control)'
/** Frames of a channel whose open the tap did not see (it was opened before the tap). */
export const UNSEEN = '(channel opened before the tap)'

export interface ProtocolCount {
  /** Bytes on the wire, transport overhead included. */
  bytes: number
  /** Protomux messages (a batch counts each message in it). */
  messages: number
}

/** Byte counts per protocol, summed over every stream it watches. */
export interface ByteMeter {
  read(): Map<string, ProtocolCount>
}

/** Difference of two readings of a meter (after - before), per protocol. */
export function delta(
  after: Map<string, ProtocolCount>,
  before: Map<string, ProtocolCount>,
): Map<string, ProtocolCount> {
  const out = new Map<string, ProtocolCount>()
  for (const [protocol, count] of after) {
    const earlier = before.get(protocol) ?? { bytes: 0, messages: 0 }
    out.set(protocol, {
      bytes: count.bytes - earlier.bytes,
      messages: count.messages - earlier.messages,
    })
  }
  return out
}

/** Counts what the Protomux of each tapped stream writes, per protocol. */
export class WireTap implements ByteMeter {
  private readonly counts = new Map<string, ProtocolCount>()

  /**
   * Taps a Noise stream (or a stream carrying one). Tap it before anything replicates on it:
   * Corestore opens a channel for each open core as soon as it replicates on a stream, and the
   * frames of a channel whose open was not seen count as UNSEEN.
   */
  tap(stream: Duplex): void {
    const noise = (stream as Duplex & { noiseStream?: Duplex }).noiseStream ?? stream
    const protocols = new Map<number, string>() // our local channel id -> protocol
    const write = noise.write.bind(noise) as (chunk: unknown, ...rest: unknown[]) => boolean
    noise.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk instanceof Uint8Array) this.count(chunk, protocols)
      return write(chunk, ...rest)
    }) as typeof noise.write
  }

  read(): Map<string, ProtocolCount> {
    return new Map([...this.counts].map(([protocol, count]) => [protocol, { ...count }]))
  }

  private count(frame: Uint8Array, protocols: Map<number, string>): void {
    const parts = new Map<string, ProtocolCount>()
    const add = (protocol: string, bytes: number, messages: number) => {
      const part = parts.get(protocol) ?? { bytes: 0, messages: 0 }
      part.bytes += bytes
      part.messages += messages
      parts.set(protocol, part)
    }
    const state = { buffer: frame, start: 0, end: frame.byteLength }
    try {
      const id = readUint(state)
      const body = frame.subarray(state.start)
      if (id === 0 && body[0] === 0) {
        state.start += 1
        this.countBatch(state, protocols, add)
      } else add(ownerOf(id, body, protocols), frame.byteLength, 1)
    } catch {
      parts.clear()
      add(CONTROL, frame.byteLength, 1) // not a protomux frame: keep the bytes, unattributed
    }
    // The transport overhead of this write, split by the bytes each protocol has in it.
    for (const [protocol, part] of parts) {
      const share = (part.bytes / frame.byteLength) * TRANSPORT_OVERHEAD
      const total = this.counts.get(protocol) ?? { bytes: 0, messages: 0 }
      total.bytes += part.bytes + share
      total.messages += part.messages
      this.counts.set(protocol, total)
    }
  }

  /**
   * A batch ([0, 0] read already): uint channel id, then length-prefixed messages of that
   * channel; a zero length and a uint id switch channel. Channel 0 carries control messages
   * (opens and closes written while the muxer was corked). Frame header and switch bytes go to
   * the message that follows them.
   */
  private countBatch(
    state: DecodeState,
    protocols: Map<number, string>,
    add: (protocol: string, bytes: number, messages: number) => void,
  ): void {
    let mark = 0
    let id = readUint(state)
    while (state.start < state.end) {
      const length = readUint(state)
      if (length === 0) {
        id = readUint(state)
        continue
      }
      if (state.start + length > state.end) throw new RangeError('batch ends early')
      const body = state.buffer.subarray(state.start, state.start + length)
      state.start += length
      add(ownerOf(id, body, protocols), state.start - mark, 1)
      mark = state.start
    }
  }
}

/**
 * The protocol a message of channel `id` belongs to. Channel 0 is control: `body` starts with
 * the type; an open (1) names its local id and protocol, which later messages of that id use
 * (ids are reused after a close: the latest open wins); a close (3) names its local id.
 */
function ownerOf(id: number, body: Uint8Array, protocols: Map<number, string>): string {
  if (id !== 0) return protocols.get(id) ?? UNSEEN
  const state = { buffer: body, start: 0, end: body.byteLength }
  const type = readUint(state)
  if (type === 1) {
    const localId = readUint(state)
    const protocol = c.string.decode(state)
    protocols.set(localId, protocol)
    return protocol
  }
  if (type === 3) return protocols.get(readUint(state)) ?? UNSEEN
  return CONTROL
}

type DecodeState = { buffer: Uint8Array; start: number; end: number }

/** compact-encoding's uint, as protomux encodes every id, type and length. */
function readUint(state: DecodeState): number {
  return c.uint.decode(state)
}

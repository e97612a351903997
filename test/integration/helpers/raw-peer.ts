/**
 * A hand-driven multifeed peer: a raw protomux channel that speaks the wire format from
 * spec/multifeed.md directly, written independently of src/codec so that the acceptance tests check the
 * implementation against the spec rather than against itself. Used to play a misbehaving or
 * foreign peer (wrong capability, other major version, offer flooding).
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import b4a from 'b4a'
import c, { type Encoder } from 'compact-encoding'
import crypto from 'hypercore-crypto'
import Protomux, { type Channel, type ChannelMessage } from 'protomux'
import sodium from 'sodium-universal'

export const MessageTypes = { Manifest: 0, Request: 1, Replicate: 2, Close: 3 } as const

/** discoveryKey = BLAKE2b-256(message "multifeed", key = multifeed key). */
export function multifeedDiscoveryKey(key: Uint8Array): Uint8Array {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, b4a.from('multifeed'), key)
  return out
}

const [INITIATOR_NS, RESPONDER_NS] = crypto.namespace('multifeed', 2) as [Uint8Array, Uint8Array]

/** capability = BLAKE2b-256(NS[role] || key, key = handshakeHash); role 0 initiator, 1 responder. */
export function capability(key: Uint8Array, handshakeHash: Uint8Array, initiator: boolean) {
  const out = b4a.alloc(32)
  sodium.crypto_generichash_batch(
    out,
    [initiator ? INITIATOR_NS : RESPONDER_NS, key],
    handshakeHash,
  )
  return out
}

/** A field: its compact-encoding codec and its value. */
// biome-ignore lint/suspicious/noExplicitAny: each field pairs a codec with a value of its own type
type Field = [Encoder<any>, unknown]

/** Encodes fields in order with compact-encoding's two-pass (preencode, encode) state. */
function encodeFields(fields: Field[]): Uint8Array {
  const state = c.state()
  for (const [enc, value] of fields) enc.preencode(state, value)
  state.buffer = b4a.allocUnsafe(state.end)
  for (const [enc, value] of fields) enc.encode(state, value)
  return state.buffer
}

export interface RawHandshake {
  major: number
  minor: number
  client: string
  capability: Uint8Array
  userData?: Uint8Array
}

export function encodeHandshake(h: RawHandshake): Uint8Array {
  const fields: Field[] = [
    [c.uint, h.major],
    [c.uint, h.minor],
    [c.uint, h.userData ? 1 : 0],
    [c.string, h.client],
    [c.fixed32, h.capability],
  ]
  if (h.userData) fields.push([c.uint, h.userData.byteLength], [c.raw, h.userData])
  return encodeFields(fields)
}

export function encodeManifest(more: boolean, entries: Array<{ key: Uint8Array; length: number }>) {
  const fields: Field[] = [
    [c.bool, more],
    [c.uint, entries.length],
  ]
  for (const e of entries) fields.push([c.uint, 0], [c.fixed32, e.key], [c.uint, e.length])
  return encodeFields(fields)
}

export function encodeKeys(keys: Uint8Array[]): Uint8Array {
  return encodeFields([
    [c.uint, 0],
    [c.array(c.fixed32), keys],
  ])
}

export function decodeKeys(body: Uint8Array): Uint8Array[] {
  const state = c.state(0, body.byteLength, body)
  c.uint.decode(state)
  return c.array(c.fixed32).decode(state)
}

export interface RawManifest {
  more: boolean
  entries: Array<{ key: Uint8Array; length: number; data: Uint8Array | null }>
}

export function decodeManifest(body: Uint8Array): RawManifest {
  const state = c.state(0, body.byteLength, body)
  const more = c.bool.decode(state)
  const count = c.uint.decode(state)
  const entries: RawManifest['entries'] = []
  for (let i = 0; i < count; i++) {
    const flags = c.uint.decode(state)
    const key = c.fixed32.decode(state)
    const length = c.uint.decode(state)
    let data: Uint8Array | null = null
    if (flags & 1) {
      const n = c.uint.decode(state)
      data = body.subarray(state.start, state.start + n)
      state.start += n
    }
    entries.push({ key, length, data })
  }
  return { more, entries }
}

export function decodeClose(body: Uint8Array): { code: number; reason: string } {
  const state = c.state(0, body.byteLength, body)
  c.uint.decode(state)
  const code = c.uint.decode(state)
  const reason = c.string.decode(state)
  return { code, reason }
}

export interface ReceivedMessage {
  type: number
  body: Uint8Array
}

/**
 * Opens the 'multifeed' channel for `discoveryKey` on a Noise stream's protomux, sends `handshake`
 * as the open payload and records everything the other side sends. Events: 'open' (remote
 * handshake bytes), 'message' (ReceivedMessage), 'close'.
 */
export class RawPeer extends EventEmitter {
  readonly received: ReceivedMessage[] = []
  remoteHandshake: Uint8Array | null = null
  closed = false
  private readonly channel: Channel
  private readonly messages: ChannelMessage[]

  constructor(noiseStream: Duplex, discoveryKey: Uint8Array, handshake: Uint8Array) {
    super()
    const mux = Protomux.from(noiseStream)
    const channel = mux.createChannel({
      protocol: 'multifeed',
      id: discoveryKey,
      handshake: c.raw,
      onopen: (remote: unknown) => {
        this.remoteHandshake = remote as Uint8Array
        this.emit('open', remote)
      },
      onclose: () => {
        this.closed = true
        this.emit('close')
      },
    })
    if (!channel) throw new Error('the multifeed channel is already open on this stream')
    this.channel = channel
    // Types 0 to 3 (1.0) and 4 to 8 (1.1): a raw peer may send any of them.
    this.messages = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((type) =>
      channel.addMessage({
        encoding: c.raw,
        onmessage: (body: unknown) => {
          const message = { type, body: b4a.from(body as Uint8Array) }
          this.received.push(message)
          this.emit('message', message)
        },
      }),
    )
    this.channel.open(handshake)
  }

  send(type: number, body: Uint8Array): void {
    this.messages[type]!.send(body)
  }

  /** Every byte the remote sent on this channel, handshake included. */
  allReceivedBytes(): Uint8Array {
    const parts = this.received.map((m) => m.body)
    if (this.remoteHandshake) parts.unshift(this.remoteHandshake)
    return b4a.concat(parts)
  }

  close(): void {
    this.channel.close()
  }
}

/** True if `needle` occurs anywhere in `haystack`. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return b4a.indexOf(b4a.from(haystack), b4a.from(needle)) !== -1
}

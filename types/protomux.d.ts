/** Types for protomux (untyped CommonJS) (shipped, see scripts/build.mjs). */
import type { Duplex } from 'node:stream'

/** A compact-encoding codec (`{ preencode, encode, decode }`). */
export interface Encoding<T = unknown> {
  preencode(state: unknown, value: T): void
  encode(state: unknown, value: T): void
  decode(state: unknown): T
}

export interface ChannelMessage<T = unknown> {
  readonly type: number
  send(message: T, channel?: Channel): boolean
  onmessage: (message: T, channel: Channel) => unknown
}

export interface MessageOptions {
  /** A compact-encoding codec (default c.raw). */
  encoding?: object
  onmessage?(message: unknown, channel: Channel): unknown
  autoBatch?: boolean
}

export interface ChannelOptions {
  userData?: unknown
  protocol: string
  aliases?: string[]
  id?: Uint8Array | null
  unique?: boolean
  handshake?: object | null
  messages?: Array<MessageOptions | null>
  onopen?(handshake: unknown, channel: Channel): unknown
  /** `isRemote` is true when the remote closed or rejected the channel or the stream ended. */
  onclose?: (isRemote: boolean, channel: Channel) => unknown
  ondestroy?: (channel: Channel) => unknown
  ondrain?: (channel: Channel) => unknown
}

export interface Channel {
  userData: unknown
  readonly protocol: string
  readonly id: Uint8Array | null
  handshake: unknown
  readonly messages: ChannelMessage[]
  opened: boolean
  closed: boolean
  destroyed: boolean
  readonly drained: boolean
  open(handshake?: unknown): void
  close(): void
  cork(): void
  uncork(): void
  addMessage(opts?: MessageOptions | null): ChannelMessage
  fullyOpened(): Promise<boolean>
  fullyClosed(): Promise<void>
}

export interface ProtocolId {
  protocol: string
  id?: Uint8Array | null
}

declare class Protomux {
  constructor(stream: Duplex, opts?: { alloc?: (size: number) => Uint8Array })
  readonly isProtomux: true
  readonly stream: Duplex & {
    handshakeHash?: Uint8Array | null
    isInitiator?: boolean
    opened?: Promise<boolean>
    userData?: unknown
  }
  corked: number
  drained: boolean
  static from(stream: Duplex, opts?: { alloc?: (size: number) => Uint8Array }): Protomux
  static isProtomux(mux: unknown): mux is Protomux
  createChannel(opts: ChannelOptions): Channel | null
  /** `notify` runs when the remote opens a channel we have not opened; open ours inside it. */
  pair(id: ProtocolId, notify: (id: Uint8Array | null) => unknown): void
  unpair(id: ProtocolId): void
  opened(id: ProtocolId): boolean
  getLastChannel(id: ProtocolId): Channel | null
  isIdle(): boolean
  cork(): void
  uncork(): void
  destroy(err?: Error): void
  [Symbol.iterator](): Iterator<Channel>
}

export default Protomux

/**
 * protomux binding (spec section 12): the carrier of one multifeed's session on one Noise
 * stream. It decides nothing. It turns protomux callbacks into calls on its owner (the
 * Multifeed, which feeds them to its Collection as events for this connection) and the
 * owner's decisions into bytes and events. What it still knows on its own is protomux's:
 * whether the remote refused our open (a close before any open from the remote), and the
 * order in which protomux delivers the remote's open and messages.
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import c from 'compact-encoding'
import Protomux, { type Channel } from 'protomux'
import { encodeMessage, messageTypeOf } from '../codec/channel-message.js'
import { type Limits, MessageType, PROTOMUX_PROTOCOL } from '../codec/constants.js'
import { encodeHandshake } from '../codec/handshake.js'
import type { ChannelMessage, Handshake, Key } from '../codec/messages.js'
import { MultifeedError } from '../errors.js'
import type { ConnectionId } from '../state/collection-types.js'
import type { ExtensionMessage, SyncProgress } from '../state/types.js'
import { logChannel } from './log.js'

/** A Noise stream as protomux and the capability need it (@hyperswarm/secret-stream). */
export interface NoiseStream {
  /** Our Noise role; it is also our capability role. */
  isInitiator: boolean
  /** The Noise handshake hash the capabilities are bound to (set once opened). */
  handshakeHash: Uint8Array | null
  /** The remote's Noise public key (set once opened): who the peer is. */
  remotePublicKey?: Uint8Array | null
  /** Resolves true once the Noise handshake completed, false if the stream closed first. */
  opened: Promise<boolean>
  /** Where Protomux.from keeps the stream's muxer. */
  userData: unknown
  /** True once the stream was destroyed. */
  destroyed?: boolean
  /** Ends the stream. */
  destroy?(err?: Error): void
  /** Subscribes to the stream's close. */
  once(event: 'close', listener: () => void): unknown
  /** Unsubscribes from the stream's close. */
  removeListener(event: 'close', listener: () => void): unknown
}

/**
 * A Noise stream, or a stream that carries one (a Corestore replication stream). Checked at run
 * time (ERR_INVALID_ARGUMENT), so any Duplex type is accepted by the compiler.
 */
export type NoiseCarrier = NoiseStream | NoiseStreamCarrier | Duplex

/** A stream that carries a Noise stream (what store.replicate() returns). */
export interface NoiseStreamCarrier {
  /** The Noise stream under this stream. */
  noiseStream: NoiseStream
}

/** The Noise stream under `stream` (itself for a NoiseSecretStream). */
export function noiseStreamOf(stream: NoiseCarrier): NoiseStream {
  const noise = (stream as { noiseStream?: NoiseStream }).noiseStream ?? (stream as NoiseStream)
  if (
    !noise ||
    typeof noise.opened?.then !== 'function' ||
    typeof noise.isInitiator !== 'boolean'
  ) {
    throw MultifeedError.INVALID_ARGUMENT(
      'expected a Noise stream (@hyperswarm/secret-stream) or a Corestore replication stream',
    )
  }
  return noise
}

/** The Protomux of a Noise stream (created on first use, shared with Corestore). */
export function muxOf(noise: NoiseStream): Protomux {
  return Protomux.from(noise as never)
}

/**
 * The channel's owner (the Multifeed): it receives what the carrier sees and decides everything.
 * @internal
 */
export interface ChannelOwner {
  /** The channel id. */
  readonly discoveryKey: Uint8Array
  /** Limit overrides for the codec. */
  readonly limits: Partial<Limits> | undefined
  /** Resolves when the owner can take a session (its collection is loaded). */
  ready(): Promise<void>
  /** The protomux channel exists and the Noise handshake is done: open the session. */
  channelOpened(channel: MultifeedChannel): void
  /** The remote's opening payload arrived. */
  remoteOpened(channel: MultifeedChannel, body: Uint8Array): void
  /** A typed message arrived. */
  received(channel: MultifeedChannel, messageType: number, body: Uint8Array): void
  /** protomux closed the channel (or the stream ended) without the owner asking. */
  channelClosed(channel: MultifeedChannel, rejected: boolean): void
  /** The user closes the channel. */
  disconnect(channel: MultifeedChannel): void
  /** The channel failed (it emitted 'session-error'): the owner reports it too. */
  channelFailed(channel: MultifeedChannel, error: MultifeedError): void
  /** The channel's session's progress, or null once it ended. */
  progressOf(channel: MultifeedChannel): SyncProgress | null
}

/** The remote's verified handshake, as the 'handshake' event carries it. */
export interface RemoteHandshake {
  /** The remote's client name (equal to ours, or the session failed). */
  client: string
  /** The remote's major version. */
  major: number
  /** The remote's minor version. */
  minor: number
  /** The remote's userData, or null. */
  userData: Uint8Array | null
}

/** Bytes and messages this channel carried (the multifeed protocol's own, not Hypercore's). */
export interface ChannelStats {
  /** Messages sent, the Handshake included. */
  messagesSent: number
  /** Bytes of the bodies sent (the Handshake payload included), without protomux framing. */
  bytesSent: number
  messagesReceived: number
  bytesReceived: number
}

/**
 * Message types registered on the channel: 0 to 3 (1.0) and 4 to 8 (1.1, the membership
 * messages), all raw. Registering the 1.1 types changes nothing for a session at minor 0, which
 * ignores them as 1.0 does (spec 7.4, 12).
 */
const MESSAGE_COUNT = Object.keys(MessageType).length + 5

/**
 * The multifeed channel on one stream. Events: see {@link MultifeedChannelEvents} ('handshake',
 * 'remote-feeds', 'synced', 'session-error', then 'close'). It never emits 'error' and never
 * destroys the stream: a failure closes only this channel (the multifeed then ends a stream that
 * `replicate(true/false)` made, if nothing else runs on it). Made by `mf.attach(stream)` or
 * `mf.replicate(...)`.
 * @example
 * ```ts
 * const channel = mf.attach(conn)
 * channel.on('handshake', ({ client, userData }) => console.log(client, userData))
 * channel.on('session-error', (err) => console.error(err.code, err.remote))
 * ```
 */
export class MultifeedChannel extends EventEmitter {
  /** The owner's name for this connection. */
  readonly conn: ConnectionId
  /** The Noise stream the channel runs on. */
  readonly stream: NoiseStream
  /** The stream's muxer (shared with Corestore's replication). */
  readonly mux: Protomux
  /** Handshake userData for this connection, or undefined for the multifeed's default. */
  readonly userData: Uint8Array | null | undefined
  /** The remote's handshake userData, once verified. */
  remoteUserData: Uint8Array | null = null
  /** The remote's client name, once verified. */
  remoteClient: string | null = null
  /** True once the channel closed ('close' was emitted). */
  closed = false
  /** The failure that closed the channel, if any. */
  error: MultifeedError | null = null
  /** True once the remote opened its side of the channel. */
  remoteOpened = false
  /** Who closed the channel first, once closed. */
  closedBy: 'local' | 'remote' | null = null
  /** Resolves once the channel was created on the mux (or the stream closed first). */
  readonly ready: Promise<void>
  /** What this channel carried. */
  readonly stats: ChannelStats = {
    messagesSent: 0,
    bytesSent: 0,
    messagesReceived: 0,
    bytesReceived: 0,
  }

  readonly #owner: ChannelOwner
  readonly #onStreamClose = () => this.#lost(false)
  #channel: Channel | null = null
  /** The remote opened first: protomux holds its open until we create our side. */
  #remoteWaiting = false
  /** The owner was told the channel is open (its session started). */
  #announced = false

  /** @internal Created by the Multifeed (attach, replicate). */
  constructor(
    stream: NoiseStream,
    owner: ChannelOwner,
    conn: ConnectionId,
    userData?: Uint8Array | null,
  ) {
    super()
    this.conn = conn
    this.stream = stream
    this.mux = muxOf(stream)
    this.userData = userData
    this.#owner = owner
    // A remote that opens first waits for us instead of being rejected; its open reaching this
    // pairing is protomux's public signal that it opened first.
    this.mux.pair(this.#protocolId(), () => {
      this.#remoteWaiting = true
      return this.ready
    })
    watchClose(this.stream, this.#onStreamClose)
    // Never rejects: protomux destroys the whole stream when a pairing promise rejects.
    this.ready = Promise.all([this.stream.opened, owner.ready()])
      .then(
        ([opened]) => (opened ? this.#create() : this.#lost(false)),
        () => this.#lost(false),
      )
      .catch((err) => this.fail(MultifeedError.INTERNAL(err)))
  }

  /**
   * How far this connection's session got with the remote's feeds: feeds accepted and held at the
   * advertised length, the blocks that takes, and whether it is synced. Null before the session
   * opens and after it ends. Computed on each read (linear in the feeds it knows).
   */
  get progress(): SyncProgress | null {
    return this.closed ? null : this.#owner.progressOf(this)
  }

  /** True while this connection's session is synced (spec 9.2). */
  get synced(): boolean {
    return this.progress?.synced === true
  }

  /** @internal Emits 'progress' (when someone listens). */
  reportProgress(): void {
    if (this.listenerCount('progress') === 0) return
    const progress = this.progress
    if (progress !== null) this.emit('progress', progress)
  }

  /** Asks the owner to end the session here (a Close with code 0, then the channel closes). */
  close(): void {
    if (!this.closed) this.#owner.disconnect(this)
  }

  /** @internal Sends one message (the Handshake as the channel-open payload). */
  send(message: Handshake | ChannelMessage | ExtensionMessage): void {
    const channel = this.#channel
    if (channel === null || channel.closed) return
    const body =
      message.type === 'handshake'
        ? encodeHandshake(message, this.#owner.limits)
        : message.type === 'extension'
          ? message.body
          : encodeMessage(message, this.#owner.limits)
    this.stats.messagesSent++
    this.stats.bytesSent += body.byteLength
    if (message.type === 'handshake') channel.open(body)
    else if (message.type === 'extension') channel.messages[message.messageType]!.send(body)
    else channel.messages[messageTypeOf(message)]!.send(body)
  }

  /** @internal The remote proved the key. */
  notifyHandshake(remote: RemoteHandshake): void {
    this.remoteClient = remote.client
    this.remoteUserData = remote.userData
    this.emit('handshake', remote)
  }

  /** @internal The remote's offer is settled. */
  notifyRemoteFeeds(keys: Key[]): void {
    this.emit('remote-feeds', keys)
  }

  /** @internal The session is synced. */
  notifySynced(): void {
    this.emit('synced')
  }

  /**
   * @internal The session failed (its Close, if any, was sent): logged, then 'session-error' here
   * and on the owner. 'close' follows.
   */
  fail(error: MultifeedError): void {
    if (this.closed || this.error !== null) return
    this.error = error
    logChannel('%k failed (%s fault): %s', this.#owner.discoveryKey, error.fault, error.message)
    this.emit('session-error', error)
    this.#owner.channelFailed(this, error)
  }

  /** @internal The session ended: close the protomux channel and stop listening. */
  finish(by: 'local' | 'remote'): void {
    if (this.closed) return
    this.closed = true
    this.closedBy = by
    logChannel('%k closed by %s (%s)', this.#owner.discoveryKey, by, this.error?.code ?? 'ok')
    this.#channel?.close()
    this.mux.unpair(this.#protocolId())
    unwatchClose(this.stream, this.#onStreamClose)
    this.emit('close')
  }

  #protocolId() {
    return { protocol: PROTOMUX_PROTOCOL, id: this.#owner.discoveryKey }
  }

  #create(): void {
    if (this.closed || this.#channel !== null) return
    const channel = this.mux.createChannel({
      protocol: PROTOMUX_PROTOCOL,
      id: this.#owner.discoveryKey,
      // Raw bytes only: a decode error thrown inside protomux would destroy the shared stream.
      handshake: c.raw,
      messages: Array.from({ length: MESSAGE_COUNT }, (_, messageType) => ({
        encoding: c.raw,
        onmessage: (body: Uint8Array) => {
          this.stats.messagesReceived++
          this.stats.bytesReceived += body.byteLength
          this.#owner.received(this, messageType, body)
        },
      })),
      onopen: (body: unknown) => {
        this.remoteOpened = true
        this.stats.messagesReceived++
        this.stats.bytesReceived += (body as Uint8Array).byteLength
        this.#announce()
        this.#owner.remoteOpened(this, body as Uint8Array)
      },
      // A close from the remote before it ever opened is its refusal (protomux's reject); the
      // stream's end closes a pending open the same way, but then the stream is destroyed.
      onclose: (isRemote: boolean) =>
        this.#lost(
          isRemote && !this.remoteOpened && !this.#remoteWaiting && this.stream.destroyed !== true,
        ),
    })
    if (channel === null) {
      // The stream is gone, or this multifeed already has a channel on it.
      if (this.mux.opened(this.#protocolId())) {
        this.fail(MultifeedError.ALREADY_ATTACHED())
      }
      this.#lost(false)
      return
    }
    this.#channel = channel
    // The remote opened first: protomux delivers its open on the next tick. Starting our session
    // only then keeps a fast answer to our Handshake (a Close) from closing the channel before
    // the remote's open was seen.
    if (!this.#remoteWaiting) this.#announce()
  }

  #announce(): void {
    if (this.#announced) return
    this.#announced = true
    logChannel(
      '%k open as %s',
      this.#owner.discoveryKey,
      this.stream.isInitiator ? 'initiator' : 'responder',
    )
    this.#owner.channelOpened(this)
  }

  /** protomux or the stream ended the channel without the owner asking. */
  #lost(rejected: boolean): void {
    if (!this.closed) this.#owner.channelClosed(this, rejected)
  }
}

/**
 * One 'close' listener per stream, whatever the number of channels on it: a listener per channel
 * would trip Node's MaxListenersExceededWarning past 10 multifeeds on one connection.
 */
const closeWatchers = new WeakMap<NoiseStream, Set<() => void>>()

function watchClose(stream: NoiseStream, onclose: () => void): void {
  let watchers = closeWatchers.get(stream)
  if (watchers === undefined) {
    const set = new Set<() => void>()
    watchers = set
    closeWatchers.set(stream, set)
    stream.once('close', () => {
      closeWatchers.delete(stream)
      for (const watcher of set) watcher()
    })
  }
  watchers.add(onclose)
}

function unwatchClose(stream: NoiseStream, onclose: () => void): void {
  closeWatchers.get(stream)?.delete(onclose)
}

/**
 * protomux binding (spec: protomux binding): one multifeed channel on one Noise stream.
 * Bytes in become Session events; Session actions become bytes out and effects. Every protocol
 * decision is the Session's; this file only wires.
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import c from 'compact-encoding'
import Protomux, { type Channel } from 'protomux'
import { capability } from '../codec/capability.js'
import { encodeMessage, messageTypeOf } from '../codec/channel-message.js'
import { DEFAULT_CLIENT, type Limits, MessageType, PROTOMUX_PROTOCOL } from '../codec/constants.js'
import { encodeHandshake } from '../codec/handshake.js'
import type { Key, ManifestEntry } from '../codec/messages.js'
import { Session } from '../state/session.js'
import type { LocalFeed, SessionAction, SessionEvent, SessionOptions } from '../state/types.js'
import { LocalErrorCode, MultifeedError } from './errors.js'
import { logChannel } from './log.js'

/** A Noise stream as protomux and the capability need it (@hyperswarm/secret-stream). */
export interface NoiseStream {
  /** Our Noise role; it is also our capability role. */
  isInitiator: boolean
  /** The Noise handshake hash the capabilities are bound to (set once opened). */
  handshakeHash: Uint8Array | null
  /** Resolves true once the Noise handshake completed, false if the stream closed first. */
  opened: Promise<boolean>
  /** Where Protomux.from keeps the stream's muxer. */
  userData: unknown
  /** True once the stream was destroyed. */
  destroyed?: boolean
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
    throw new MultifeedError(
      LocalErrorCode.ERR_INVALID_ARGUMENT,
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
 * What a channel needs from the collection it serves (the Multifeed implements it).
 * Effects are started synchronously; `addFeeds` returns when the feeds are in the collection.
 */
export interface ChannelHost {
  /** The multifeed key (capabilities prove knowledge of it). */
  readonly key: Uint8Array
  /** The channel id. */
  readonly discoveryKey: Uint8Array
  /** Client name sent in the handshake. */
  readonly client: string
  /** Default handshake userData. */
  readonly userData: Uint8Array | null
  /** Limit overrides for the codec and the session. */
  readonly limits: Partial<Limits> | undefined
  /** Want and share policies of the session. */
  readonly sessionOptions: SessionOptions
  /** The local feeds (offered subject to the share policy) and the blocked keys, now. @internal */
  snapshot(): CollectionSnapshot
  /** Adds remote feeds to the collection; resolves when they are in it. Never rejects. @internal */
  addFeeds(entries: ManifestEntry[]): Promise<void>
  /** Replicates these feeds over `mux`. @internal */
  replicateOn(mux: Protomux, keys: Key[]): void
  /** Stops replicating these feeds over `mux`. @internal */
  unreplicateOn(mux: Protomux, keys: Key[]): void
  /** Resolves when the collection is loaded (the channel opens after it). */
  ready(): Promise<void>
}

/** What a session is opened with. @internal */
export interface CollectionSnapshot {
  /** Unblocked feeds of the collection with their local lengths. */
  feeds: LocalFeed[]
  /** Keys blocked or removed. */
  blocked: Key[]
}

/** Options of a {@link MultifeedChannel}. */
export interface MultifeedChannelOptions {
  /** Handshake userData for this connection (default: the host's). */
  userData?: Uint8Array | null
  /** Clock in milliseconds (default Date.now); only differences matter. */
  now?: () => number
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

const MESSAGE_COUNT = Object.keys(MessageType).length

/**
 * The multifeed channel on one stream. Events: see {@link MultifeedChannelEvents} ('handshake',
 * 'remote-feeds', 'synced', 'session-error', then 'close'). It never emits 'error' and never
 * destroys the stream: a failure closes only this channel. Usually made by `mf.attach(stream)`
 * or `mf.replicate(...)`.
 * @example
 * ```ts
 * const channel = mf.attach(conn)
 * channel.on('handshake', ({ client, userData }) => console.log(client, userData))
 * channel.on('session-error', (err) => console.error(err.code, err.remote))
 * ```
 */
export class MultifeedChannel extends EventEmitter {
  /** The Noise stream the channel runs on. */
  readonly stream: NoiseStream
  /** The stream's muxer (shared with Corestore's replication). */
  readonly mux: Protomux
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

  readonly #host: ChannelHost
  readonly #session: Session
  readonly #userData: Uint8Array | null
  readonly #now: () => number
  readonly #onStreamClose = () => this.#onTransportClosed()
  #channel: Channel | null = null
  #sessionOpen = false
  #timer: ReturnType<typeof setTimeout> | null = null
  readonly #queue: SessionEvent[] = []
  #draining = false
  /**
   * Feeds from localFeed not yet handed to the session: one local-feeds event per microtask
   * checkpoint (setImmediate measured no faster on the chain bench and adds latency).
   */
  #pendingFeeds: LocalFeed[] = []

  constructor(stream: NoiseCarrier, host: ChannelHost, opts: MultifeedChannelOptions = {}) {
    super()
    this.stream = noiseStreamOf(stream)
    this.mux = muxOf(this.stream)
    this.#host = host
    this.#session = new Session(host.sessionOptions)
    this.#userData = opts.userData === undefined ? host.userData : opts.userData
    this.#now = opts.now ?? Date.now
    // A remote that opens first waits for us instead of being rejected.
    this.mux.pair(this.#protocolId(), () => this.ready)
    this.stream.once('close', this.#onStreamClose)
    // Never rejects: protomux destroys the whole stream when a pairing promise rejects.
    this.ready = Promise.all([this.stream.opened, host.ready()])
      .then(
        ([opened]) => (opened ? this.#open() : this.#onTransportClosed()),
        (err) => this.#finish(hostFailure(err)),
      )
      .catch((err) => this.#internalFailure(err))
  }

  /** Closes the channel (a Close message with code 0, then the protomux close). Idempotent. */
  close(): void {
    if (this.closed) return
    if (this.#sessionOpen) this.#dispatch({ type: 'close' })
    else this.#finish(null, 'local')
  }

  /**
   * A feed entered the local collection (or grew and is re-offered). Feeds given in one run are
   * announced together, in one Manifest batch, instead of one Manifest (and Request and
   * Replicate from the remote) each.
   */
  localFeed(feed: LocalFeed): void {
    if (!this.#sessionOpen) return
    if (this.#pendingFeeds.length === 0) queueMicrotask(this.#flushFeeds)
    this.#pendingFeeds.push(feed)
  }

  /** A feed's local copy reached `length`. */
  localLength(key: Key, length: number): void {
    if (this.#sessionOpen) this.#dispatch({ type: 'local-length', key, length })
  }

  /** The user blocked or removed a feed. */
  block(key: Key): void {
    if (this.#sessionOpen) this.#dispatch({ type: 'block', key })
  }

  #protocolId() {
    return { protocol: PROTOMUX_PROTOCOL, id: this.#host.discoveryKey }
  }

  #open(): void {
    if (this.closed || this.#channel !== null) return
    const channel = this.mux.createChannel({
      protocol: PROTOMUX_PROTOCOL,
      id: this.#host.discoveryKey,
      // Raw bytes only: a decode error thrown inside protomux would destroy the shared stream.
      handshake: c.raw,
      messages: Array.from({ length: MESSAGE_COUNT }, (_, messageType) => ({
        encoding: c.raw,
        onmessage: (body: Uint8Array) => this.#dispatch({ type: 'message', messageType, body }),
      })),
      onopen: (body: unknown) => {
        this.remoteOpened = true
        if (!this.#sessionOpen) this.#openSession()
        this.#dispatch({ type: 'remote-open', body: body as Uint8Array })
      },
      onclose: () => this.#onTransportClosed(),
    })
    if (channel === null) {
      const reason = this.mux.opened(this.#protocolId())
        ? new MultifeedError(
            LocalErrorCode.ERR_ALREADY_ATTACHED,
            'multifeed already on this stream',
          )
        : null
      this.#finish(reason)
      return
    }
    this.#channel = channel
    // The remote opened first: protomux delivers its handshake on the next tick. Opening our side
    // only then keeps a fast reply (a Close) from arriving before that handshake was seen.
    if ((channel as unknown as { _remoteId: number })._remoteId !== 0) return
    this.#openSession()
  }

  #openSession(): void {
    const handshakeHash = this.stream.handshakeHash!
    const role = this.stream.isInitiator ? 'initiator' : 'responder'
    const remoteRole = this.stream.isInitiator ? 'responder' : 'initiator'
    const { feeds, blocked } = this.#host.snapshot()
    logChannel('%k open as %s, offering %d feeds', this.#host.discoveryKey, role, feeds.length)
    this.#sessionOpen = true
    this.#dispatch({
      type: 'open',
      now: this.#now(),
      role,
      client: this.#host.client ?? DEFAULT_CLIENT,
      userData: this.#userData,
      localCapability: capability(this.#host.key, handshakeHash, role),
      remoteCapability: capability(this.#host.key, handshakeHash, remoteRole),
      feeds,
      blocked,
      ...(this.#host.limits ? { limits: this.#host.limits } : {}),
    })
  }

  #onTransportClosed(): void {
    if (this.closed) return
    if (this.#sessionOpen) this.#dispatch({ type: 'transport-closed' })
    else this.#finish(null, 'remote')
  }

  readonly #flushFeeds = (): void => {
    if (this.#pendingFeeds.length === 0) return
    const feeds = this.#pendingFeeds
    this.#pendingFeeds = []
    this.#enqueue({ type: 'local-feeds', feeds })
  }

  /** Buffered feeds go first: no later event (a local-length for one of them) may overtake them. */
  #dispatch(event: SessionEvent): void {
    this.#flushFeeds()
    this.#enqueue(event)
  }

  /** Events are handled one at a time, each one's actions carried out before the next. */
  #enqueue(event: SessionEvent): void {
    this.#queue.push(event)
    if (!this.#draining) this.#drain().catch((err) => this.#internalFailure(err))
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      // Read by index, not shift(): the queue reaches tens of thousands of events while add-feeds
      // is awaited, and shift() is linear in the queue length.
      for (let next = 0; next < this.#queue.length; next++) {
        for (const action of this.#session.handle(this.#queue[next]!)) {
          // Only add-feeds is asynchronous: later actions (replicate, remote-feeds) need its feeds.
          if (action.type === 'add-feeds') await this.#host.addFeeds(action.feeds)
          else this.#carryOut(action)
        }
      }
    } finally {
      this.#queue.length = 0
      this.#draining = false
    }
  }

  #carryOut(action: Exclude<SessionAction, { type: 'add-feeds' }>): void {
    switch (action.type) {
      case 'send':
        this.#send(action.message)
        break
      case 'timer':
        this.#setTimer(action.at)
        break
      case 'remote-handshake': {
        const { type: _type, ...handshake } = action
        this.remoteClient = handshake.client
        this.remoteUserData = handshake.userData
        this.emit('handshake', handshake satisfies RemoteHandshake)
        break
      }
      case 'replicate':
        this.#host.replicateOn(this.mux, action.keys)
        break
      case 'unreplicate':
        this.#host.unreplicateOn(this.mux, action.keys)
        break
      case 'remote-feeds':
        this.emit('remote-feeds', action.keys)
        break
      case 'synced':
        this.emit('synced')
        break
      case 'fail':
        this.error = MultifeedError.fromFailure(action)
        logChannel('%k failed: %s', this.#host.discoveryKey, this.error.message)
        this.emit('session-error', this.error)
        break
      case 'close':
        this.#channel?.close()
        this.#finish(null, action.by)
        break
    }
  }

  #send(message: Extract<SessionAction, { type: 'send' }>['message']): void {
    const channel = this.#channel
    if (channel === null || channel.closed) return
    if (message.type === 'handshake') {
      channel.open(encodeHandshake(message, this.#host.limits))
      return
    }
    channel.messages[messageTypeOf(message)]!.send(encodeMessage(message, this.#host.limits))
  }

  #setTimer(at: number | null): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (at === null) return
    this.#timer = setTimeout(
      () => {
        // Node's timers run on a monotonic clock and may fire a millisecond before `now` reaches
        // `at`; the session ignores an early tick and will not ask again, so wait out the rest.
        const now = this.#now()
        if (now < at) this.#setTimer(at)
        else this.#dispatch({ type: 'tick', now })
      },
      Math.max(0, at - this.#now()),
    )
    this.#timer.unref?.()
  }

  /** A bug or a throwing listener: report it and close only this channel. */
  #internalFailure(cause: unknown): void {
    if (this.closed) return
    const error = new MultifeedError(LocalErrorCode.ERR_INTERNAL, String(cause), { cause })
    this.error = error
    this.#queue.length = 0
    this.#channel?.close()
    this.emit('session-error', error)
    this.#finish()
  }

  #finish(error: MultifeedError | null = null, by: 'local' | 'remote' = 'local'): void {
    if (this.closed) return
    this.closed = true
    this.closedBy = by
    logChannel(
      '%k closed by %s (%s)',
      this.#host.discoveryKey,
      by,
      (error ?? this.error)?.code ?? 'ok',
    )
    if (error !== null && this.error === null) {
      this.error = error
      this.emit('session-error', error)
    }
    this.#setTimer(null)
    this.#channel?.close()
    this.mux.unpair(this.#protocolId())
    this.stream.removeListener('close', this.#onStreamClose)
    this.emit('close')
  }
}

function hostFailure(err: unknown): MultifeedError {
  return err instanceof MultifeedError
    ? err
    : new MultifeedError(LocalErrorCode.ERR_CLOSED, 'the multifeed failed to open', { cause: err })
}

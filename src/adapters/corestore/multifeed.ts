/**
 * Corestore adapter: a multifeed as a collection of Hypercores in its own Corestore namespace,
 * with a persisted feed list, served over any number of protomux channels (one per stream).
 */
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { Download, HypercoreOptions, KeyPair } from 'hypercore'
import crypto from 'hypercore-crypto'
import type Protomux from 'protomux'
import ReadyResource from 'ready-resource'
import { discoveryKey } from '../../codec/capability.js'
import { DEFAULT_CLIENT, type Limits, PROTOMUX_PROTOCOL } from '../../codec/constants.js'
import { resolveLimits } from '../../codec/limits.js'
import type { Key, ManifestEntry } from '../../codec/messages.js'
import { toHex } from '../../state/hex.js'
import type { LocalFeed, SessionOptions, SharePolicy, WantPolicy } from '../../state/types.js'
import { LocalErrorCode, MultifeedError } from '../errors.js'
import { logStore } from '../log.js'
import {
  type ChannelHost,
  type CollectionSnapshot,
  MultifeedChannel,
  type NoiseCarrier,
  type NoiseStream,
  noiseStreamOf,
} from '../protomux-channel.js'
import { FeedList } from './feed-list.js'
import { idOf, parseKey, requireKey } from './keys.js'
import {
  checkMultifeedOptions,
  checkReplicateArguments,
  refuseCallback,
  writerMisuse,
} from './options.js'
import { isReplicatingOn, type ReplicationStream } from './streams.js'

/** Prefix of writer core names in the namespace (keeps them apart from the feed list). */
const WRITER_NAME_PREFIX = 'writer/'

/** Options of a {@link Multifeed}. */
export interface MultifeedOptions {
  /**
   * The multifeed key (32 bytes, 64 hex characters or a z-base-32 id). Absent: a fresh random
   * key, exposed as `mf.key`.
   * The key is never written to disk: keep it and pass it again to reopen the multifeed.
   */
  key?: Uint8Array | string
  /** Hypercore valueEncoding of every feed. */
  valueEncoding?: unknown
  /**
   * Block encryption key (32 bytes) for all its feeds and its feed list. Never written to disk.
   * Not multifeed 6's `encryptionKey` (the shared secret): that is `key` now.
   */
  encryptionKey?: Uint8Array
  /** Overrides of the protocol limits (maxFeeds bounds the collection). */
  limits?: Partial<Limits>
  /** Which offered feeds to request (default: all). */
  want?: WantPolicy
  /** Which local feeds to offer (default: all). */
  share?: SharePolicy
  /** Client name; both peers must use the same (default 'multifeed'). */
  client?: string
  /** Handshake userData sent on every connection (override per stream in replicate/attach). */
  userData?: Uint8Array
  /**
   * false (default): remote feeds are downloaded in full and kept live. true: blocks are fetched
   * on demand (`core.get`), and `synced` means every accepted feed is known at the advertised
   * length rather than held.
   */
  sparse?: boolean
}

/** Per-connection options of replicate() and attach(). */
export interface ReplicateOptions {
  /** Handshake userData for this connection. */
  userData?: Uint8Array | null
}

/** Second argument of the 'feed' event. */
export interface FeedInfo {
  /** True for a local writer. */
  local: boolean
  /** The writer name of a local writer, null for a feed learned from a peer. */
  name: string | null
}

interface Feed {
  key: Uint8Array
  hex: string
  core: Hypercore
  name: string | null
  blocked: boolean
  download: Download | null
  /** Last held length offered to the channels (local-feed). */
  announcedLength: number
  /** Last length reported to the channels for synced (local-length). */
  reportedLength: number
}

/**
 * A multifeed on a Corestore.
 *
 * Events: see {@link MultifeedEvents} ('feed', 'channel', 'remote-feeds', 'synced',
 * 'session-error', 'warning', 'ready', 'close'). It never emits 'error'. Methods throw or reject
 * with MultifeedErrors (`err.code`). From ReadyResource it also has `opened`, `closed`, `opening`
 * and `closing`.
 *
 * Storage: the multifeed lives in the Corestore namespace derived from its discovery key (never
 * from its key), so several multifeeds share one store without mixing. Writers are named cores of
 * that namespace (same name, same key, across restarts). The feed list is a local-only core of the
 * namespace (see FeedList): it is never attached to a replication stream.
 *
 * Key on disk: the multifeed key is not persisted at all, neither in the clear nor encrypted
 * (storing it next to the store's primary key would add no protection). Keep `mf.key` and pass it
 * again to reopen: a multifeed opened without a key is a new one. The encryptionKey is not
 * persisted either.
 *
 * Block and remove: a blocked feed stays in feeds() with its data, but is never offered,
 * requested or accepted again, and stops downloading. A removed feed is also cleared and dropped.
 * Corestore still answers a peer that asks for a stored core by its own key (hypercore's rule:
 * whoever knows a core's key may read it); the multifeed protocol never offers it again.
 *
 * @example
 * ```ts
 * import { once } from 'node:events'
 * import { Multifeed } from 'multifeed-protocol'
 *
 * const a = new Multifeed('./a') // a fresh random key: keep a.key
 * const b = new Multifeed('./b', { key: a.key })
 * await (await a.writer()).append('hello')
 * const stream = a.replicate(true)
 * stream.pipe(b.replicate(false)).pipe(stream)
 * await once(stream, 'synced')
 * ```
 */
export class Multifeed extends ReadyResource implements ChannelHost {
  /** The multifeed key. Secret: it never goes on the wire or to disk. */
  readonly key: Uint8Array
  /** The discovery key: safe to publish (swarm topic, protomux channel id). */
  readonly discoveryKey: Uint8Array
  /**
   * The z-base-32 of the discovery key: a name to show and log. Unlike a Hypercore's `id` (its
   * public key), never the key: a multifeed's key is its secret.
   */
  readonly id: string
  /** This multifeed's namespace session of the Corestore. */
  readonly store: Corestore
  /** Client name sent in every handshake. */
  readonly client: string
  /** Default handshake userData. */
  readonly userData: Uint8Array | null
  /** Limit overrides given at construction. */
  readonly limits: Partial<Limits> | undefined
  /** Want and share policies given at construction. */
  readonly sessionOptions: SessionOptions

  readonly #root: Corestore
  readonly #ownsRoot: boolean
  readonly #coreOptions: HypercoreOptions
  readonly #sparse: boolean
  readonly #maxFeeds: number
  #list: FeedList | null = null
  readonly #feeds = new Map<string, Feed>()
  /** Feeds being opened (writers and remote feeds), so that concurrent adds share one open. */
  readonly #pending = new Map<string, Promise<Feed | null>>()
  readonly #pendingWriters = new Map<string, Promise<Hypercore>>()
  readonly #channels = new Set<MultifeedChannel>()
  readonly #channelByStream = new WeakMap<NoiseStream, MultifeedChannel>()
  readonly #ownedStreams = new Set<ReplicationStream>()
  /** Channels whose events are already forwarded to their replicate() stream. */
  readonly #forwarding = new WeakSet<MultifeedChannel>()
  readonly #grown = new Set<Feed>()
  #growthTimer: ReturnType<typeof setImmediate> | null = null

  /**
   * Opens a multifeed in its own namespace of `storeOrPath` (a Corestore, or a directory for a
   * Corestore it opens and closes itself), and starts loading its feed list.
   * @throws ERR_INVALID_KEY for a bad `key` or `encryptionKey`, ERR_INVALID_ARGUMENT for a bad
   * store or a multifeed 6 option (see docs/migration.md).
   * @example
   * ```ts
   * const store = new Corestore('./storage')
   * const mf = new Multifeed(store, { key, valueEncoding: 'json' })
   * ```
   */
  constructor(storeOrPath: Corestore | string, opts: MultifeedOptions = {}) {
    super()
    checkMultifeedOptions(opts)
    if (typeof storeOrPath === 'string') {
      this.#root = new Corestore(storeOrPath)
      this.#ownsRoot = true
    } else if (storeOrPath && typeof (storeOrPath as Corestore).namespace === 'function') {
      this.#root = storeOrPath
      this.#ownsRoot = false
    } else {
      throw new MultifeedError(
        LocalErrorCode.ERR_INVALID_ARGUMENT,
        'storeOrPath must be a Corestore or a directory path',
      )
    }
    this.key = opts.key === undefined ? crypto.randomBytes(32) : requireKey(opts.key, 'key')
    this.discoveryKey = discoveryKey(this.key)
    this.id = idOf(this.discoveryKey)
    this.store = this.#root.namespace(this.discoveryKey)
    this.client = opts.client ?? DEFAULT_CLIENT
    this.userData = opts.userData ?? null
    this.limits = opts.limits
    this.#maxFeeds = resolveLimits(opts.limits).maxFeeds
    this.sessionOptions = {
      ...(opts.want ? { want: opts.want } : {}),
      ...(opts.share ? { share: opts.share } : {}),
    }
    this.#sparse = opts.sparse === true
    const encryption =
      opts.encryptionKey === undefined
        ? null
        : { key: requireKey(opts.encryptionKey, 'encryptionKey') }
    this.#coreOptions = {
      ...(opts.valueEncoding === undefined ? {} : { valueEncoding: opts.valueEncoding }),
      ...(encryption ? { encryption } : {}),
    }
    this.ready().catch(noop) // start loading now; errors surface on the caller's ready()
  }

  /**
   * Every feed (local and remote, blocked included), in the order they joined; [] once closed.
   * The cores are the multifeed's own: do not close them (remove() does).
   * @example
   * ```ts
   * await mf.ready()
   * for (const core of mf.feeds()) console.log(core.id, core.length)
   * ```
   */
  feeds(): Hypercore[] {
    return [...this.#feeds.values()].map((feed) => feed.core)
  }

  /**
   * The feed with this key (32 bytes, hex, or a z-base-32 id such as `core.id`), or null.
   * @example
   * ```ts
   * const core = mf.feed(someCore.id) // or someCore.key, or its hex
   * if (core) console.log(await core.get(0))
   * ```
   */
  feed(key: Uint8Array | string): Hypercore | null {
    const parsed = parseKey(key)
    return parsed === null ? null : (this.#feeds.get(toHex(parsed))?.core ?? null)
  }

  /**
   * The local writer called `name`: created on first use, the same feed afterwards (also after a
   * restart). With `keyPair`, a new writer uses that key pair instead of one derived from the name.
   * Rejects with ERR_INVALID_ARGUMENT for multifeed 6's `keypair` spelling or a callback. The core
   * is the multifeed's own, shared with every caller: do not close it (close the multifeed).
   * @example
   * ```ts
   * const writer = await mf.writer('notes')
   * await writer.append(JSON.stringify({ text: 'hi' }))
   * ```
   */
  writer(name = 'default', opts: { keyPair?: KeyPair } = {}): Promise<Hypercore> {
    const misuse = writerMisuse(name, opts)
    if (misuse !== null) return Promise.reject(misuse)
    if (typeof name !== 'string' || name.length === 0) {
      return Promise.reject(
        new MultifeedError(LocalErrorCode.ERR_INVALID_ARGUMENT, 'writer name must be a string'),
      )
    }
    const pending = this.#pendingWriters.get(name)
    if (pending) return pending
    const created = this.#createWriter(name, opts.keyPair).finally(() =>
      this.#pendingWriters.delete(name),
    )
    this.#pendingWriters.set(name, created)
    return created
  }

  /**
   * Replicates this multifeed. `true`/`false`: creates a Corestore replication stream (initiator or
   * not) and returns it. A stream: uses it (running the store's replication on it if needed) and
   * returns it. The stream emits 'remote-feeds' (keys), 'synced' and 'multifeed-error' (err):
   * a session failure, or ERR_CHANNEL_REJECTED when the remote has no multifeed with this key on
   * the stream (multifeed 6's "Exchange key did not match remote"). The stream itself is left open.
   * Replication is always live; `{ live }` (multifeed 6) throws for false and warns for true.
   * @example
   * ```ts
   * const stream = a.replicate(true) // the other peer: b.replicate(false)
   * stream.pipe(b.replicate(false)).pipe(stream)
   * stream.on('multifeed-error', (err) => console.error(err.code))
   * await once(stream, 'synced')
   * ```
   */
  replicate(isInitiator: boolean | NoiseCarrier, opts: ReplicateOptions = {}): ReplicationStream {
    checkReplicateArguments(isInitiator, opts)
    this.#assertOpen()
    let stream: ReplicationStream
    if (typeof isInitiator === 'boolean') {
      stream = this.store.replicate(isInitiator) as unknown as ReplicationStream
      this.#ownedStreams.add(stream)
      stream.once('close', () => this.#ownedStreams.delete(stream))
    } else {
      stream = isInitiator as unknown as ReplicationStream
      if (!isReplicatingOn(this.#root, noiseStreamOf(stream))) this.store.replicate(stream as never)
    }
    const channel = this.attach(stream, opts)
    if (this.#forwarding.has(channel)) return stream // replicate() twice on one stream
    this.#forwarding.add(channel)
    channel.on('remote-feeds', (keys: Key[]) => stream.emit('remote-feeds', keys))
    channel.on('synced', () => stream.emit('synced'))
    channel.on('session-error', (err: MultifeedError) => stream.emit('multifeed-error', err))
    channel.once('close', () => {
      const rejected = !channel.remoteOpened && channel.closedBy === 'remote'
      if (!rejected || channel.error !== null || stream.destroyed || this.closing) return
      const reason = 'the remote has no multifeed with this discovery key on this stream'
      stream.emit(
        'multifeed-error',
        new MultifeedError(LocalErrorCode.ERR_CHANNEL_REJECTED, reason),
      )
    })
    return stream
  }

  /**
   * Opens this multifeed's channel on a Noise stream that already carries the store's replication
   * (the caller ran `store.replicate(stream)`). One channel per stream: attaching again returns it.
   * @example
   * ```ts
   * swarm.on('connection', (conn) => {
   *   store.replicate(conn) // once per connection, for every multifeed of the store
   *   mf.attach(conn).on('synced', () => console.log('synced with', conn.remotePublicKey))
   * })
   * ```
   */
  attach(stream: NoiseCarrier, opts: ReplicateOptions = {}): MultifeedChannel {
    this.#assertOpen()
    const noise = noiseStreamOf(stream)
    const existing = this.#channelByStream.get(noise)
    if (existing && !existing.closed) return existing
    const channel = new MultifeedChannel(noise, this, opts)
    this.#channelByStream.set(noise, channel)
    this.#channels.add(channel)
    channel.on('remote-feeds', (keys: Key[]) => this.emit('remote-feeds', keys, channel))
    channel.on('synced', () => this.emit('synced', channel))
    channel.on('session-error', (err: MultifeedError) => this.emit('session-error', err, channel))
    channel.once('close', () => {
      this.#channels.delete(channel)
      this.#awaitLateRemote(noise, channel, opts)
    })
    this.emit('channel', channel)
    return channel
  }

  /**
   * Blocks a feed: never offered, requested or accepted again; it stops replicating. Persisted.
   * The key may be bytes, hex or a z-base-32 id.
   * @example
   * ```ts
   * await mf.block(spammer.id)
   * ```
   */
  async block(key: Uint8Array | string): Promise<void> {
    const parsed = requireKey(key, 'key')
    await this.#readyForUse()
    const hex = toHex(parsed)
    await this.#list!.block(parsed)
    const feed = this.#feeds.get(hex)
    if (feed) this.#stopReplicating(feed)
    for (const channel of this.#channels) channel.block(parsed)
    logStore('%k blocked feed %k', this.discoveryKey, parsed)
  }

  /**
   * Removes a feed: blocked as by block(), its core closed, its blocks cleared and the feed
   * dropped from the collection. Nothing stored about other feeds changes. The key may be bytes,
   * hex or a z-base-32 id.
   * @example
   * ```ts
   * await mf.remove(core.key)
   * mf.feed(core.key) // null
   * ```
   */
  async remove(key: Uint8Array | string): Promise<void> {
    const parsed = requireKey(key, 'key')
    await this.#readyForUse()
    const hex = toHex(parsed)
    await this.#list!.remove(parsed)
    logStore('%k removed feed %k', this.discoveryKey, parsed)
    for (const channel of this.#channels) channel.block(parsed)
    const feed = this.#feeds.get(hex)
    if (!feed) return
    this.#feeds.delete(hex)
    this.#stopReplicating(feed)
    if (feed.core.length > 0) await feed.core.clear(0, feed.core.length)
    await feed.core.close()
  }

  // ChannelHost

  /** @internal */
  snapshot(): CollectionSnapshot {
    const feeds: LocalFeed[] = []
    for (const feed of this.#feeds.values()) {
      if (!feed.blocked) feeds.push({ key: feed.key, length: heldLength(feed.core), data: null })
    }
    return { feeds, blocked: this.#list?.blocked() ?? [] }
  }

  /** @internal */
  async addFeeds(entries: ManifestEntry[]): Promise<void> {
    const adding: Promise<Feed | null>[] = []
    for (const entry of entries) {
      const hex = toHex(entry.key)
      const pending = this.#pending.get(hex)
      if (pending) adding.push(pending)
      else if (this.#feeds.has(hex)) continue
      // Room is checked here, synchronously, so that concurrent channels cannot overfill it.
      else if (this.#feeds.size + this.#pending.size < this.#maxFeeds) {
        adding.push(this.#track(hex, this.#addRemote(entry.key)))
      }
    }
    await Promise.all(adding)
  }

  /** @internal */
  replicateOn(mux: Protomux, keys: Key[]): void {
    mux.cork()
    try {
      for (const key of keys) {
        const core = this.#feeds.get(toHex(key))?.core
        if (core && !core.closing && !core.replicator?.attached(mux)) core.replicate(mux)
      }
    } finally {
      mux.uncork()
    }
  }

  /** @internal */
  unreplicateOn(mux: Protomux, keys: Key[]): void {
    for (const key of keys) {
      const core = this.#feeds.get(toHex(key))?.core
      if (core) detach(core, mux)
    }
  }

  /**
   * Loads the persisted feed list (local writers and remote feeds learned before). Starts on
   * construction; methods that need the list wait for it, so calling this is optional. Rejects
   * if the store cannot be opened. Takes no callback (multifeed 6 did): passing one throws
   * ERR_INVALID_ARGUMENT.
   * @example
   * ```ts
   * const mf = new Multifeed('./storage', { key })
   * await mf.ready()
   * console.log(mf.feeds().length) // feeds of earlier runs are back
   * ```
   */
  override ready(callback?: never): Promise<void> {
    refuseCallback('ready', callback)
    return super.ready()
  }

  /**
   * Closes every channel and the streams replicate() created, stops downloads and closes every
   * feed; a Corestore given by path is closed too, one given by the caller is left open. Idempotent.
   * Takes no callback (multifeed 6 did): passing one throws ERR_INVALID_ARGUMENT.
   * @example
   * ```ts
   * await mf.close()
   * mf.closed // true
   * ```
   */
  override close(callback?: never): Promise<void> {
    refuseCallback('close', callback)
    return super.close()
  }

  // ReadyResource

  protected override async _open(): Promise<void> {
    await this.store.ready()
    this.#list = await FeedList.open(this.store, this.#coreOptions)
    const stored = this.#list.feeds()
    const opened = await Promise.all(
      // By key, writers too: a writer made with a custom key pair has no name-derived key, and
      // hypercore keeps every writer's key pair with the core.
      stored.map(async ({ key }) => {
        const core = this.store.get({ ...this.#coreOptions, key })
        await core.ready()
        return core
      }),
    )
    stored.forEach(({ key, name, blocked }, index) => {
      this.#join(key, opened[index]!, name, blocked)
    })
  }

  protected override async _close(): Promise<void> {
    for (const channel of this.#channels) channel.close()
    for (const stream of this.#ownedStreams) stream.destroy()
    if (this.#growthTimer !== null) clearImmediate(this.#growthTimer)
    await Promise.allSettled([...this.#pending.values(), ...this.#pendingWriters.values()])
    for (const feed of this.#feeds.values()) feed.download?.destroy()
    this.#feeds.clear()
    await this.store.close() // closes every core opened through the namespace, the list included
    if (this.#ownsRoot) await this.#root.close()
  }

  // Internals

  async #createWriter(name: string, keyPair: KeyPair | undefined): Promise<Hypercore> {
    await this.#readyForUse()
    const existing = [...this.#feeds.values()].find((feed) => feed.name === name)
    if (existing) return existing.core
    this.#assertRoom(1)
    const core = keyPair
      ? this.store.get({ ...this.#coreOptions, keyPair })
      : this.store.get({ ...this.#coreOptions, name: WRITER_NAME_PREFIX + name })
    await core.ready()
    const hex = toHex(core.key!)
    if (this.#list!.isBlocked(hex)) {
      await core.close()
      throw new MultifeedError(LocalErrorCode.ERR_BLOCKED, `writer ${name} was blocked or removed`)
    }
    const known = this.#feeds.get(hex)
    if (known) {
      // A key pair of a feed already learned from a peer: it becomes this named writer.
      await core.close()
      known.name = name
      await this.#list!.add(core.key!, name)
      return known.core
    }
    await this.#list!.add(core.key!, name)
    this.#assertOpen()
    this.#join(core.key!, core, name, false)
    return core
  }

  async #addRemote(key: Uint8Array): Promise<Feed | null> {
    const hex = toHex(key)
    if (this.closing || this.#list!.isBlocked(hex)) return null
    const core = this.store.get({ ...this.#coreOptions, key })
    await core.ready()
    if (this.closing) return null
    const feed = this.#join(key, core, null, false) // download starts before the list is written
    await this.#list!.add(key, null)
    return feed
  }

  #track(hex: string, adding: Promise<Feed | null>): Promise<Feed | null> {
    const settled = adding.catch((err) => {
      // Only a closing store makes opening a feed fail; the channel must not fail with it.
      if (!this.closing) this.emit('warning', err)
      return null
    })
    this.#pending.set(hex, settled)
    return settled.finally(() => this.#pending.delete(hex))
  }

  /** Puts an opened core into the collection: events, downloads, live announcement. */
  #join(key: Uint8Array, core: Hypercore, name: string | null, blocked: boolean): Feed {
    const feed: Feed = {
      key,
      hex: toHex(key),
      core,
      name,
      blocked,
      download: null,
      announcedLength: heldLength(core),
      reportedLength: 0,
    }
    this.#feeds.set(feed.hex, feed)
    feed.reportedLength = this.#syncedLength(feed)
    if (blocked) {
      core.setActive(false)
    } else if (name === null && !this.#sparse) {
      feed.download = core.download({ start: 0, end: -1 })
    }
    const grew = () => this.#onGrowth(feed)
    core.on('append', grew)
    core.on('download', grew)
    logStore('%k feed %k joined (%s)', this.discoveryKey, key, name ?? 'remote')
    this.emit('feed', core, { local: name !== null, name } satisfies FeedInfo)
    if (!blocked) {
      const offer = { key, length: feed.announcedLength, data: null }
      for (const channel of this.#channels) channel.localFeed(offer)
    }
    return feed
  }

  /** Lengths are reported once per turn of the event loop, whatever the number of blocks. */
  #onGrowth(feed: Feed): void {
    this.#grown.add(feed)
    if (this.#growthTimer === null) this.#growthTimer = setImmediate(() => this.#reportGrowth())
  }

  #reportGrowth(): void {
    this.#growthTimer = null
    for (const feed of this.#grown) {
      if (feed.blocked || !this.#feeds.has(feed.hex)) continue
      const synced = this.#syncedLength(feed)
      const held = heldLength(feed.core)
      // local-length drives synced; local-feed re-offers the longer feed to peers that lag.
      for (const channel of this.#channels) {
        if (synced > feed.reportedLength) channel.localLength(feed.key, synced)
        if (held > feed.announcedLength)
          channel.localFeed({ key: feed.key, length: held, data: null })
      }
      feed.reportedLength = Math.max(feed.reportedLength, synced)
      feed.announcedLength = Math.max(feed.announcedLength, held)
    }
    this.#grown.clear()
  }

  /**
   * The length that counts for `synced`: the blocks held, or for a sparse multifeed's remote
   * feed, the length known (its blocks are fetched on demand).
   */
  #syncedLength(feed: Feed): number {
    return this.#sparse && feed.name === null ? feed.core.length : heldLength(feed.core)
  }

  /**
   * The remote refused our channel (it lacks this multifeed) or closed it normally (it left). If
   * it opens the multifeed again on the same stream, that open reaches this pairing and gets a
   * fresh channel instead of a protomux rejection. A failed channel waits for a new connection.
   */
  #awaitLateRemote(noise: NoiseStream, closed: MultifeedChannel, opts: ReplicateOptions): void {
    if (closed.closedBy !== 'remote' || closed.error !== null) return
    if (this.closing || noise.destroyed) return
    closed.mux.pair({ protocol: PROTOMUX_PROTOCOL, id: this.discoveryKey }, () =>
      this.closing ? undefined : this.attach(noise, opts).ready,
    )
  }

  #stopReplicating(feed: Feed): void {
    feed.blocked = true
    feed.download?.destroy()
    feed.download = null
    feed.core.setActive(false)
    for (const channel of this.#channels) detach(feed.core, channel.mux)
  }

  #assertRoom(count: number): void {
    if (this.#feeds.size + count > this.#maxFeeds) {
      throw new MultifeedError(
        LocalErrorCode.ERR_LIMIT_EXCEEDED,
        `the collection holds maxFeeds (${this.#maxFeeds}) feeds`,
      )
    }
  }

  #assertOpen(): void {
    if (this.closing) throw new MultifeedError(LocalErrorCode.ERR_CLOSED, 'multifeed is closed')
  }

  async #readyForUse(): Promise<void> {
    this.#assertOpen()
    await this.ready()
    this.#assertOpen()
  }
}

/** Blocks the local copy holds from the start without a gap (what a peer can fetch from us). */
function heldLength(core: Hypercore): number {
  return core.contiguousLength
}

/** Stops replicating `core` on `mux` (closes its hypercore channel there). */
function detach(core: Hypercore, mux: Protomux): void {
  core.replicator?.detachFrom(mux)
  for (const peer of core.peers) if (peer.protomux === mux) peer.channel.close()
}

function noop() {}

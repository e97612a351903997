/**
 * Corestore adapter: a multifeed as a collection of Hypercores in its own Corestore namespace,
 * served over any number of connections.
 *
 * How it works (DEV DOCS). Every decision is the Collection's (src/state/collection.ts,
 * spec/collection.md): which feeds are members, which connection carries which feed, which
 * feeds must be open, when growth is re-offered, what a refused or ended session means. This
 * class owns one Collection and does three things:
 * 1. turns what happens into collection events, one at a time (`#input`): channel opens and
 *    bytes from MultifeedChannels, feeds that finished opening and feeds that grew (FeedCores),
 *    the user's calls (writer, block, unblock, remove, close) and its one timer;
 * 2. carries out the collection's actions in order: bytes to a channel, cores opened or closed
 *    (FeedCores), cores attached to or detached from a connection (through the store's gate,
 *    StoreGate, which also refuses every attach Corestore would make on its own), members
 *    persisted (FeedList), and events for the user;
 * 3. keeps what is not the protocol's: the Corestore namespace, writer names, the sessions it
 *   hands out, and the streams replicate() created.
 * What it still decides itself, and why that is not the protocol's: how a core is opened and
 * stored (Corestore), and when to reopen a channel on a stream whose remote left (protomux
 * pairing, asked for by the collection's `reopen`).
 */
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { HypercoreOptions, KeyPair } from 'hypercore'
import crypto from 'hypercore-crypto'
import ReadyResource from 'ready-resource'
import { discoveryKey } from '../../codec/capability.js'
import { DEFAULT_CLIENT, type Limits, PROTOMUX_PROTOCOL } from '../../codec/constants.js'
import type { Key } from '../../codec/messages.js'
import { MultifeedError } from '../../errors.js'
import { Collection } from '../../state/collection.js'
import type {
  AuthorizationAction,
  CollectionAction,
  CollectionEvent,
  ConnectionId,
  JoinRequestAction,
  StoredFeed,
} from '../../state/collection-types.js'
import { toHex } from '../../state/hex.js'
import { DEFAULT_MEMBERSHIP_LIMITS } from '../../state/membership/constants.js'
import { closedMultifeedKey, genesisId, type Invitation } from '../../state/membership/crypto.js'
import { signJoinProof } from '../../state/membership/join.js'
import type { OperationBody } from '../../state/membership/operation.js'
import type { MembershipState } from '../../state/membership/state.js'
import type { SessionOptions, SharePolicy, SyncProgress, WantPolicy } from '../../state/types.js'
import { carriesNothing } from '../drain.js'
import { logChannel, logStore } from '../log.js'
import {
  MultifeedChannel,
  type NoiseCarrier,
  type NoiseStream,
  noiseStreamOf,
} from '../protomux-channel.js'
import { FeedCores, type FeedLengths } from './feed-cores.js'
import { FeedList } from './feed-list.js'
import { encodeInvitation, parseInvitation } from './invitation.js'
import { coreDiscoveryKeys, idOf, parseKey, requireKey } from './keys.js'
import {
  checkMultifeedOptions,
  checkReplicateArguments,
  refuseCallback,
  writerMisuse,
} from './options.js'
import { StoreGate } from './store-gate.js'
import type { ReplicationStream } from './streams.js'

/** Prefix of writer core names in the namespace (keeps them apart from the feed list). */
const WRITER_NAME_PREFIX = 'writer/'
/** Name of this peer's membership key pair (derived by the Corestore, never stored). */
const MEMBERSHIP_KEY_NAME = 'multifeed/membership'
/** Default time a join request waits for an answer (co-hyperdrive's authTimeout). */
const DEFAULT_AUTH_TIMEOUT = 60_000

/** A peer's request to add its feed, as `onAuth` sees it. */
export interface AuthRequest {
  /** The feed to add. */
  feed: Uint8Array
  /**
   * The Ed25519 key that signs `feed`: the request's proof shows the requester holds it. For a
   * Hypercore with the default manifest, `feed` equals `Hypercore.key(signer)`.
   */
  signer: Uint8Array
  /** The requester's data (at most maxEntryDataBytes), or null. */
  data: Uint8Array | null
}

/**
 * Decides a join request on an admin: true adds the feed (this peer signs the add-writer),
 * false denies it, anything else (or a rejection) answers "cannot decide".
 */
export type AuthHandler = (
  request: AuthRequest,
  peer: MultifeedChannel,
) => boolean | undefined | null | Promise<boolean | undefined | null>

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
   * Block encryption key (32 bytes) for all its feeds. Never written to disk.
   * Not multifeed 6's `encryptionKey` (the shared secret): that is `key` now.
   */
  encryptionKey?: Uint8Array
  /** Overrides of the protocol limits (maxFeeds bounds the collection). */
  limits?: Partial<Limits>
  /** Local writers that remote feeds can never crowd out of maxFeeds (default 16). */
  reservedLocalFeeds?: number
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
  /**
   * true: create a new **closed** multifeed, with this peer as its founder (spec/membership.md):
   * only writers its admins authorize are part of it. Share `mf.invitation` (known once
   * `ready()` resolved) to invite others. Default false: an open multifeed (1.0). The founder's
   * key is derived from this Corestore's primary key: reopen the multifeed on the same store
   * (with its invitation) to act as its founder again.
   */
  closed?: boolean
  /**
   * Open the closed multifeed of this invitation (`mf.invitation` of a member: a string, or
   * `{ multifeedKey, founder }`). It names the multifeed key and the founder; a closed multifeed
   * cannot be opened from its key alone.
   */
  invitation?: string | Invitation
  /** Closed multifeeds, on an admin: decides the join requests of peers (see AuthHandler). */
  onAuth?: AuthHandler
  /**
   * The highest protocol minor version to speak (default 1, protocol 1.1). 0 makes every
   * channel a 1.0 peer, byte for byte (it cannot open a closed multifeed).
   */
  protocolMinor?: number
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

/** Milliseconds of the clock the collection runs on (monotonic where available). */
function now(): number {
  return performance.now()
}

/**
 * A multifeed on a Corestore.
 *
 * Events: see {@link MultifeedEvents} ('feed', 'channel', 'remote-feeds', 'synced', 'progress',
 * 'session-error', 'error', 'warning', 'ready', 'close'). A channel's failure is 'session-error'
 * and closes only that channel, whatever the remote does. 'error' is only the storage failing
 * with no caller to reject (ERR_STORAGE): like any Node 'error', unhandled it ends the process.
 * Methods throw or reject with MultifeedErrors (`err.code`, `err.fault`). From ReadyResource it
 * also has `opened`, `closed`, `opening` and `closing`.
 *
 * Storage: the multifeed lives in the Corestore namespace derived from its discovery key (never
 * from its key), so several multifeeds share one store without mixing. Writers are named cores of
 * that namespace (same name, same key, across restarts). The feed list is local-only (FeedList).
 *
 * Key on disk: the multifeed key is not persisted at all, neither in the clear nor encrypted.
 * Keep `mf.key` and pass it again to reopen: a multifeed opened without a key is a new one.
 *
 * What travels: while the multifeed is open, a feed of it is replicated on a connection only
 * where its collection agreed to (spec/collection.md); Corestore's own attaching is refused by
 * the store's gate. A blocked feed is served to no one.
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
export class Multifeed extends ReadyResource {
  /** The multifeed key (a closed multifeed's: its invitation's). Secret: never on the wire or disk. */
  readonly key: Uint8Array
  /**
   * The discovery key: safe to publish (swarm topic, protomux channel id). A closed multifeed's
   * is the closed key's (spec/membership.md 3.3); a new closed multifeed knows it once `ready()`
   * resolved.
   */
  discoveryKey!: Uint8Array
  /**
   * The z-base-32 of the discovery key: a name to show and log. Unlike a Hypercore's `id` (its
   * public key), never the key: a multifeed's key is its secret.
   */
  id!: string
  /** This multifeed's namespace session of the Corestore (a new closed one's: once ready). */
  store!: Corestore
  /** 'closed' for a closed multifeed (spec/membership.md), 'open' otherwise (1.0). */
  readonly mode: 'open' | 'closed'
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
  readonly #reservedLocalFeeds: number | undefined
  readonly #gate: StoreGate
  /**
   * Discovery keys of the feeds this multifeed keeps governed while open (every member and
   * blocked key, each once), released at close.
   */
  readonly #governed: Uint8Array[] = []
  readonly #collection: Collection
  #cores!: FeedCores
  #list: FeedList | null = null
  /** A closed multifeed's founder, once known. */
  #founder: Uint8Array | null = null
  /** This peer's membership key pair (closed multifeeds), once ready. */
  #signer: KeyPair | null = null
  readonly #onAuth: AuthHandler | null
  readonly #protocolMinor: number | undefined
  /** The running requestAuthorization(), settled by the collection's `authorization`. */
  #authorizing: {
    promise: Promise<void>
    resolve: () => void
    reject: (err: MultifeedError) => void
  } | null = null
  /** Writer names by hex key (local writers only). */
  readonly #names = new Map<string, string>()
  /** Sessions handed to the user (feed(), feeds(), writer(), 'feed'), closed with the multifeed. */
  readonly #handedOut = new Map<string, Hypercore>()
  readonly #pendingWriters = new Map<string, Promise<Hypercore>>()
  readonly #channels = new Map<ConnectionId, MultifeedChannel>()
  readonly #channelByStream = new WeakMap<NoiseStream, MultifeedChannel>()
  /** The streams replicate(true/false) made, by their Noise stream. */
  readonly #ownedStreams = new Map<NoiseStream, ReplicationStream>()
  #nextConn = 1
  readonly #queue: CollectionEvent[] = []
  #draining = false
  #timer: ReturnType<typeof setTimeout> | null = null
  #progressTimer: ReturnType<typeof setImmediate> | null = null
  /** User-facing events wait here for the sessions they hand out to be ready, in order. */
  #events: Promise<void> = Promise.resolve()

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
      throw MultifeedError.INVALID_ARGUMENT('storeOrPath must be a Corestore or a directory path')
    }
    const invitation = opts.invitation === undefined ? null : parseInvitation(opts.invitation)
    if (opts.closed !== undefined && typeof opts.closed !== 'boolean') {
      throw MultifeedError.INVALID_ARGUMENT('closed must be a boolean')
    }
    if (invitation !== null && (opts.key !== undefined || opts.closed === false)) {
      throw MultifeedError.INVALID_ARGUMENT(
        'an invitation names a closed multifeed and its key: pass it without key or closed: false',
      )
    }
    if (opts.onAuth !== undefined && typeof opts.onAuth !== 'function') {
      throw MultifeedError.INVALID_ARGUMENT('onAuth must be a function')
    }
    const minor = opts.protocolMinor
    if (minor !== undefined && minor !== 0 && minor !== 1) {
      throw MultifeedError.INVALID_ARGUMENT('protocolMinor must be 0 (1.0) or 1 (1.1)')
    }
    if (minor === 0 && (invitation !== null || opts.closed === true)) {
      throw MultifeedError.INVALID_ARGUMENT('a closed multifeed needs protocol 1.1')
    }
    this.mode = invitation !== null || opts.closed === true ? 'closed' : 'open'
    this.#onAuth = opts.onAuth ?? null
    this.#protocolMinor = opts.protocolMinor
    if (invitation !== null) this.key = invitation.multifeedKey
    else this.key = opts.key === undefined ? crypto.randomBytes(32) : requireKey(opts.key, 'key')
    if (invitation !== null) this.#founder = invitation.founder
    // A new closed multifeed's founder key comes from the Corestore (async): its discovery key,
    // namespace and feed cores wait for _open.
    if (this.mode === 'open' || this.#founder !== null) this.#placeIn(this.#identityKey())
    this.client = opts.client ?? DEFAULT_CLIENT
    this.userData = opts.userData ?? null
    this.limits = opts.limits
    this.sessionOptions = {
      ...(opts.want ? { want: opts.want } : {}),
      ...(opts.share ? { share: opts.share } : {}),
    }
    this.#sparse = opts.sparse === true
    this.#reservedLocalFeeds = opts.reservedLocalFeeds
    const encryption =
      opts.encryptionKey === undefined
        ? null
        : { key: requireKey(opts.encryptionKey, 'encryptionKey') }
    this.#coreOptions = {
      ...(opts.valueEncoding === undefined ? {} : { valueEncoding: opts.valueEncoding }),
      ...(encryption ? { encryption } : {}),
    }
    this.#collection = new Collection(this.sessionOptions)
    this.#gate = StoreGate.of(rootOf(this.#root))
    if (this.store !== undefined) this.#makeCores()
    this.ready().catch(noop) // start loading now; errors surface on the caller's ready()
  }

  /** The key whose discovery key names this multifeed: the multifeed key, or the closed key. */
  #identityKey(): Uint8Array {
    if (this.#founder === null) return this.key
    const invitation = { multifeedKey: this.key, founder: this.#founder }
    return closedMultifeedKey(this.key, genesisId(invitation, DEFAULT_MEMBERSHIP_LIMITS))
  }

  /** Names the multifeed and opens its namespace of the store. */
  #placeIn(identityKey: Uint8Array): void {
    this.discoveryKey = discoveryKey(identityKey)
    this.id = idOf(this.discoveryKey)
    this.store = this.#root.namespace(this.discoveryKey)
  }

  #makeCores(): void {
    this.#cores = new FeedCores(this.store, this.#coreOptions, this.#gate, {
      opened: (feeds) => this.#input({ type: 'feeds-opened', now: now(), feeds }),
      grew: (feeds) => this.#grew(feeds),
      truncated: (key, length) => this.#input({ type: 'feed-truncate', key, length }),
      failed: (key, err) => this.#storageFailed(`feed ${idOf(key)} could not be opened`, err),
    })
  }

  /**
   * Every feed (local and remote, blocked included), in the order they joined; [] once closed.
   * Each is a session the multifeed opened for you on first use and closes with it; a feed no
   * connection replicates stays closed inside the multifeed until you ask for it.
   * @example
   * ```ts
   * await mf.ready()
   * for (const core of mf.feeds()) console.log(core.id, core.length)
   * ```
   */
  feeds(): Hypercore[] {
    if (this.closing || !this.opened) return []
    return this.#collection.members().map(({ key }) => this.#userSession(key))
  }

  /** Every feed's key (local and remote, blocked included), in joining order: opens nothing. */
  keys(): Uint8Array[] {
    if (this.closing || !this.opened) return []
    return this.#collection.members().map(({ key }) => key)
  }

  /**
   * Every blocked or removed key, in no particular order: blocked members (which `keys()` also
   * lists) and keys that never joined alike. Persisted; opens nothing; [] once closed.
   * @example
   * ```ts
   * for (const key of mf.blocked()) await mf.unblock(key)
   * ```
   */
  blocked(): Uint8Array[] {
    if (this.closing || !this.opened) return []
    return this.#list!.blocked()
  }

  /**
   * The local writers, by name, in joining order: opens nothing (writer(name) opens one).
   * @example
   * ```ts
   * for (const { name, key } of mf.writers()) console.log(name, b4a.toString(key, 'hex'))
   * ```
   */
  writers(): { name: string; key: Uint8Array }[] {
    if (this.closing || !this.opened) return []
    const writers: { name: string; key: Uint8Array }[] = []
    for (const { key } of this.#collection.members()) {
      const name = this.#names.get(toHex(key))
      if (name !== undefined) writers.push({ name, key })
    }
    return writers
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
    if (parsed === null || this.closing || !this.opened) return null
    return this.#collection.isMember(parsed) ? this.#userSession(parsed) : null
  }

  /** The connections this multifeed has a channel on, whose remote proved the key (its peers). */
  get channels(): MultifeedChannel[] {
    return [...this.#channels.values()].filter((channel) => channel.remoteClient !== null)
  }

  /**
   * True when there is a peer and every peer's session is synced: each holds every feed it
   * accepted at the length the remote advertised (spec 9.2). A late listener asks this instead
   * of waiting for a 'synced' that already fired.
   */
  get synced(): boolean {
    const peers = this.channels
    return peers.length > 0 && peers.every((channel) => channel.synced)
  }

  /**
   * Progress over every peer, for a progress bar: the counts of each peer's session summed (a feed
   * two peers offered counts twice), `synced` as {@link Multifeed.synced}, and the peer count.
   * Computed on each call, linear in the feeds.
   * @example
   * ```ts
   * mf.on('progress', (p) => console.log(`${p.blocksHeld}/${p.blocksAdvertised} blocks from ${p.peers} peers`))
   * ```
   */
  progress(): SyncProgress & { peers: number } {
    const total = {
      feedsAccepted: 0,
      feedsHeld: 0,
      blocksAdvertised: 0,
      blocksHeld: 0,
      synced: false,
      peers: 0,
    }
    for (const channel of this.channels) {
      const progress = channel.progress
      if (progress === null) continue
      total.peers++
      total.feedsAccepted += progress.feedsAccepted
      total.feedsHeld += progress.feedsHeld
      total.blocksAdvertised += progress.blocksAdvertised
      total.blocksHeld += progress.blocksHeld
    }
    total.synced = this.synced
    return total
  }

  /**
   * The local writer called `name`: created on first use, the same feed afterwards (also after a
   * restart). With `keyPair`, a new writer uses that key pair instead of one derived from the name.
   * Rejects with ERR_INVALID_ARGUMENT for multifeed 6's `keypair` spelling or a callback, with
   * ERR_BLOCKED for a removed or blocked writer, and with ERR_COLLECTION_FULL when there is no room.
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
      return Promise.reject(MultifeedError.INVALID_ARGUMENT('writer name must be a string'))
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
   * returns it. The stream emits 'remote-feeds' (keys), 'synced' and 'session-error' (err): a
   * session failure, or ERR_CHANNEL_REJECTED when the remote has no multifeed with this key on
   * the stream; never 'error' for a failure of the channel.
   * When the channel of a stream made here (`true`/`false`) fails, the multifeed destroys the
   * stream, unless it still carries something else (another multifeed's channel, a Hypercore
   * replicated for another purpose): then it stays open. A stream you pass in is never destroyed.
   * Replication is always live; `{ live }` (multifeed 6) throws for false and warns for true.
   * @example
   * ```ts
   * const stream = a.replicate(true) // the other peer: b.replicate(false)
   * stream.pipe(b.replicate(false)).pipe(stream)
   * stream.on('session-error', (err) => console.error(err.code, err.fault))
   * await once(stream, 'synced')
   * ```
   */
  replicate(isInitiator: boolean | NoiseCarrier, opts: ReplicateOptions = {}): ReplicationStream {
    checkReplicateArguments(isInitiator, opts)
    this.#assertOpen()
    let stream: ReplicationStream
    if (typeof isInitiator === 'boolean') {
      stream = this.#root.replicate(isInitiator) as unknown as ReplicationStream
      const noise = noiseStreamOf(stream)
      this.#ownedStreams.set(noise, stream)
      stream.once('close', () => this.#ownedStreams.delete(noise))
    } else {
      stream = isInitiator as unknown as ReplicationStream
      const noise = noiseStreamOf(stream)
      if (!this.#channelByStream.has(noise)) this.#root.replicate(stream as never)
    }
    const channel = this.attach(stream, opts)
    forwardToStream(channel, stream)
    return stream
  }

  /**
   * Opens this multifeed's channel on a Noise stream that already carries the store's replication
   * (the caller ran `store.replicate(stream)`). One channel per stream: attaching again returns it.
   * A remote without this multifeed refuses the channel: 'session-error' ERR_CHANNEL_REJECTED.
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
    if (this.discoveryKey === undefined) {
      throw MultifeedError.NOT_READY(
        'a new closed multifeed knows its discovery key once ready(): await mf.ready() first',
      )
    }
    const noise = noiseStreamOf(stream)
    const existing = this.#channelByStream.get(noise)
    if (existing && !existing.closed) return existing
    const channel = new MultifeedChannel(noise, this, this.#nextConn++, opts.userData)
    this.#channelByStream.set(noise, channel)
    this.#channels.set(channel.conn, channel)
    this.emit('channel', channel)
    return channel
  }

  /**
   * Blocks a feed: never offered, requested, accepted or served again. Persisted. The key may be
   * bytes, hex or a z-base-32 id.
   * @example
   * ```ts
   * await mf.block(spammer.id)
   * ```
   */
  async block(key: Uint8Array | string): Promise<void> {
    const parsed = requireKey(key, 'key')
    await this.#readyForUse()
    this.#govern(parsed)
    await this.#storage(() => this.#list!.block(parsed), 'the block could not be stored')
    this.#input({ type: 'block', key: parsed })
    logStore('%k blocked feed %k', this.discoveryKey, parsed)
  }

  /** Lifts a block (persisted); connections made from now on carry the feed again. */
  async unblock(key: Uint8Array | string): Promise<void> {
    const parsed = requireKey(key, 'key')
    await this.#readyForUse()
    await this.#storage(() => this.#list!.unblock(parsed), 'the unblock could not be stored')
    this.#input({ type: 'unblock', key: parsed })
    logStore('%k unblocked feed %k', this.discoveryKey, parsed)
  }

  /**
   * Removes a feed: blocked as by block(), dropped from the collection, and its blocks cleared
   * unless another multifeed of this Corestore holds it. Nothing stored about other feeds changes.
   * The key may be bytes, hex or a z-base-32 id.
   * @example
   * ```ts
   * await mf.remove(core.key)
   * mf.feed(core.key) // null
   * ```
   */
  async remove(key: Uint8Array | string): Promise<void> {
    const parsed = requireKey(key, 'key')
    await this.#readyForUse()
    this.#govern(parsed)
    const wasMember = this.#collection.isMember(parsed)
    await this.#storage(() => this.#list!.remove(parsed), 'the removal could not be stored')
    logStore('%k removed feed %k', this.discoveryKey, parsed)
    this.#input({ type: 'remove', key: parsed })
    const hex = toHex(parsed)
    this.#names.delete(hex)
    const session = this.#handedOut.get(hex)
    this.#handedOut.delete(hex)
    if (!wasMember) {
      await session?.close()
      return
    }
    await this.#storage(() => this.#clear(parsed, session), 'the removed feed could not be cleared')
  }

  /** Clears a removed feed's blocks, unless another multifeed of the store holds it. */
  async #clear(key: Key, session: Hypercore | undefined): Promise<void> {
    if (await FeedList.heldElsewhere(rootOf(this.#root), this.discoveryKey, key, this.#gate)) {
      await session?.close()
      return
    }
    const core = session ?? this.store.get({ ...this.#coreOptions, key })
    await core.ready()
    if (core.length > 0) await core.clear(0, core.length)
    await core.close()
  }

  // Closed multifeeds (spec/membership.md)

  /**
   * The invitation of a closed multifeed, as a string to share with the peers you invite (it
   * contains the multifeed key: share it as you would share a key); null for an open multifeed,
   * and for a new closed one until `ready()` resolved.
   * @example
   * ```ts
   * const founder = new Multifeed(store, { closed: true })
   * await founder.ready()
   * const member = new Multifeed(otherStore, { invitation: founder.invitation! })
   * ```
   */
  get invitation(): string | null {
    if (this.#founder === null) return null
    return encodeInvitation({ multifeedKey: this.key, founder: this.#founder })
  }

  /**
   * This peer's membership key (closed multifeeds): the Ed25519 public key it signs membership
   * operations with, derived from the Corestore's primary key (nothing new to store). Give it to
   * an admin to be made one: `admin.authorize(key, { admin: true })`. Null until ready, and for
   * an open multifeed.
   */
  get membershipKey(): Uint8Array | null {
    return this.#signer?.publicKey ?? null
  }

  /**
   * The member feeds of a closed multifeed (spec/membership.md 8.4), ascending; [] for an open
   * one (every feed belongs to it: see keys()).
   * @example
   * ```ts
   * for (const key of mf.members()) console.log(idOf(key), mf.feed(key)?.length)
   * ```
   */
  members(): Uint8Array[] {
    return this.#collection.membership?.members() ?? []
  }

  /** The admin keys of a closed multifeed (the founder included), ascending; [] if open. */
  admins(): Uint8Array[] {
    return this.#collection.membership?.adminKeys() ?? []
  }

  /** Whether `key` (default: this peer's membership key) is an admin of this closed multifeed. */
  isAdmin(key?: Uint8Array | string): boolean {
    const membership = this.#collection.membership
    const parsed = key === undefined ? this.membershipKey : parseKey(key)
    return membership !== null && parsed !== null && membership.isAdmin(parsed)
  }

  /**
   * The cut of a feed of a closed multifeed (spec/membership.md 10): null while it is a member
   * (all its blocks belong to the multifeed; also every feed of an open multifeed); for a
   * removed writer, the number of its blocks that belong to the multifeed (none from there on
   * is downloaded, offered or counted); 0 for a feed that was never added.
   */
  cut(key: Uint8Array | string): number | null {
    return this.#collection.cutOf(requireKey(key, 'key'))
  }

  /**
   * Closed multifeeds, on an admin: adds the feed `key` as a writer, or with `{ admin: true }`
   * makes the membership key `key` an admin. The operation is signed with this peer's
   * membership key, stored, and sent to every peer (it reaches those not connected through any
   * relay). Rejects with ERR_NOT_CLOSED, ERR_NOT_ADMIN, or the membership code that refused it
   * (ERR_MEMBERSHIP_NOT_SENIOR to grant a key senior to this one, ERR_MEMBERSHIP_FOUNDER).
   * @example
   * ```ts
   * await admin.authorize(otherWriter.key)            // a writer
   * await admin.authorize(peer.membershipKey!, { admin: true })
   * ```
   */
  async authorize(key: Uint8Array | string, opts: { admin?: boolean } = {}): Promise<void> {
    const parsed = requireKey(key, 'key')
    const membership = await this.#membershipForChange()
    if (opts.admin === true) {
      if (membership.isAdmin(parsed)) return
      this.#sign({ type: 'grant-admin', admin: parsed })
    } else {
      if (this.#collection.cutOf(parsed) === null) return
      this.#sign({ type: 'add-writer', feed: parsed })
    }
  }

  /**
   * Closed multifeeds, on an admin: removes the writer `key`, or with `{ admin: true }` revokes
   * the admin `key`. A removed writer's **cut** is the length of its feed this peer holds now:
   * the blocks below it stay part of the multifeed, every peer stops at it. Resolves with the
   * cut (null for an admin, or a feed that was not a member).
   * @example
   * ```ts
   * const cut = await admin.deauthorize(spammer.key)
   * admin.cut(spammer.key) // the same number, on every peer once the removal reached it
   * ```
   */
  async deauthorize(
    key: Uint8Array | string,
    opts: { admin?: boolean } = {},
  ): Promise<number | null> {
    const parsed = requireKey(key, 'key')
    const membership = await this.#membershipForChange()
    if (opts.admin === true) {
      if (membership.isAdmin(parsed)) this.#sign({ type: 'revoke-admin', admin: parsed })
      return null
    }
    if (this.#collection.cutOf(parsed) !== null) return null
    const session = this.#userSession(parsed)
    await session.ready()
    this.#assertOpen()
    const cut = session.contiguousLength
    this.#sign({ type: 'remove-writer', feed: parsed, cut })
    return cut
  }

  /**
   * Closed multifeeds, on a peer whose writer is not a member: asks the connected peers to add
   * it (spec/membership.md 14.4). An admin whose `onAuth` says yes adds it; the add reaches
   * this peer through any peer. Resolves once the writer is a member; rejects with
   * ERR_AUTH_DENIED when a peer said no and none is left to answer, with ERR_AUTH_TIMEOUT when
   * no one added it within `timeout` ms (default 60000), and never waits longer. Peers
   * connected while the request runs are asked too. One request at a time: a second call
   * while one runs gets the same promise.
   * @example
   * ```ts
   * const mf = new Multifeed(store, { invitation })
   * mf.attach(conn)
   * await mf.requestAuthorization({ timeout: 30_000, data: b4a.from('alice') })
   * await (await mf.writer()).append('hello')
   * ```
   */
  requestAuthorization(
    opts: { timeout?: number; data?: Uint8Array; writer?: string } = {},
  ): Promise<void> {
    if (this.#authorizing !== null) return this.#authorizing.promise
    const timeout = opts.timeout ?? DEFAULT_AUTH_TIMEOUT
    if (!Number.isSafeInteger(timeout) || timeout < 0) {
      return Promise.reject(MultifeedError.INVALID_ARGUMENT('timeout must be a whole number of ms'))
    }
    let resolve!: () => void
    let reject!: (err: MultifeedError) => void
    const promise = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    const running = { promise, resolve, reject }
    this.#authorizing = running
    const settle = () => {
      if (this.#authorizing === running) this.#authorizing = null
    }
    promise.then(settle, settle)
    this.#startAuthorization(opts, timeout).catch((err) => {
      running.reject(err)
    })
    return promise
  }

  async #startAuthorization(
    opts: { data?: Uint8Array; writer?: string },
    timeout: number,
  ): Promise<void> {
    await this.#readyForUse()
    this.#requireClosed()
    const core = await this.writer(opts.writer ?? 'default')
    if (this.#collection.cutOf(core.key) === null) {
      this.#authorizing?.resolve()
      return
    }
    const keyPair = core.keyPair
    if (!keyPair?.secretKey) {
      throw MultifeedError.INVALID_ARGUMENT('the writer has no secret key')
    }
    const proof = signJoinProof(discoveryKey(this.#identityKey()), core.key, keyPair)
    this.#input({
      type: 'request-authorization',
      now: now(),
      feed: core.key,
      signer: keyPair.publicKey,
      proof,
      data: opts.data ?? null,
      timeout,
    })
  }

  /** The collection's `authorization`: settles requestAuthorization(). */
  #authorized(action: AuthorizationAction): void {
    const running = this.#authorizing
    if (running === null) return
    if (action.result === 'granted') running.resolve()
    else if (action.result === 'denied') {
      running.reject(MultifeedError.AUTH_DENIED())
    } else {
      running.reject(MultifeedError.AUTH_TIMEOUT())
    }
  }

  /** A remote asks to join and this peer is an admin: `onAuth` decides (14.4). */
  #askAuth(action: JoinRequestAction): void {
    const { conn, request, feed, signer, data } = action
    const answer = (result: 'granted' | 'denied' | 'undecided', operation?: Uint8Array) => {
      if (this.closing) return
      try {
        this.#input({
          type: 'join-answer',
          conn,
          request,
          answer: result,
          ...(operation ? { operation } : {}),
        })
      } catch (err) {
        this.emit('warning', err)
      }
    }
    const channel = this.#channels.get(conn)
    const onAuth = this.#onAuth
    if (onAuth === null || channel === undefined) {
      answer('undecided')
      return
    }
    Promise.resolve()
      .then(() => onAuth({ feed, signer, data }, channel))
      .then(
        (decision) => {
          if (decision === false) return answer('denied')
          if (decision !== true) return answer('undecided')
          const membership = this.#collection.membership
          if (this.#collection.cutOf(feed) === null) return answer('granted')
          if (membership === null || this.#signer === null || !this.isAdmin()) {
            return answer('undecided')
          }
          answer('granted', membership.sign({ type: 'add-writer', feed }, this.#signer))
        },
        (err) => {
          this.emit('warning', err)
          answer('undecided')
        },
      )
  }

  #requireClosed(): MembershipState {
    const membership = this.#collection.membership
    if (membership === null) {
      throw MultifeedError.NOT_CLOSED()
    }
    return membership
  }

  /** The membership state, once ready, of a closed multifeed this peer is an admin of. */
  async #membershipForChange(): Promise<MembershipState> {
    await this.#readyForUse()
    const membership = this.#requireClosed()
    if (!this.isAdmin()) {
      throw MultifeedError.NOT_ADMIN()
    }
    return membership
  }

  /** Signs an operation with this peer's membership key, stores it and sends it to every peer. */
  #sign(body: Exclude<OperationBody, { type: 'genesis' }>): void {
    const membership = this.#requireClosed()
    const operation = membership.sign(body, this.#signer!)
    this.#localOperation(operation)
  }

  /** Throws the collection's refusal (a MultifeedError ERR_MEMBERSHIP_*); nothing changed then. */
  #localOperation(operation: Uint8Array): void {
    this.#input({ type: 'local-operation', operation })
  }

  // ChannelOwner (called by MultifeedChannel)

  /** @internal */
  channelOpened(channel: MultifeedChannel): void {
    const stream = channel.stream
    this.#input({
      type: 'connection-open',
      conn: channel.conn,
      now: now(),
      role: stream.isInitiator ? 'initiator' : 'responder',
      handshakeHash: stream.handshakeHash!,
      ...(channel.userData === undefined ? {} : { userData: channel.userData }),
    })
  }

  /** @internal */
  remoteOpened(channel: MultifeedChannel, body: Uint8Array): void {
    this.#input({ type: 'remote-open', conn: channel.conn, body })
  }

  /** @internal */
  received(channel: MultifeedChannel, messageType: number, body: Uint8Array): void {
    this.#input({ type: 'message', conn: channel.conn, messageType, body })
  }

  /** @internal */
  channelClosed(channel: MultifeedChannel, rejected: boolean): void {
    if (this.#collection.connections.includes(channel.conn)) {
      this.#input({ type: 'connection-closed', conn: channel.conn, rejected })
    } else {
      this.#forget(channel, 'remote', rejected)
    }
  }

  /** @internal */
  channelFailed(channel: MultifeedChannel, error: MultifeedError): void {
    this.emit('session-error', error, channel)
  }

  /** @internal */
  progressOf(channel: MultifeedChannel): SyncProgress | null {
    return this.#collection.progress(channel.conn)
  }

  /** @internal */
  disconnect(channel: MultifeedChannel): void {
    if (this.#collection.connections.includes(channel.conn)) {
      this.#input({ type: 'disconnect', conn: channel.conn })
    } else {
      this.#forget(channel, 'local', false)
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
   * Closes every channel (each sends a normal Close) and the streams replicate() created, stops
   * downloads and closes every feed; a Corestore given by path is closed too, one given by the
   * caller is left open. Idempotent. Takes no callback (multifeed 6 did): passing one throws
   * ERR_INVALID_ARGUMENT.
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
    if (this.mode === 'closed') {
      // This peer's membership key: derived by the Corestore from its primary key, the 1.0
      // discovery key of the multifeed key and a fixed name, so nothing new is stored.
      this.#signer = await this.#storage(
        () => this.#root.createKeyPair(MEMBERSHIP_KEY_NAME, discoveryKey(this.key)),
        'the membership key could not be derived',
      )
      if (this.#founder === null) {
        this.#founder = this.#signer.publicKey
        this.#placeIn(this.#identityKey())
        this.#makeCores()
      }
    }
    await this.#storage(() => this.store.ready(), 'the store could not be opened')
    this.#list = await this.#storage(
      () =>
        FeedList.open(this.#root, this.store, this.discoveryKey, this.#gate, (err) =>
          this.#storageFailed('feed lengths could not be written to the feed list', err),
        ),
      'the feed list could not be loaded',
    )
    const feeds: StoredFeed[] = []
    // Every member and blocked key, each once, governed in one pass.
    const storedFeeds = this.#list.feeds()
    const governing = coreDiscoveryKeys(storedFeeds.map(({ key }) => key))
    for (const key of this.#list.blocked()) {
      if (!this.#list.holds(key)) governing.push(crypto.discoveryKey(key))
    }
    this.#gate.governAll(governing)
    for (const discoveryKey of governing) this.#governed.push(discoveryKey)
    for (const [hex, name] of this.#list.names()) this.#names.set(hex, name)
    for (const stored of storedFeeds) {
      feeds.push({ key: stored.key, local: stored.name !== null, length: stored.length })
    }
    this.#input({
      type: 'open',
      now: now(),
      key: this.key,
      client: this.client,
      userData: this.userData,
      feeds,
      blocked: this.#list.blocked(),
      ...(this.limits ? { limits: this.limits } : {}),
      sparse: this.#sparse,
      ...(this.#reservedLocalFeeds === undefined
        ? {}
        : { reservedLocalFeeds: this.#reservedLocalFeeds }),
      ...(this.#protocolMinor === undefined ? {} : { minor: this.#protocolMinor }),
      ...(this.mode === 'closed'
        ? {
            closed: {
              founder: this.#founder!,
              self: this.#signer!.publicKey,
              operations: this.#list.operations(),
            },
          }
        : {}),
    })
    const membership = this.#collection.membership
    if (membership !== null) {
      // Removed writers stop at their cut from the first open on.
      for (const writer of membership.writers()) {
        if (!writer.member) this.#cores.setCut(writer.feed, writer.cut)
      }
      // The founder of a new closed multifeed signs its genesis (once: it is stored).
      if (membership.size === 0 && this.isAdmin()) {
        this.#localOperation(membership.signGenesis(this.#signer!))
      }
    }
    // 'feed' for every persisted feed needs each one open: only done for a listener, so a large
    // collection nobody listens to opens nothing here.
    if (this.listenerCount('feed') > 0) {
      const stored = this.#list.feeds()
      const sessions = stored.map(({ key }) => this.#userSession(key))
      await Promise.allSettled(sessions.map((session) => session.ready()))
      stored.forEach(({ name }, index) => {
        this.emit('feed', sessions[index]!, { local: name !== null, name } satisfies FeedInfo)
      })
    }
  }

  protected override async _close(): Promise<void> {
    // Every session sends a normal Close and the collection detaches everything it attached.
    // The Hypercore channels that closes are awaited until fully closed (their message handlers
    // settled) before any core closes: Hypercore's replicator otherwise reads storage after the
    // core closed and rejects with nobody to catch it (research-14 section 5).
    this.#authorizing?.reject(MultifeedError.CLOSED('multifeed is closed'))
    if (this.#cores === undefined) {
      // A new closed multifeed that failed before it had a namespace.
      if (this.#ownsRoot) await this.#root.close()
      return
    }
    const replicating = this.#cores.peerChannels()
    this.#input({ type: 'close' })
    if (this.#timer !== null) clearTimeout(this.#timer)
    if (this.#progressTimer !== null) clearImmediate(this.#progressTimer)
    await Promise.allSettled(replicating.map((channel) => channel.fullyClosed()))
    await Promise.allSettled([...this.#ownedStreams.values()].map(destroyAndWait))
    await Promise.allSettled([...this.#pendingWriters.values()])
    await this.#cores.closeAll()
    await Promise.allSettled([...this.#handedOut.values()].map((core) => core.close()))
    this.#handedOut.clear()
    await this.#list?.close()
    for (const discoveryKey of this.#governed) this.#gate.release(discoveryKey, null)
    this.#governed.length = 0
    await this.store.close() // closes every core opened through the namespace
    if (this.#ownsRoot) await this.#root.close()
  }

  // Internals: the event loop

  /**
   * Feeds one event to the collection and carries out its actions, in order, before the next.
   * An event that arrives while actions are carried out (a channel closing as we close it) waits
   * its turn. Throws the collection's refusal of a local request (add-local) to the caller.
   */
  #input(event: CollectionEvent): void {
    if (PROGRESS_EVENTS.has(event.type)) this.#progressSoon()
    this.#queue.push(event)
    if (this.#draining) return
    this.#draining = true
    try {
      for (let next = 0; next < this.#queue.length; next++) {
        const current = this.#queue[next]!
        let actions: CollectionAction[]
        try {
          actions = this.#collection.handle(current)
        } catch (err) {
          if (current === event) throw err // refused local request: the caller's
          this.#internalFailure(err)
          continue
        }
        for (const action of actions) this.#carryOut(action)
      }
    } finally {
      this.#queue.length = 0
      this.#draining = false
    }
  }

  #carryOut(action: CollectionAction): void {
    switch (action.type) {
      case 'send':
        this.#channels.get(action.conn)?.send(action.message)
        break
      case 'timer':
        this.#setTimer(action.at)
        break
      case 'remote-handshake': {
        const { type: _type, conn, ...handshake } = action
        this.#channels.get(conn)?.notifyHandshake(handshake)
        break
      }
      case 'add-feeds':
        logStore('%k %d remote feeds joined', this.discoveryKey, action.feeds.length)
        for (const entry of action.feeds) this.#governNew(entry.key)
        this.#list!.addAll(action.feeds.map((entry) => entry.key)).catch((err) =>
          this.#storageFailed('remote feeds could not be added to the feed list', err),
        )
        this.#announceJoined(action.feeds.map((entry) => entry.key))
        break
      case 'open-feeds':
        for (const feed of action.feeds) this.#cores.open(feed.key, feed.download)
        break
      case 'close-feeds':
        for (const key of action.keys) this.#cores.close(key)
        break
      case 'attach':
        this.#attach(action.conn, action.keys)
        break
      case 'detach':
        this.#detach(action.conn, action.keys)
        break
      case 'remote-feeds': {
        const channel = this.#channels.get(action.conn)
        if (channel === undefined) break
        this.#inOrder(null, () => {
          channel.notifyRemoteFeeds(action.keys)
          this.emit('remote-feeds', action.keys, channel)
        })
        break
      }
      case 'synced': {
        const channel = this.#channels.get(action.conn)
        if (channel === undefined) break
        this.#inOrder(null, () => {
          channel.notifySynced()
          this.emit('synced', channel)
        })
        break
      }
      case 'fail': {
        const channel = this.#channels.get(action.conn)
        if (channel === undefined) break
        channel.fail(MultifeedError.fromFailure(action))
        break
      }
      case 'closed': {
        const channel = this.#channels.get(action.conn)
        if (channel !== undefined) this.#forget(channel, action.by, action.reopen)
        break
      }
      case 'store-operations':
        this.#list!.addOperations(action.operations).catch((err) => this.emit('warning', err))
        break
      case 'membership': {
        for (const change of action.changes) {
          if (change.type === 'writer') {
            this.#cores.setCut(change.feed, change.member ? null : change.cut)
          }
        }
        const { changes } = action
        this.#inOrder(null, () => this.emit('membership', changes))
        break
      }
      case 'join-request':
        this.#askAuth(action)
        break
      case 'authorization':
        this.#authorized(action)
        break
    }
  }

  #attach(conn: ConnectionId, keys: Key[]): void {
    const channel = this.#channels.get(conn)
    if (channel === undefined) return
    const mux = channel.mux
    mux.cork()
    try {
      for (const key of keys) {
        const core = this.#cores.get(key)
        if (core && !core.closing) this.#gate.allow(this, core, mux)
      }
    } finally {
      mux.uncork()
    }
  }

  #detach(conn: ConnectionId, keys: Key[]): void {
    const channel = this.#channels.get(conn)
    if (channel === undefined) return
    // Last attached first: each attach added a 'close' listener to the stream, and Node removes
    // listeners in O(n) from the newest, so the reverse order keeps a large detach linear.
    for (let i = keys.length - 1; i >= 0; i--) {
      const core = this.#cores.get(keys[i]!)
      if (core) this.#gate.disallow(this, core, channel.mux)
    }
  }

  /** A channel's session ended: close it, and welcome the remote back if the collection says so. */
  #forget(channel: MultifeedChannel, by: 'local' | 'remote', reopen: boolean): void {
    this.#channels.delete(channel.conn)
    channel.finish(by)
    const noise = channel.stream
    if (channel.error !== null) this.#endFailedStream(noise)
    if (!reopen || this.closing || noise.destroyed) return
    // The remote left or refused; if it opens the multifeed again on this stream, that open
    // reaches this pairing and gets a fresh channel instead of a protomux rejection.
    channel.mux.pair({ protocol: PROTOMUX_PROTOCOL, id: this.discoveryKey }, () =>
      this.closing ? undefined : this.attach(noise, { userData: channel.userData ?? null }).ready,
    )
  }

  /**
   * From now on, and until the multifeed closes, the feed `key` attaches to a connection only
   * where a collection attached it: also when it is closed here and a remote asks Corestore for
   * it, or another part of the application opens it.
   */
  #govern(key: Uint8Array): void {
    // A member or a blocked key is governed already (at open, or when it became one).
    if (this.#collection.isMember(key) || this.#list?.isBlocked(key)) return
    this.#governNew(key)
  }

  /** #govern for a key known to be governed by no earlier call (a member that just joined). */
  #governNew(key: Uint8Array): void {
    const discoveryKey = crypto.discoveryKey(key)
    this.#gate.govern(discoveryKey)
    this.#governed.push(discoveryKey)
  }

  /** 'progress' once per turn of the event loop after anything that moves it, for listeners. */
  #progressSoon(): void {
    if (this.#progressTimer !== null) return
    this.#progressTimer = setImmediate(() => {
      this.#progressTimer = null
      if (this.closing) return
      for (const channel of this.channels) channel.reportProgress()
      if (this.listenerCount('progress') > 0) this.emit('progress', this.progress())
    })
  }

  #setTimer(at: number | null): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (at === null) return
    // A timer may fire a little early; the collection then just restates it.
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#input({ type: 'tick', now: now() })
      },
      Math.max(0, at - now()),
    )
    this.#timer.unref?.()
  }

  #grew(feeds: FeedLengths[]): void {
    const at = now()
    for (const feed of feeds) {
      this.#input({ type: 'feed-length', now: at, ...feed })
    }
    this.#list?.setLengths(feeds)
  }

  /**
   * Remote feeds joined: a 'feed' event each, with a ready session, before any later event (the
   * remote-feeds that reports them). A session is opened only for a listener: a multifeed nobody
   * listens to keeps closed what no connection replicates.
   */
  #announceJoined(keys: Key[]): void {
    if (this.listenerCount('feed') === 0) return
    const sessions = keys.map((key) => this.#userSession(key))
    const info: FeedInfo = { local: false, name: null }
    this.#inOrder(Promise.allSettled(sessions.map((s) => s.ready())), () => {
      for (const session of sessions) if (!session.closed) this.emit('feed', session, info)
    })
  }

  /**
   * Runs `emit` after the events queued before it and after `wait`: a user-facing event never
   * overtakes an earlier one, and never hands out a session that is not ready.
   */
  #inOrder(wait: Promise<unknown> | null, emit: () => void): Promise<void> {
    const run = () => {
      if (!this.closing) emit()
    }
    this.#events = this.#events.then(wait === null ? run : () => wait.then(run, run))
    return this.#events
  }

  /** The user's session of a feed (opened on first use, closed with the multifeed). */
  #userSession(key: Key): Hypercore {
    const hex = toHex(key)
    let session = this.#handedOut.get(hex)
    if (session === undefined || session.closed) {
      const created = this.store.get({ ...this.#coreOptions, key })
      created.ready().then(() => {
        this.#gate.gateSession(created)
        this.#cores.follow(created)
      }, noop)
      this.#handedOut.set(hex, created)
      session = created
    }
    return session
  }

  async #createWriter(name: string, keyPair: KeyPair | undefined): Promise<Hypercore> {
    await this.#readyForUse()
    for (const [hex, known] of this.#names) {
      if (known !== name) continue
      const existing = this.#userSession(fromHexKey(hex))
      await this.#storage(() => existing.ready(), `writer ${name} could not be opened`)
      return existing
    }
    const identity = keyPair ? { keyPair } : { name: WRITER_NAME_PREFIX + name }
    // Governed before any session makes it active: Corestore attaches an active new core to every
    // stream of the store as it opens (attachAll), before the gate would know its key.
    const failure = `writer ${name} could not be opened`
    const probe = await this.#openSession({ ...identity, active: false }, failure)
    this.#govern(probe.key)
    this.#gate.gateSession(probe)
    const core = await this.#openSession(identity, failure).finally(() => probe.close())
    this.#assertOpen()
    try {
      this.#input({ type: 'add-local', now: now(), key: core.key, length: core.contiguousLength })
    } catch (err) {
      await core.close()
      throw refusal(err, name)
    }
    const hex = toHex(core.key)
    this.#names.set(hex, name)
    this.#gate.gateSession(core)
    // The core that made the writer is the user's session of it from now on.
    this.#handedOut.set(hex, core)
    this.#cores.follow(core)
    await this.#storage(() => this.#list!.add(core.key, name), `writer ${name} could not be stored`)
    // An admin's own new writer is added to its closed multifeed at once; another peer's waits
    // for requestAuthorization().
    if (this.mode === 'closed' && this.isAdmin() && this.#collection.cutOf(core.key) === 0) {
      this.#sign({ type: 'add-writer', feed: core.key })
    }
    this.emit('feed', core, { local: true, name } satisfies FeedInfo)
    logStore('%k feed %k joined (local)', this.discoveryKey, core.key)
    return core
  }

  /** A ready session of the namespace; the store's failure to open it is ERR_STORAGE. */
  #openSession(opts: HypercoreOptions, failure: string): Promise<Hypercore> {
    return this.#storage(async () => {
      const core = this.store.get({ ...this.#coreOptions, ...opts })
      try {
        await core.ready()
      } catch (err) {
        await core.close().catch(noop)
        throw err
      }
      return core
    }, failure)
  }

  /**
   * The store failed with no caller to reject (a feed did not open, the feed list was not
   * written): 'error', the one failure the multifeed cannot recover from on its own. A store
   * closed under the multifeed (shutdown in the wrong order) is only logged.
   */
  #storageFailed(what: string, cause: unknown): void {
    const error = MultifeedError.STORAGE(what, cause)
    logStore('%k %s', this.discoveryKey, error.message)
    if (this.closing || this.#root.closing) return
    this.emit('error', error)
  }

  /** A bug caught where it could close no channel: 'warning' (ERR_INTERNAL), never a crash. */
  #internalFailure(cause: unknown): void {
    const error = MultifeedError.INTERNAL(cause)
    logStore('%k %s', this.discoveryKey, error.message)
    this.emit('warning', error)
  }

  /**
   * What a caller awaits on the store, with the store's failures as ERR_STORAGE (ERR_CLOSED once
   * the multifeed closes under it). The caller gets the error; it is logged here.
   */
  async #storage<T>(work: () => Promise<T>, what: string): Promise<T> {
    try {
      return await work()
    } catch (err) {
      if (err instanceof MultifeedError) throw err
      if (this.closing) throw MultifeedError.CLOSED('multifeed is closed')
      const error = MultifeedError.STORAGE(what, err)
      logStore('%k %s', this.discoveryKey, error.message)
      throw error
    }
  }

  /**
   * The channel on a stream replicate(true/false) made failed: the stream ends too (as in
   * multifeed 6), unless something else still runs on it. Checked a turn later, once every
   * channel the failure closes has closed. Destroyed without an error: 'session-error' said why,
   * and an 'error' on the stream would end a process that did not listen for it.
   */
  #endFailedStream(noise: NoiseStream): void {
    const stream = this.#ownedStreams.get(noise)
    if (stream === undefined) return
    setImmediate(() => {
      if (stream.destroyed || !carriesNothing(noise)) return
      logChannel('%k channel failed: destroying the stream replicate() made', this.discoveryKey)
      stream.destroy()
    })
  }

  #assertOpen(): void {
    if (this.closing) throw MultifeedError.CLOSED('multifeed is closed')
  }

  async #readyForUse(): Promise<void> {
    this.#assertOpen()
    await this.ready()
    this.#assertOpen()
  }
}

/** Events after which a progress display may change. */
const PROGRESS_EVENTS = new Set<CollectionEvent['type']>([
  'message',
  'feeds-opened',
  'feed-length',
  'block',
  'remove',
  'connection-closed',
  'disconnect',
])

/** Destroys a stream we created and resolves once it closed. */
function destroyAndWait(stream: ReplicationStream): Promise<void> {
  if (stream.destroyed) return Promise.resolve()
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
  stream.destroy()
  return closed
}

/** The root of a Corestore session (the gate is per root: all namespaces share its cores). */
function rootOf(store: Corestore): Corestore {
  return (store as { root?: Corestore | null }).root ?? store
}

/** A replicate() stream also carries the channel's events, as multifeed 6's stream did. */
function forwardToStream(channel: MultifeedChannel, stream: ReplicationStream): void {
  const forwarded = stream as ReplicationStream & { [FORWARDED]?: true }
  if (forwarded[FORWARDED]) return
  forwarded[FORWARDED] = true
  channel.on('remote-feeds', (keys: Key[]) => stream.emit('remote-feeds', keys))
  channel.on('synced', () => stream.emit('synced'))
  channel.on('session-error', (err: MultifeedError) => stream.emit('session-error', err))
}

const FORWARDED = Symbol('multifeed events forwarded')

/** The collection refused a local writer (ERR_BLOCKED, ERR_COLLECTION_FULL): named for the user. */
function refusal(err: unknown, name: string): unknown {
  if (err instanceof MultifeedError && err.code === 'ERR_BLOCKED') {
    return MultifeedError.BLOCKED(`writer ${name} was blocked or removed`)
  }
  return err
}

function fromHexKey(hex: string): Uint8Array {
  return parseKey(hex)!
}

function noop() {}

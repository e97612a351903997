/**
 * The multifeed collection (spec/collection.md): one peer's multifeed with one Session per
 * connection, shaped like quinn-proto's Endpoint above its Connections. Sans-IO: `handle` takes
 * one event and returns the actions to carry out, in order, before the next event. No I/O,
 * clock, randomness or promises; time arrives as `now`.
 *
 * Every decision about the collection as a whole lives here: which feeds are members
 * (admission under maxFeeds, with room kept for local writers), what is blocked, which feeds
 * each connection carries (attach only what its session agreed, detach on unreplicate, block,
 * remove and close), which feeds must be open, how growth is re-offered, how feeds learned on
 * one connection reach the others, and what a refused or ended session means. The caller only
 * opens and closes cores, persists, and moves bytes.
 */
import { capability } from '../codec/capability.js'
import { type Limits, PROTOCOL_MINOR } from '../codec/constants.js'
import type { EntryBlock } from '../codec/entry-block.js'
import type { KeyBlock } from '../codec/key-block.js'
import { resolveLimits } from '../codec/limits.js'
import type { Key, ManifestEntry } from '../codec/messages.js'
import { MultifeedError } from '../errors.js'
import {
  ClosedMembership,
  MembershipMessage,
  type OperationSource,
  type Outgoing,
  type Violation,
} from './collection-closed.js'
import { type CollectionFeedId, CollectionFeeds, NO_ID } from './collection-feeds.js'
import type {
  AddLocalEvent,
  CollectionAction,
  CollectionEvent,
  CollectionOpenEvent,
  CollectionOptions,
  ConnectionFailAction,
  ConnectionId,
  ConnectionOpenEvent,
  FeedLengthEvent,
  FeedsOpenedEvent,
  JoinAnswerEvent,
  RequestAuthorizationEvent,
  StoredFeed,
} from './collection-types.js'
import { JoinAnswer } from './membership/join.js'
import type { MembershipChange, MembershipState } from './membership/state.js'
import { Session } from './session.js'
import type {
  Admission,
  LocalFeed,
  Role,
  SessionAction,
  SessionEvent,
  SyncProgress,
  WantPolicy,
} from './types.js'
import { invalidArgument, invalidState } from './usage-error.js'
import {
  checkBytes,
  checkClient,
  checkFeed,
  checkKey,
  checkLength,
  checkOptionalBytes,
  checkTime,
} from './validate.js'

/** Default milliseconds between two growth re-offers on one connection. */
export const DEFAULT_REOFFER_INTERVAL = 100
/** Default number of local writers that remote feeds can never crowd out. */
export const DEFAULT_RESERVED_LOCAL_FEEDS = 16

/** Collection phases: `new` accepts only `open`; `closed` is sticky (every event returns []). */
export type CollectionPhase = 'new' | 'open' | 'closed'

interface Settings {
  /** The key the capabilities prove: the multifeed key, or a closed multifeed's closed key. */
  key: Uint8Array
  client: string
  /** The minor every session speaks. */
  minor: number
  userData: Uint8Array | null
  limits: Readonly<Limits>
  sparse: boolean
  reofferInterval: number
  reservedLocalFeeds: number
}

/** One connection's session and what the collection tracks for it. */
interface Connection {
  readonly id: ConnectionId
  readonly session: Session
  /** The remote proved the key (the session is OPEN): local changes reach it from now on. */
  verified: boolean
  /** Feeds the session replicates here: attached, or waiting for the feed to open. */
  readonly replicating: Set<CollectionFeedId>
  /** The replicating feeds not attached yet because they are still opening. */
  readonly waiting: Set<CollectionFeedId>
  /** remote-feeds and synced held back while feeds they speak of are still opening. */
  held: CollectionAction[]
  /** Non-member keys this connection's outstanding Requests reserve room for. */
  readonly reserved: Set<CollectionFeedId>
  /** Grown feeds to re-offer at the next paced re-offer. */
  readonly grown: Set<CollectionFeedId>
  /** Earliest time the next growth re-offer may go out. */
  nextReofferAt: number
  /** The failure reported for this connection, if any. */
  failure: ConnectionFailAction['code'] | null
  /** The negotiated minor, once verified. */
  minor: number
}

/**
 * A sans-IO multifeed collection. Feed it events with {@link Collection.handle} and carry out
 * the returned actions in order. Local misuse throws a MultifeedError (ERR_INVALID_STATE,
 * ERR_INVALID_ARGUMENT, or ERR_BLOCKED / ERR_COLLECTION_FULL for a refused local writer); a
 * misbehaving peer never throws, it yields `fail` and `closed` for its connection only.
 */
export class Collection {
  readonly #options: CollectionOptions
  #phase: CollectionPhase = 'new'
  #settings: Settings | null = null
  readonly #feeds = new CollectionFeeds()
  readonly #connections = new Map<ConnectionId, Connection>()
  /** The `at` of the last timer action (what the caller's timer is set to). */
  #timerAt: number | null = null
  /** A closed multifeed's membership (spec/membership.md 14.3), or null for an open one. */
  #closed: ClosedMembership | null = null

  constructor(options: CollectionOptions = {}) {
    this.#options = options
  }

  get phase(): CollectionPhase {
    return this.#phase
  }

  /** Members of the collection (local writers and admitted remote feeds). */
  get size(): number {
    return this.#feeds.size
  }

  /** The members, in joining order: key, and whether it is a local writer or blocked. */
  members(): { key: Key; local: boolean; blocked: boolean }[] {
    const feeds = this.#feeds
    return feeds.members().map((id) => ({
      key: feeds.key(id),
      local: feeds.isLocal(id),
      blocked: feeds.isBlocked(id),
    }))
  }

  /** True when `key` is a member (a local writer or an admitted remote feed). */
  isMember(key: Key): boolean {
    const id = this.#feeds.find(key)
    return id !== NO_ID && this.#feeds.isMember(id)
  }

  /**
   * A closed multifeed's membership state (read it; sign with `membership.sign`), or null for
   * an open multifeed.
   */
  get membership(): MembershipState | null {
    return this.#closed?.membership ?? null
  }

  /** A closed multifeed's closed key (spec/membership.md 3.3), or null. */
  get closedKey(): Uint8Array | null {
    return this.#closed?.closedKey ?? null
  }

  /**
   * The effective cut of a feed of a closed multifeed (spec/membership.md 14.3): null for a
   * member (and for every feed of an open multifeed), the cut of a removed writer, 0 for a feed
   * no effective operation names.
   */
  cutOf(key: Key): number | null {
    return this.#closed?.cutOf(key) ?? null
  }

  /** Connections with a session that has not ended. */
  get connections(): ConnectionId[] {
    return [...this.#connections.keys()]
  }

  /**
   * The session on `conn`'s progress (Session.progress); `synced` is also false while a feed it
   * reported waits to open. Null for a connection without a session.
   */
  progress(conn: ConnectionId): SyncProgress | null {
    const connection = this.#connections.get(conn)
    if (connection === undefined) return null
    const progress = connection.session.progress()
    progress.synced = progress.synced && connection.waiting.size === 0
    return progress
  }

  /** True when the session on `conn` is synced (spec section 9.2). */
  isSynced(conn: ConnectionId): boolean {
    const connection = this.#connections.get(conn)
    return connection?.session.synced === true && connection.waiting.size === 0
  }

  /** The earliest time a `tick` has something to do, or null. */
  get deadline(): number | null {
    let earliest: number | null = null
    for (const connection of this.#connections.values()) {
      const at = connection.session.deadline
      if (at !== null && (earliest === null || at < earliest)) earliest = at
      if (connection.grown.size > 0) {
        const next = connection.nextReofferAt
        if (earliest === null || next < earliest) earliest = next
      }
    }
    const join = this.#closed?.joinDeadline ?? null
    if (join !== null && (earliest === null || join < earliest)) earliest = join
    return earliest
  }

  /**
   * Handles one event and returns the actions to carry out, in order.
   * @throws MultifeedError (fault 'local') on misuse, or when a local writer is refused.
   */
  handle(event: CollectionEvent): CollectionAction[] {
    if (event === null || typeof event !== 'object') {
      throw invalidArgument('event must be an object')
    }
    if (this.#phase === 'new') {
      if (event.type !== 'open') throw invalidState(`${String(event.type)} before open`)
      return this.#open(event)
    }
    if (event.type === 'open') throw invalidState('second open')
    if (this.#phase === 'closed') return []
    const out: CollectionAction[] = []
    this.#dispatch(event, out)
    if (event.type === 'tick') this.#timerAt = null // the caller's timer fired
    // After close no connection is left, so the deadline is null.
    const at = this.deadline
    if (at !== this.#timerAt) {
      this.#timerAt = at
      out.push({ type: 'timer', at })
    }
    return out
  }

  #dispatch(event: Exclude<CollectionEvent, CollectionOpenEvent>, out: CollectionAction[]): void {
    switch (event.type) {
      case 'connection-open':
        this.#connect(event, out)
        break
      case 'remote-open':
        checkBytes(event.body, 'body')
        this.#toSession(event.conn, { type: 'remote-open', body: event.body }, out)
        break
      case 'message': {
        const { messageType, body } = event
        checkLength(messageType, 'messageType')
        checkBytes(body, 'body')
        this.#toSession(event.conn, { type: 'message', messageType, body }, out)
        break
      }
      case 'connection-closed':
        this.#onTransportClosed(event.conn, event.rejected === true, out)
        break
      case 'disconnect':
        this.#toSession(event.conn, { type: 'close' }, out)
        break
      case 'add-local':
        this.#addLocal(event, out)
        break
      case 'feeds-opened':
        this.#onFeedsOpened(event, out)
        break
      case 'feed-length':
        this.#onFeedLength(event, out)
        break
      case 'feed-truncate':
        this.#onTruncate(event.key, event.length, out)
        break
      case 'block':
        checkKey(event.key, 'key')
        this.#block(this.#feeds.idOf(event.key), out)
        break
      case 'unblock':
        checkKey(event.key, 'key')
        this.#unblock(event.key)
        break
      case 'remove':
        checkKey(event.key, 'key')
        this.#remove(event.key, out)
        break
      case 'tick':
        checkTime(event.now)
        this.#onTick(event.now, out)
        break
      case 'close':
        this.#close(out)
        break
      case 'local-operation':
        checkBytes(event.operation, 'operation')
        this.#localOperation(event.operation, out)
        break
      case 'request-authorization':
        this.#requestAuthorization(event, out)
        break
      case 'join-answer':
        this.#joinAnswer(event, out)
        break
      default:
        throw invalidArgument(`unknown event type ${String((event as { type?: unknown }).type)}`)
    }
  }

  // ---- opening the collection ----

  #open(event: CollectionOpenEvent): CollectionAction[] {
    let limits: Readonly<Limits>
    try {
      limits = resolveLimits(event.limits)
    } catch (err) {
      throw invalidArgument(`limits: ${(err as Error).message}`)
    }
    checkTime(event.now)
    checkKey(event.key, 'key')
    checkClient(event.client, limits)
    checkOptionalBytes(event.userData, limits.maxUserDataBytes, 'userData')
    if (!Array.isArray(event.feeds)) throw invalidArgument('feeds must be an array')
    if (!Array.isArray(event.blocked)) throw invalidArgument('blocked must be an array')
    const reofferInterval = event.reofferInterval ?? DEFAULT_REOFFER_INTERVAL
    checkLength(reofferInterval, 'reofferInterval')
    const reservedLocalFeeds = event.reservedLocalFeeds ?? DEFAULT_RESERVED_LOCAL_FEEDS
    checkLength(reservedLocalFeeds, 'reservedLocalFeeds')
    for (const feed of event.feeds) checkStoredFeed(feed, limits)
    for (const key of event.blocked) checkKey(key, 'blocked key')
    const minor = event.minor ?? PROTOCOL_MINOR
    if (!Number.isInteger(minor) || minor < 0 || minor > PROTOCOL_MINOR) {
      throw invalidArgument(`minor must be an integer from 0 to ${PROTOCOL_MINOR}`)
    }
    const closed = event.closed === undefined ? null : openClosed(event.key, event.closed, limits)
    if (closed !== null && minor < 1) throw invalidArgument('a closed multifeed needs minor 1')

    const feeds = this.#feeds
    feeds.reserve(event.feeds.length + event.blocked.length)
    for (const stored of event.feeds) {
      const id = feeds.idOf(stored.key)
      feeds.admit(id, stored.local, stored.data ?? null)
      feeds.setLengths(id, stored.length, stored.known ?? stored.length)
    }
    for (const key of event.blocked) feeds.setBlocked(feeds.idOf(key), true)
    this.#closed = closed
    this.#settings = {
      key: closed?.closedKey ?? event.key,
      client: event.client,
      minor,
      userData: event.userData,
      limits,
      sparse: event.sparse === true,
      reofferInterval,
      reservedLocalFeeds,
    }
    this.#phase = 'open'
    return []
  }

  // ---- connections ----

  #connect(event: ConnectionOpenEvent, out: CollectionAction[]): void {
    const { conn } = event
    checkConnectionId(conn)
    if (this.#connections.has(conn)) throw invalidState(`connection ${conn} is already open`)
    checkTime(event.now)
    const role = event.role
    if (role !== 'initiator' && role !== 'responder') {
      throw invalidArgument(`role must be 'initiator' or 'responder'`)
    }
    checkBytes(event.handshakeHash, 'handshakeHash')
    const settings = this.#settings!
    const admission: Admission = {
      reserve: (key) => this.#reserve(connection, key),
      release: (key) => this.#release(connection, key),
    }
    const connection: Connection = {
      id: conn,
      session: new Session({ ...this.#options, ...this.#closedWant(), admission }),
      verified: false,
      replicating: new Set(),
      waiting: new Set(),
      held: [],
      reserved: new Set(),
      grown: new Set(),
      nextReofferAt: Number.NEGATIVE_INFINITY,
      failure: null,
      minor: 0,
    }
    let localCapability: Uint8Array
    let remoteCapability: Uint8Array
    try {
      localCapability = capability(settings.key, event.handshakeHash, role)
      remoteCapability = capability(settings.key, event.handshakeHash, otherRole(role))
    } catch (err) {
      throw invalidArgument(`handshakeHash: ${(err as Error).message}`)
    }
    const userData = event.userData === undefined ? settings.userData : event.userData
    // The view is read only once the remote proves the key (a keyless peer costs no per-feed work).
    const actions = connection.session.handle({
      type: 'open',
      now: event.now,
      role,
      client: settings.client,
      userData,
      localCapability,
      remoteCapability,
      feeds: this.#view,
      blocked: this.#blockedKeys,
      limits: settings.limits,
      minor: settings.minor,
      requiredMinor: this.#closed === null ? 0 : 1,
    })
    this.#connections.set(conn, connection)
    this.#translate(connection, actions, out)
  }

  /**
   * Feeds every session offers from: members not blocked, in joining order; in a closed
   * multifeed only those with no cut or a cut above 0, capped at it (spec/membership.md 14.3).
   */
  readonly #view = (): LocalFeed[] => {
    const feeds = this.#feeds
    const view: LocalFeed[] = []
    for (const id of feeds.members()) {
      if (feeds.isBlocked(id)) continue
      const offer = this.#offerOf(id)
      if (offer !== null) view.push(offer)
    }
    return view
  }

  /** A member as offered: its held length, capped at its cut; null when it is not offered. */
  #offerOf(id: CollectionFeedId): LocalFeed | null {
    const feeds = this.#feeds
    const key = feeds.key(id)
    const cut = this.#closed?.cutOf(key) ?? null
    if (cut === 0) return null
    const length = cut === null ? feeds.length(id) : Math.min(feeds.length(id), cut)
    return { key, length, data: feeds.data(id) }
  }

  /** A closed multifeed's want policy: only members and removed feeds with a cut above 0. */
  #closedWant(): { want?: WantPolicy } {
    const closed = this.#closed
    if (closed === null) return {}
    const want = this.#options.want
    return {
      want: (entry) => closed.wanted(entry.key) && (want === undefined || want(entry)),
    }
  }

  readonly #blockedKeys = (): Key[] => this.#feeds.blocked().map((id) => this.#feeds.key(id))

  #onTransportClosed(conn: ConnectionId, rejected: boolean, out: CollectionAction[]): void {
    const connection = this.#connections.get(conn)
    if (connection === undefined) return // already ended: the carrier reports its own close late
    if (rejected && !connection.verified) {
      connection.failure = 'ERR_CHANNEL_REJECTED'
      out.push({
        type: 'fail',
        conn,
        code: 'ERR_CHANNEL_REJECTED',
        wireCode: null,
        remote: true,
        message: 'the remote has no multifeed with this discovery key on this connection',
      })
    }
    this.#run(connection, { type: 'transport-closed' }, out)
  }

  #toSession(conn: ConnectionId, event: SessionEvent, out: CollectionAction[]): void {
    checkConnectionId(conn)
    const connection = this.#connections.get(conn)
    // Bytes that arrive after the session ended are dropped, as the session itself would.
    if (connection !== undefined) this.#run(connection, event, out)
  }

  /** Feeds one event to a connection's session and carries its actions into the collection. */
  #run(connection: Connection, event: SessionEvent, out: CollectionAction[]): void {
    const actions = connection.session.handle(event)
    this.#translate(connection, actions, out)
  }

  /**
   * A session's actions as collection actions. Feeds that join the collection here reach the
   * other connections' sessions after this session's actions (transitive propagation, 7.5).
   */
  #translate(connection: Connection, actions: SessionAction[], out: CollectionAction[]): void {
    const conn = connection.id
    let joined: CollectionFeedId[] | null = null
    let verified = false
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          out.push({ type: 'send', conn, message: action.message })
          break
        case 'timer':
          break // the collection restates its own deadline after every event
        case 'remote-handshake': {
          const { type: _type, ...handshake } = action
          connection.verified = true
          connection.minor = Math.min(this.#settings!.minor, handshake.minor)
          verified = true
          out.push({ type: 'remote-handshake', conn, ...handshake })
          break
        }
        case 'extension':
          this.#onExtension(connection, action.messageType, action.body, out)
          break
        case 'add-feeds':
          joined = this.#admitRemote(action.feeds, out)
          break
        case 'replicate':
          this.#replicate(connection, action.keys, out)
          break
        case 'unreplicate':
          this.#unreplicate(connection, action.keys, out)
          break
        case 'remote-feeds':
          // The collection's action lists keys as an array (one view of the block per key).
          this.#notify(connection, { type: 'remote-feeds', conn, keys: [...action.keys] }, out)
          break
        case 'synced':
          this.#notify(connection, { type: 'synced', conn }, out)
          break
        case 'fail': {
          const { type: _type, ...failure } = action
          connection.failure = failure.code
          out.push({ type: 'fail', conn, ...failure })
          break
        }
        case 'close':
          this.#end(connection, action.by, out)
          break
      }
    }
    if (joined !== null && joined.length > 0) {
      this.#tellCuts(joined, out)
      this.#announce(joined, connection, out)
    }
    if (verified && this.#closed !== null && this.#connections.has(conn)) {
      this.#onClosedVerified(connection, out)
    }
  }

  /** Remote feeds a session accepted join the collection (room was reserved for them). */
  #admitRemote(entries: EntryBlock, out: CollectionAction[]): CollectionFeedId[] {
    const feeds = this.#feeds
    const added: ManifestEntry[] = []
    const joined: CollectionFeedId[] = []
    for (const entry of entries) {
      const id = feeds.idOf(entry.key)
      if (feeds.isMember(id) || feeds.isBlocked(id)) continue
      if (this.#closed !== null && !this.#closed.wanted(entry.key)) continue
      feeds.admit(id, false, entry.data)
      added.push({ key: feeds.key(id), length: entry.length, data: entry.data })
      joined.push(id)
    }
    if (added.length > 0) out.push({ type: 'add-feeds', feeds: added })
    return joined
  }

  /** New members are offered on every other connection whose remote proved the key. */
  #announce(ids: CollectionFeedId[], from: Connection | null, out: CollectionAction[]): void {
    const feeds = this.#feeds
    const offers: LocalFeed[] = []
    for (const id of ids) {
      if (!feeds.isMember(id) || feeds.isBlocked(id)) continue
      const offer = this.#offerOf(id)
      if (offer !== null) offers.push(offer)
    }
    if (offers.length === 0) return
    for (const connection of [...this.#connections.values()]) {
      if (connection === from || !connection.verified) continue
      this.#run(connection, { type: 'local-feeds', feeds: offers }, out)
    }
  }

  #replicate(connection: Connection, keys: KeyBlock, out: CollectionAction[]): void {
    const feeds = this.#feeds
    const attach: Key[] = []
    const open: { key: Key; download: boolean }[] = []
    for (const key of keys) {
      const id = feeds.find(key)
      if (id === NO_ID || !feeds.isMember(id) || feeds.isBlocked(id)) continue
      if (connection.replicating.has(id)) continue
      connection.replicating.add(id)
      feeds.addUser(id)
      if (feeds.isOpen(id)) {
        attach.push(feeds.key(id))
        continue
      }
      connection.waiting.add(id)
      if (!feeds.isOpening(id)) {
        feeds.setOpening(id)
        open.push({ key: feeds.key(id), download: this.#downloads(id) })
      }
    }
    if (open.length > 0) out.push({ type: 'open-feeds', feeds: open })
    if (attach.length > 0) out.push({ type: 'attach', conn: connection.id, keys: attach })
  }

  #unreplicate(connection: Connection, keys: KeyBlock, out: CollectionAction[]): void {
    const feeds = this.#feeds
    const detach: Key[] = []
    const idle: CollectionFeedId[] = []
    for (const key of keys) {
      const id = feeds.find(key)
      if (id === NO_ID || !connection.replicating.delete(id)) continue
      feeds.removeUser(id)
      if (!connection.waiting.delete(id)) detach.push(feeds.key(id))
      if (this.#isIdle(id)) idle.push(id)
    }
    if (detach.length > 0) out.push({ type: 'detach', conn: connection.id, keys: detach })
    this.#closeIdle(idle, out)
    if (connection.waiting.size === 0) this.#releaseHeld(connection, out)
  }

  /** remote-feeds promises replication started: it waits for the feeds it names to open. */
  #notify(connection: Connection, action: CollectionAction, out: CollectionAction[]): void {
    if (connection.waiting.size > 0) connection.held.push(action)
    else out.push(action)
  }

  #releaseHeld(connection: Connection, out: CollectionAction[]): void {
    if (connection.held.length === 0) return
    for (const action of connection.held) out.push(action)
    connection.held = []
  }

  /** The session on a connection closed: nothing of ours travels there any more. */
  #end(connection: Connection, by: 'local' | 'remote', out: CollectionAction[]): void {
    const feeds = this.#feeds
    const detach: Key[] = []
    const idle: CollectionFeedId[] = []
    for (const id of connection.replicating) {
      feeds.removeUser(id)
      if (!connection.waiting.has(id)) detach.push(feeds.key(id))
      if (this.#isIdle(id)) idle.push(id)
    }
    connection.replicating.clear()
    connection.waiting.clear()
    connection.held = []
    for (const id of connection.reserved) if (!feeds.isMember(id)) feeds.removeReserver(id)
    connection.reserved.clear()
    connection.grown.clear()
    this.#connections.delete(connection.id)
    this.#closed?.connectionEnded(connection.id)
    if (detach.length > 0) out.push({ type: 'detach', conn: connection.id, keys: detach })
    this.#closeIdle(idle, out)
    const reopen =
      by === 'remote' &&
      (connection.failure === null || connection.failure === 'ERR_CHANNEL_REJECTED')
    out.push({ type: 'closed', conn: connection.id, by, reopen })
    // A join request waiting for this session's answer may be decided now.
    this.#settleJoin(null, out)
  }

  // ---- admission (spec/collection.md, "Room") ----

  #reserve(connection: Connection, key: Key): boolean {
    const feeds = this.#feeds
    const id = feeds.idOf(key)
    if (feeds.isMember(id)) return true
    if (feeds.isBlocked(id)) return false
    if (connection.reserved.has(id)) return true
    if (!feeds.hasReservers(id) && !this.#roomForRemote()) return false
    feeds.addReserver(id)
    connection.reserved.add(id)
    return true
  }

  #release(connection: Connection, key: Key): void {
    const feeds = this.#feeds
    const id = feeds.find(key)
    if (id === NO_ID || !connection.reserved.delete(id)) return
    if (!feeds.isMember(id)) feeds.removeReserver(id)
  }

  /** Remote feeds never take the room kept for the first reservedLocalFeeds local writers. */
  #roomForRemote(): boolean {
    const { limits, reservedLocalFeeds } = this.#settings!
    const feeds = this.#feeds
    const kept = Math.max(0, reservedLocalFeeds - feeds.localCount)
    return feeds.size + feeds.reservedCount + kept < limits.maxFeeds
  }

  // ---- local changes ----

  #addLocal(event: AddLocalEvent, out: CollectionAction[]): void {
    checkTime(event.now)
    const settings = this.#settings!
    checkFeed({ key: event.key, length: event.length, data: event.data ?? null }, settings.limits)
    const feeds = this.#feeds
    const found = feeds.find(event.key)
    if (found !== NO_ID && feeds.isBlocked(found)) {
      throw MultifeedError.BLOCKED('the feed was blocked or removed')
    }
    if (found !== NO_ID && feeds.isMember(found)) {
      // A writer's key pair for a feed learned from a peer: the same member, now local.
      feeds.admit(found, true, null)
      this.#grew(found, event.length, event.length, event.now, out)
      return
    }
    if (feeds.size + feeds.reservedCount >= settings.limits.maxFeeds) {
      throw MultifeedError.COLLECTION_FULL(
        `the collection holds maxFeeds (${settings.limits.maxFeeds}) feeds`,
      )
    }
    const id = feeds.idOf(event.key)
    feeds.admit(id, true, event.data ?? null)
    feeds.setLengths(id, event.length, event.length)
    this.#announce([id], null, out)
  }

  #onFeedsOpened(event: FeedsOpenedEvent, out: CollectionAction[]): void {
    checkTime(event.now)
    if (!Array.isArray(event.feeds)) throw invalidArgument('feeds must be an array')
    for (const feed of event.feeds) {
      checkKey(feed.key, 'feed.key')
      checkLength(feed.length, 'feed.length')
      if (feed.known !== undefined) checkLength(feed.known, 'feed.known')
    }
    const feeds = this.#feeds
    const opened: CollectionFeedId[] = []
    for (const feed of event.feeds) {
      const id = feeds.find(feed.key)
      if (id === NO_ID) continue
      feeds.setOpen(id, true)
      opened.push(id)
      if (feeds.isMember(id)) this.#grew(id, feed.length, feed.known ?? feed.length, event.now, out)
    }
    for (const connection of [...this.#connections.values()]) {
      if (connection.waiting.size === 0) continue
      const attach: Key[] = []
      for (const id of opened) if (connection.waiting.delete(id)) attach.push(feeds.key(id))
      if (attach.length > 0) out.push({ type: 'attach', conn: connection.id, keys: attach })
      if (connection.waiting.size === 0) this.#releaseHeld(connection, out)
    }
    this.#closeIdle(
      opened.filter((id) => this.#isIdle(id)),
      out,
    )
  }

  #onFeedLength(event: FeedLengthEvent, out: CollectionAction[]): void {
    checkTime(event.now)
    checkKey(event.key, 'key')
    checkLength(event.length, 'length')
    if (event.known !== undefined) checkLength(event.known, 'known')
    const id = this.#feeds.find(event.key)
    if (id === NO_ID || !this.#feeds.isMember(id)) return
    this.#grew(id, event.length, event.known ?? event.length, event.now, out)
  }

  /** A fork (multifeed.md 9.3): lengths capped, and every verified session told. */
  #onTruncate(key: Key, length: number, out: CollectionAction[]): void {
    checkKey(key, 'key')
    checkLength(length, 'length')
    const feeds = this.#feeds
    const id = feeds.find(key)
    if (id === NO_ID || !feeds.isMember(id)) return
    feeds.truncate(id, length)
    const copy = feeds.key(id)
    for (const connection of [...this.#connections.values()]) {
      if (connection.verified) {
        this.#run(connection, { type: 'local-truncate', key: copy, length }, out)
      }
    }
  }

  /**
   * A feed's lengths: sessions learn the length `synced` compares (local-length), and a longer
   * held length is re-offered, paced per connection (spec/collection.md, "Growth").
   */
  #grew(
    id: CollectionFeedId,
    length: number,
    known: number,
    now: number,
    out: CollectionAction[],
  ): void {
    const feeds = this.#feeds
    const before = this.#syncedLength(id)
    const grew = feeds.setLengths(id, length, known)
    const after = this.#syncedLength(id)
    if (feeds.isBlocked(id) || (after === before && !grew)) return
    const key = feeds.key(id)
    for (const connection of [...this.#connections.values()]) {
      if (!connection.verified) continue
      if (after > before) this.#run(connection, { type: 'local-length', key, length: after }, out)
      if (!grew || !this.#connections.has(connection.id)) continue
      connection.grown.add(id)
      if (now >= connection.nextReofferAt) this.#reoffer(connection, now, out)
    }
  }

  /** The length `synced` compares: blocks held, or for a sparse remote feed, blocks known. */
  #syncedLength(id: CollectionFeedId): number {
    const feeds = this.#feeds
    return this.#settings!.sparse && !feeds.isLocal(id) ? feeds.known(id) : feeds.length(id)
  }

  /** One paced re-offer: every grown feed of the connection, at its current length. */
  #reoffer(connection: Connection, now: number, out: CollectionAction[]): void {
    const feeds = this.#feeds
    const offers: LocalFeed[] = []
    for (const id of connection.grown) {
      if (!feeds.isMember(id) || feeds.isBlocked(id)) continue
      const offer = this.#offerOf(id)
      if (offer !== null) offers.push(offer)
    }
    connection.grown.clear()
    connection.nextReofferAt = now + this.#settings!.reofferInterval
    if (offers.length > 0) this.#run(connection, { type: 'local-feeds', feeds: offers }, out)
  }

  #block(id: CollectionFeedId, out: CollectionAction[]): void {
    const feeds = this.#feeds
    if (feeds.isBlocked(id)) return
    feeds.setBlocked(id, true)
    const key = feeds.key(id)
    // Sessions not verified yet read the blocked list when they are.
    for (const connection of [...this.#connections.values()]) {
      if (connection.verified) this.#run(connection, { type: 'block', key }, out)
    }
    if (this.#isIdle(id)) this.#closeIdle([id], out)
  }

  /**
   * Sessions opened from now on neither know nor apply the block; a session already open keeps
   * it until it ends (a session's blocks last for its lifetime, spec 7.9).
   */
  #unblock(key: Key): void {
    const feeds = this.#feeds
    const id = feeds.find(key)
    if (id === NO_ID || !feeds.isBlocked(id)) return
    feeds.setBlocked(id, false)
  }

  #remove(key: Key, out: CollectionAction[]): void {
    const feeds = this.#feeds
    const id = feeds.idOf(key)
    this.#block(id, out)
    feeds.drop(id)
    // Still opening: closed when feeds-opened reports it (a removed feed is idle).
  }

  #onTick(now: number, out: CollectionAction[]): void {
    this.#settleJoin(now, out)
    for (const connection of [...this.#connections.values()]) {
      const deadline = connection.session.deadline
      if (deadline !== null && now >= deadline) this.#run(connection, { type: 'tick', now }, out)
      if (!this.#connections.has(connection.id)) continue
      if (connection.grown.size > 0 && now >= connection.nextReofferAt) {
        this.#reoffer(connection, now, out)
      }
    }
  }

  #close(out: CollectionAction[]): void {
    for (const connection of [...this.#connections.values()]) {
      this.#run(connection, { type: 'close' }, out)
    }
    this.#phase = 'closed'
  }

  // ---- closed multifeeds (spec/membership.md 14.3, 14.4) ----

  /** Sends one membership message on a session (verified, minor 1). */
  #sendExtension(connection: Connection, message: Outgoing, out: CollectionAction[]): void {
    if (!this.#connections.has(connection.id)) return
    this.#run(connection, { type: 'send-extension', ...message }, out)
  }

  /** The remote broke the protocol in a membership message: its session fails. */
  #violate(connection: Connection, violation: Violation, out: CollectionAction[]): void {
    if (!this.#connections.has(connection.id)) return
    this.#run(connection, { type: 'violation', ...violation }, out)
  }

  /** Verified sessions (all of minor 1 in a closed multifeed), in the order they opened. */
  #verifiedConnections(): Connection[] {
    return [...this.#connections.values()].filter((connection) => connection.verified)
  }

  /** A session was verified: it learns the cuts, then gets our Have and our join request. */
  #onClosedVerified(connection: Connection, out: CollectionAction[]): void {
    const closed = this.#closed!
    const feeds = this.#feeds
    for (const id of feeds.members()) {
      if (feeds.isBlocked(id)) continue
      const key = feeds.key(id)
      const length = closed.cutOf(key)
      if (length !== null) this.#run(connection, { type: 'cut', key, length }, out)
    }
    this.#sendExtension(connection, closed.have(), out)
    const request = closed.joinRequestFor(connection.id)
    if (request !== null) this.#sendExtension(connection, request, out)
  }

  /** A message of type 4 to 8 (minor 1): ignored in an open multifeed. */
  #onExtension(
    connection: Connection,
    messageType: number,
    body: Uint8Array,
    out: CollectionAction[],
  ): void {
    const closed = this.#closed
    if (closed === null) return
    const reply = (answer: Outgoing[] | Violation) => {
      if (Array.isArray(answer))
        for (const message of answer) this.#sendExtension(connection, message, out)
      else this.#violate(connection, answer, out)
    }
    switch (messageType) {
      case MembershipMessage.Have:
        reply(closed.answerHave(body))
        break
      case MembershipMessage.Want:
        reply(closed.answerWant(body))
        break
      case MembershipMessage.Operations: {
        const operations = closed.decodeOperations(body)
        if (Array.isArray(operations)) this.#storeBatch(operations, connection.id, out)
        else this.#violate(connection, operations, out)
        break
      }
      case MembershipMessage.JoinRequest: {
        const result = closed.onJoinRequest(connection.id, body)
        if ('violation' in result) this.#violate(connection, result.violation, out)
        else if ('respond' in result) this.#sendExtension(connection, result.respond, out)
        else {
          const { request, feed, signer, data } = result.ask
          out.push({ type: 'join-request', conn: connection.id, request, feed, signer, data })
        }
        break
      }
      case MembershipMessage.JoinResponse: {
        const violation = closed.onJoinResponse(connection.id, body)
        if (violation !== null) this.#violate(connection, violation, out)
        else this.#settleJoin(null, out)
        break
      }
    }
  }

  /**
   * One batch of operations (spec/membership.md 14.3 items 4 and 5): the senders of refused
   * operations fail first; then what was stored is persisted, sent on, and its changes applied.
   */
  #storeBatch(operations: Uint8Array[], source: OperationSource, out: CollectionAction[]): void {
    const closed = this.#closed!
    const batch = closed.receive(operations, source)
    for (const [conn, reason] of batch.offenders) {
      const offender = this.#connections.get(conn)
      if (offender !== undefined) {
        this.#violate(offender, { code: 'ERR_BAD_OPERATION', message: reason }, out)
      }
    }
    if (batch.stored.length > 0) {
      out.push({ type: 'store-operations', operations: batch.stored })
      const messages = closed.operationsMessages(batch.stored)
      for (const peer of this.#verifiedConnections()) {
        if (peer.id === source) continue
        for (const message of messages) this.#sendExtension(peer, message, out)
      }
    }
    if (batch.changes.length > 0) this.#membershipChanged(batch.changes, out)
    if (typeof source === 'number' && batch.missing.length > 0) {
      const from = this.#connections.get(source)
      if (from !== undefined) this.#sendExtension(from, closed.want(batch.missing), out)
    }
    this.#settleJoin(null, out)
  }

  /**
   * The resolution changed: the implementation is told, and every verified session learns the
   * new cuts, gets the feeds that became offerable and reconsiders those that became wanted.
   */
  #membershipChanged(changes: MembershipChange[], out: CollectionAction[]): void {
    out.push({ type: 'membership', changes })
    const feeds = this.#feeds
    const cuts: { key: Key; length: number | null }[] = []
    const offers: LocalFeed[] = []
    const wanted: Key[] = []
    for (const change of changes) {
      if (change.type !== 'writer') continue
      const length = change.member ? null : change.cut
      const id = feeds.find(change.feed)
      if (id !== NO_ID && feeds.isMember(id) && !feeds.isBlocked(id)) {
        cuts.push({ key: feeds.key(id), length })
        const offer = this.#offerOf(id)
        if (offer !== null) offers.push(offer)
      }
      if (length === null || length > 0) wanted.push(change.feed)
    }
    for (const peer of this.#verifiedConnections()) {
      for (const { key, length } of cuts) {
        if (this.#connections.has(peer.id)) this.#run(peer, { type: 'cut', key, length }, out)
      }
      if (offers.length > 0 && this.#connections.has(peer.id)) {
        this.#run(peer, { type: 'local-feeds', feeds: offers }, out)
      }
      if (wanted.length > 0 && this.#connections.has(peer.id)) {
        this.#run(peer, { type: 'reconsider', keys: wanted }, out)
      }
    }
  }

  /** Feeds that joined with a cut: every verified session learns it. */
  #tellCuts(ids: CollectionFeedId[], out: CollectionAction[]): void {
    const closed = this.#closed
    if (closed === null) return
    const cuts: { key: Key; length: number }[] = []
    for (const id of ids) {
      const key = this.#feeds.key(id)
      const length = closed.cutOf(key)
      if (length !== null) cuts.push({ key, length })
    }
    if (cuts.length === 0) return
    for (const peer of this.#verifiedConnections()) {
      for (const { key, length } of cuts) {
        if (this.#connections.has(peer.id)) this.#run(peer, { type: 'cut', key, length }, out)
      }
    }
  }

  #localOperation(operation: Uint8Array, out: CollectionAction[]): void {
    if (this.#closed === null) throw invalidState('not a closed multifeed')
    this.#storeBatch([operation], 'local', out)
  }

  #requestAuthorization(event: RequestAuthorizationEvent, out: CollectionAction[]): void {
    const closed = this.#closed
    if (closed === null) throw invalidState('not a closed multifeed')
    checkTime(event.now)
    checkKey(event.feed, 'feed')
    checkKey(event.signer, 'signer')
    checkBytes(event.proof, 'proof')
    if (event.proof.byteLength !== 64) throw invalidArgument('proof must be 64 bytes')
    const data = event.data ?? null
    checkOptionalBytes(data, this.#settings!.limits.maxEntryDataBytes, 'data')
    checkLength(event.timeout, 'timeout')
    closed.startJoin(
      { feed: event.feed, signer: event.signer, proof: event.proof, data },
      event.now + event.timeout,
    )
    this.#settleJoin(event.now, out)
    if (!closed.joining) return
    for (const peer of this.#verifiedConnections()) {
      const request = closed.joinRequestFor(peer.id)
      if (request !== null) this.#sendExtension(peer, request, out)
    }
  }

  #joinAnswer(event: JoinAnswerEvent, out: CollectionAction[]): void {
    const closed = this.#closed
    if (closed === null) throw invalidState('not a closed multifeed')
    checkConnectionId(event.conn)
    checkLength(event.request, 'request')
    const answer = JOIN_ANSWERS[event.answer]
    if (answer === undefined) throw invalidArgument('answer must be granted, denied or undecided')
    if (event.operation !== undefined) checkBytes(event.operation, 'operation')
    // The operation the application signed is stored whether or not the session still waits.
    if (answer === JoinAnswer.Granted && event.operation !== undefined) {
      this.#storeBatch([event.operation], 'local', out)
    }
    if (!closed.takeAsked(event.conn, event.request)) return
    const connection = this.#connections.get(event.conn)
    if (connection !== undefined) {
      this.#sendExtension(connection, closed.joinResponse(event.request, answer), out)
    }
  }

  /** Ends this peer's join request if it is decided (spec/membership.md 14.4). */
  #settleJoin(now: number | null, out: CollectionAction[]): void {
    const closed = this.#closed
    const feed = closed?.runningJoinFeed ?? null
    if (feed === null) return
    const result = closed!.settleJoin((conn) => this.#connections.has(conn), now)
    if (result !== null) out.push({ type: 'authorization', feed, result })
  }

  // ---- open and closed feeds ----

  /** Open while no connection uses it: it need not be. */
  #isIdle(id: CollectionFeedId): boolean {
    return this.#feeds.users(id) === 0 && this.#feeds.isOpen(id)
  }

  #closeIdle(ids: CollectionFeedId[], out: CollectionAction[]): void {
    if (ids.length === 0) return
    const keys: Key[] = []
    for (const id of ids) {
      this.#feeds.setOpen(id, false)
      keys.push(this.#feeds.key(id))
    }
    out.push({ type: 'close-feeds', keys })
  }

  /** A remote feed of a multifeed that is not sparse is fetched whole. */
  #downloads(id: CollectionFeedId): boolean {
    return !this.#settings!.sparse && !this.#feeds.isLocal(id)
  }
}

const JOIN_ANSWERS: Record<string, number | undefined> = {
  granted: JoinAnswer.Granted,
  denied: JoinAnswer.Denied,
  undecided: JoinAnswer.Undecided,
}

/** A closed multifeed's membership from the open event's `closed`. */
function openClosed(
  multifeedKey: Uint8Array,
  config: NonNullable<CollectionOpenEvent['closed']>,
  limits: Readonly<Limits>,
): ClosedMembership {
  if (config === null || typeof config !== 'object')
    throw invalidArgument('closed must be an object')
  checkKey(config.founder, 'closed.founder')
  if (config.self !== null) checkKey(config.self, 'closed.self')
  if (!Array.isArray(config.operations)) throw invalidArgument('closed.operations must be an array')
  for (const operation of config.operations) checkBytes(operation, 'closed.operations[]')
  return new ClosedMembership(multifeedKey, config, limits)
}

function otherRole(role: Role): Role {
  return role === 'initiator' ? 'responder' : 'initiator'
}

function checkConnectionId(conn: unknown): asserts conn is ConnectionId {
  if (typeof conn !== 'number' || !Number.isSafeInteger(conn)) {
    throw invalidArgument('conn must be a safe integer')
  }
}

function checkStoredFeed(feed: unknown, limits: Readonly<Limits>): void {
  if (feed === null || typeof feed !== 'object') throw invalidArgument('feed must be an object')
  const stored = feed as StoredFeed
  if (typeof stored.local !== 'boolean') throw invalidArgument('feed.local must be a boolean')
  // The session's rule for a feed it can offer (spec 8.1), checked before anything is applied.
  checkFeed({ key: stored.key, length: stored.length, data: stored.data ?? null }, limits)
  if (stored.known !== undefined) checkLength(stored.known, 'feed.known')
}

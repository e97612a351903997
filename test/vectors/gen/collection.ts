/**
 * Collection trace vectors (test/vectors/collection.json): scripted inputs RUN through the
 * reference Collection, recording the actions after every event. The remote end of each
 * connection is a real Session with the same multifeed key, so every message is genuine; only
 * the collection's own inputs and outputs are recorded. collection.test.ts checks that the
 * checked-in file equals this output and replays every trace step by step.
 */

import { capability, discoveryKey } from '../../../src/codec/capability.js'
import { decodeMessage, encodeMessage, messageTypeOf } from '../../../src/codec/channel-message.js'
import { DEFAULT_LIMITS, type Limits } from '../../../src/codec/constants.js'
import { DecodeError } from '../../../src/codec/errors.js'
import { decodeHandshake, encodeHandshake } from '../../../src/codec/handshake.js'
import type { ChannelMessage, Handshake, Key } from '../../../src/codec/messages.js'
import { membershipMessageToJson } from '../../../src/conformance/membership-message-form.js'
import { Collection } from '../../../src/state/collection.js'
import type {
  CollectionAction,
  CollectionEvent,
  CollectionOpenEvent,
  CollectionOptions,
  ConnectionId,
  StoredFeed,
} from '../../../src/state/collection-types.js'
import { fromHex, toHex } from '../../../src/state/hex.js'
import { encodeJoinRequest, signJoinProof } from '../../../src/state/membership/join.js'
import type { OperationBody } from '../../../src/state/membership/operation.js'
import type { MembershipChange } from '../../../src/state/membership/state.js'
import { MembershipState } from '../../../src/state/membership/state.js'
import { encodeOperationsMessages } from '../../../src/state/membership/sync.js'
import { encodeOutgoing } from '../../../src/state/outgoing.js'
import { Session } from '../../../src/state/session.js'
import type { ExtensionMessage, LocalFeed, Role, SessionAction } from '../../../src/state/types.js'
import { type MessageJson, messageToJson } from './json-form.js'
import { type TestKey, testKey } from './membership-ops.js'

export const COLLECTION_TRACE_SCHEMA = 'multifeed_collection_traces_v1'

/** Fixed identity for every trace (test values, never real keys). */
const MULTIFEED_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
/** A key of another multifeed (its capabilities never verify here). */
const STRANGER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i)

/** The handshake hash of connection `conn` (distinct per connection). */
const handshakeHashOf = (conn: ConnectionId): Uint8Array =>
  Uint8Array.from({ length: 64 }, (_, i) => (0xa0 + conn * 16) ^ i)

const key = (byte: number): Key => new Uint8Array(32).fill(byte)

/** Membership keys of the closed traces (Ed25519 from fixed seeds, as membership.json's). */
const FOUNDER = testKey('founder')
const _ADA = testKey('ada')
const MALLORY = testKey('mallory')
const A = key(0xa1)
const B = key(0xb2)
const L = key(0x1c) // a local writer
const M = key(0x2d) // another local writer
const X = key(0x99) // a feed no operation adds

// ---- JSON forms ----

export interface StoredFeedJson {
  key: string
  local: boolean
  length: number
  known: number
  data: string | null
}

export interface CollectionTraceConfig {
  now: number
  key: string
  client: string
  userData: string | null
  feeds: StoredFeedJson[]
  blocked: string[]
  limits?: Partial<Limits>
  sparse: boolean
  reofferInterval?: number
  reservedLocalFeeds?: number
  /** The minor every session speaks; absent: 0, as in the traces of 1.0. */
  minor?: number
  /** A closed multifeed: key is then the invitation's multifeed key (spec/membership.md 14.3). */
  closed?: { founder: string; self: string | null; operations: string[] }
  want: { onlyKeys: string[] } | null
  share: { onlyKeys: string[] } | null
}

type Decoded =
  | ReturnType<typeof membershipMessageToJson>
  | MessageJson
  | { decodeError: string }
  | null

export type CollectionEventJson =
  | { type: 'open' }
  | {
      type: 'connection-open'
      conn: number
      now: number
      role: Role
      handshakeHash: string
      userData?: string | null
    }
  | { type: 'remote-open'; conn: number; body: string; decoded: Decoded }
  | { type: 'message'; conn: number; messageType: number; body: string; decoded: Decoded }
  | { type: 'connection-closed'; conn: number; rejected: boolean }
  | { type: 'disconnect'; conn: number }
  | { type: 'add-local'; now: number; key: string; length: number; data: string | null }
  | { type: 'feeds-opened'; now: number; feeds: { key: string; length: number; known: number }[] }
  | { type: 'feed-length'; now: number; key: string; length: number; known: number }
  | { type: 'feed-truncate'; key: string; length: number }
  | { type: 'block' | 'unblock' | 'remove'; key: string }
  | { type: 'tick'; now: number }
  | { type: 'close' }
  | { type: 'local-operation'; operation: string }
  | {
      type: 'request-authorization'
      now: number
      feed: string
      signer: string
      proof: string
      data: string | null
      timeout: number
    }
  | {
      type: 'join-answer'
      conn: number
      request: number
      answer: 'granted' | 'denied' | 'undecided'
      operation?: string
    }

export type CollectionActionJson = Record<string, unknown> & { type: CollectionAction['type'] }

export type CollectionTraceStep =
  | { input: CollectionEventJson; expect: CollectionActionJson[] }
  | { input: CollectionEventJson; throws: string }

export interface CollectionTrace {
  id: string
  comment: string
  covers: string[]
  config: CollectionTraceConfig
  steps: CollectionTraceStep[]
}

const hexOrNull = (bytes: Uint8Array | null | undefined): string | null =>
  bytes === null || bytes === undefined ? null : toHex(bytes)
const bytesOrNull = (hex: string | null | undefined): Uint8Array | null =>
  hex === null || hex === undefined ? null : fromHex(hex)

function annotate(decode: () => Parameters<typeof messageToJson>[0] | null): Decoded {
  try {
    const decoded = decode()
    return decoded === null ? null : messageToJson(decoded)
  } catch (err) {
    if (err instanceof DecodeError) return { decodeError: err.code }
    throw err
  }
}

const GENEROUS: Partial<Limits> = { maxEntriesPerMessage: 1 << 20, maxMessageBytes: 1 << 24 }

export function collectionEventToJson(event: CollectionEvent): CollectionEventJson {
  switch (event.type) {
    case 'open':
      return { type: 'open' }
    case 'connection-open':
      return {
        type: 'connection-open',
        conn: event.conn,
        now: event.now,
        role: event.role,
        handshakeHash: toHex(event.handshakeHash),
        ...(event.userData === undefined ? {} : { userData: hexOrNull(event.userData) }),
      }
    case 'remote-open':
      return {
        type: 'remote-open',
        conn: event.conn,
        body: toHex(event.body),
        decoded: annotate(() => decodeHandshake(event.body, GENEROUS)),
      }
    case 'message':
      return {
        type: 'message',
        conn: event.conn,
        messageType: event.messageType,
        body: toHex(event.body),
        decoded:
          membershipMessageToJson(event.messageType, event.body) ??
          annotate(() => decodeMessage(event.messageType, event.body, GENEROUS)),
      }
    case 'connection-closed':
      return { type: 'connection-closed', conn: event.conn, rejected: event.rejected === true }
    case 'disconnect':
      return { type: 'disconnect', conn: event.conn }
    case 'add-local':
      return {
        type: 'add-local',
        now: event.now,
        key: toHex(event.key),
        length: event.length,
        data: hexOrNull(event.data),
      }
    case 'feeds-opened':
      return {
        type: 'feeds-opened',
        now: event.now,
        feeds: event.feeds.map((feed) => ({
          key: toHex(feed.key),
          length: feed.length,
          known: feed.known ?? feed.length,
        })),
      }
    case 'feed-length':
      return {
        type: 'feed-length',
        now: event.now,
        key: toHex(event.key),
        length: event.length,
        known: event.known ?? event.length,
      }
    case 'feed-truncate':
      return { type: 'feed-truncate', key: toHex(event.key), length: event.length }
    case 'block':
    case 'unblock':
    case 'remove':
      return { type: event.type, key: toHex(event.key) }
    case 'tick':
      return { type: 'tick', now: event.now }
    case 'close':
      return { type: 'close' }
    case 'local-operation':
      return { type: 'local-operation', operation: toHex(event.operation) }
    case 'request-authorization':
      return {
        type: 'request-authorization',
        now: event.now,
        feed: toHex(event.feed),
        signer: toHex(event.signer),
        proof: toHex(event.proof),
        data: hexOrNull(event.data),
        timeout: event.timeout,
      }
    case 'join-answer':
      return {
        type: 'join-answer',
        conn: event.conn,
        request: event.request,
        answer: event.answer,
        ...(event.operation === undefined ? {} : { operation: toHex(event.operation) }),
      }
  }
}

export function collectionEventFromJson(
  json: CollectionEventJson,
  config: CollectionTraceConfig,
): CollectionEvent {
  switch (json.type) {
    case 'open':
      return openEventOf(config)
    case 'connection-open':
      return {
        type: 'connection-open',
        conn: json.conn,
        now: json.now,
        role: json.role,
        handshakeHash: fromHex(json.handshakeHash),
        ...(json.userData === undefined ? {} : { userData: bytesOrNull(json.userData) }),
      }
    case 'remote-open':
      return { type: 'remote-open', conn: json.conn, body: fromHex(json.body) }
    case 'message':
      return {
        type: 'message',
        conn: json.conn,
        messageType: json.messageType,
        body: fromHex(json.body),
      }
    case 'connection-closed':
      return { type: 'connection-closed', conn: json.conn, rejected: json.rejected }
    case 'disconnect':
      return { type: 'disconnect', conn: json.conn }
    case 'add-local':
      return {
        type: 'add-local',
        now: json.now,
        key: fromHex(json.key),
        length: json.length,
        data: bytesOrNull(json.data),
      }
    case 'feeds-opened':
      return {
        type: 'feeds-opened',
        now: json.now,
        feeds: json.feeds.map((feed) => ({
          key: fromHex(feed.key),
          length: feed.length,
          known: feed.known,
        })),
      }
    case 'feed-length':
      return {
        type: 'feed-length',
        now: json.now,
        key: fromHex(json.key),
        length: json.length,
        known: json.known,
      }
    case 'feed-truncate':
      return { type: 'feed-truncate', key: fromHex(json.key), length: json.length }
    case 'block':
    case 'unblock':
    case 'remove':
      return { type: json.type, key: fromHex(json.key) }
    case 'tick':
      return { type: 'tick', now: json.now }
    case 'close':
      return { type: 'close' }
    case 'local-operation':
      return { type: 'local-operation', operation: fromHex(json.operation) }
    case 'request-authorization':
      return {
        type: 'request-authorization',
        now: json.now,
        feed: fromHex(json.feed),
        signer: fromHex(json.signer),
        proof: fromHex(json.proof),
        data: bytesOrNull(json.data),
        timeout: json.timeout,
      }
    case 'join-answer':
      return {
        type: 'join-answer',
        conn: json.conn,
        request: json.request,
        answer: json.answer,
        ...(json.operation === undefined ? {} : { operation: fromHex(json.operation) }),
      }
  }
}

function messageJson(message: Handshake | ChannelMessage | ExtensionMessage) {
  if (message.type === 'extension') {
    return {
      messageType: message.messageType,
      message: membershipMessageToJson(message.messageType, message.body),
      body: toHex(message.body),
    }
  }
  if (message.type === 'handshake') {
    return {
      messageType: null,
      message: messageToJson(message),
      body: toHex(encodeHandshake(message)),
    }
  }
  return {
    messageType: messageTypeOf(message),
    message: messageToJson(message),
    body: toHex(encodeMessage(message, GENEROUS)),
  }
}

export function collectionActionToJson(action: CollectionAction): CollectionActionJson {
  switch (action.type) {
    case 'send':
      return { type: 'send', conn: action.conn, ...messageJson(action.message) }
    case 'timer':
      return { type: 'timer', at: action.at }
    case 'remote-handshake':
      return {
        type: 'remote-handshake',
        conn: action.conn,
        major: action.major,
        minor: action.minor,
        client: action.client,
        userData: hexOrNull(action.userData),
      }
    case 'add-feeds':
      return {
        type: 'add-feeds',
        feeds: action.feeds.map((entry) => ({
          key: toHex(entry.key),
          length: entry.length,
          data: hexOrNull(entry.data),
        })),
      }
    case 'open-feeds':
      return {
        type: 'open-feeds',
        feeds: action.feeds.map((feed) => ({ key: toHex(feed.key), download: feed.download })),
      }
    case 'close-feeds':
      return { type: 'close-feeds', keys: action.keys.map(toHex) }
    case 'attach':
    case 'detach':
    case 'remote-feeds':
      return { type: action.type, conn: action.conn, keys: action.keys.map(toHex) }
    case 'synced':
      return { type: 'synced', conn: action.conn }
    case 'fail':
      return { ...action }
    case 'closed':
      return { type: 'closed', conn: action.conn, by: action.by, reopen: action.reopen }
    case 'store-operations':
      return { type: 'store-operations', operations: action.operations.map(toHex) }
    case 'membership':
      return { type: 'membership', changes: action.changes.map(changeToJson) }
    case 'join-request':
      return {
        type: 'join-request',
        conn: action.conn,
        request: action.request,
        feed: toHex(action.feed),
        signer: toHex(action.signer),
        data: hexOrNull(action.data),
      }
    case 'authorization':
      return { type: 'authorization', feed: toHex(action.feed), result: action.result }
  }
}

function changeToJson(change: MembershipChange) {
  return change.type === 'writer'
    ? { type: 'writer', feed: toHex(change.feed), member: change.member, cut: change.cut }
    : { type: 'admin', key: toHex(change.key), admin: change.admin }
}

export function openEventOf(config: CollectionTraceConfig): CollectionOpenEvent {
  return {
    type: 'open',
    now: config.now,
    key: fromHex(config.key),
    client: config.client,
    userData: bytesOrNull(config.userData),
    feeds: config.feeds.map(
      (feed): StoredFeed => ({
        key: fromHex(feed.key),
        local: feed.local,
        length: feed.length,
        known: feed.known,
        data: bytesOrNull(feed.data),
      }),
    ),
    blocked: config.blocked.map(fromHex),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    sparse: config.sparse,
    ...(config.reofferInterval === undefined ? {} : { reofferInterval: config.reofferInterval }),
    ...(config.reservedLocalFeeds === undefined
      ? {}
      : { reservedLocalFeeds: config.reservedLocalFeeds }),
    // A trace without `minor` was written for 1.0: its sessions speak minor 0.
    minor: config.minor ?? 0,
    ...(config.closed === undefined
      ? {}
      : {
          closed: {
            founder: fromHex(config.closed.founder),
            self: bytesOrNull(config.closed.self),
            operations: config.closed.operations.map(fromHex),
          },
        }),
  }
}

function policyOf(json: { onlyKeys: string[] } | null) {
  if (json === null) return undefined
  const allowed = new Set(json.onlyKeys)
  return (feed: { key: Uint8Array }) => allowed.has(toHex(feed.key))
}

export function collectionOptionsOf(config: CollectionTraceConfig): CollectionOptions {
  const want = policyOf(config.want)
  const share = policyOf(config.share)
  return { ...(want ? { want } : {}), ...(share ? { share } : {}) }
}

// ---- the script DSL ----

interface Setup {
  now?: number
  feeds?: StoredFeed[]
  blocked?: Key[]
  limits?: Partial<Limits>
  sparse?: boolean
  reofferInterval?: number
  reservedLocalFeeds?: number
  want?: Key[]
  share?: Key[]
  userData?: Uint8Array | null
  minor?: number
  /** A closed multifeed of the fixed invitation (MULTIFEED_KEY, FOUNDER). */
  closed?: { self: TestKey | null; operations: Uint8Array[] }
}

interface RemoteOptions {
  /** The remote's feeds (it offers them once it verified us). */
  feeds?: LocalFeed[]
  /** The remote knows another multifeed key (it fails our capability, we fail its). */
  stranger?: boolean
  /** Our role on this connection (the remote has the other). */
  role?: Role
  /** The minor the remote speaks (default: the trace's). */
  minor?: number
  /** The key the remote proves (default: ours; the closed key in a closed trace). */
  identity?: Uint8Array
}

interface ClosedRemoteOptions {
  /** The remote's membership key (an admin or not), and what it stored. */
  self: TestKey | null
  operations: Uint8Array[]
  /** Feeds of its collection (it offers the members among them). */
  feeds?: StoredFeed[]
  role?: Role
}

/**
 * The remote end of one connection: what it sends waits in `inbox` for deliver(). `receive`
 * hands it what we sent.
 */
interface RemoteEnd {
  receive(messageType: number | null, body: Uint8Array): void
  inbox: CollectionEvent[]
  /** A closed remote's collection (its own connection to us is REMOTE_CONN). */
  collection?: Collection
  /** A session remote: a local event of its own (a new feed, its close). */
  local?(event: Parameters<Session['handle']>[0]): void
}

/** The connection id a remote collection gives its connection to us. */
const REMOTE_CONN = 1

class CollectionScript {
  readonly steps: CollectionTraceStep[] = []
  readonly config: CollectionTraceConfig
  readonly #collection: Collection
  readonly #remotes = new Map<ConnectionId, RemoteEnd>()
  now: number

  constructor(setup: Setup) {
    this.now = setup.now ?? 0
    this.config = {
      now: this.now,
      key: toHex(MULTIFEED_KEY),
      client: 'multifeed',
      userData: hexOrNull(setup.userData ?? null),
      feeds: (setup.feeds ?? []).map((feed) => ({
        key: toHex(feed.key),
        local: feed.local,
        length: feed.length,
        known: feed.known ?? feed.length,
        data: hexOrNull(feed.data ?? null),
      })),
      blocked: (setup.blocked ?? []).map(toHex),
      ...(setup.limits ? { limits: setup.limits } : {}),
      sparse: setup.sparse === true,
      ...(setup.reofferInterval === undefined ? {} : { reofferInterval: setup.reofferInterval }),
      ...(setup.reservedLocalFeeds === undefined
        ? {}
        : { reservedLocalFeeds: setup.reservedLocalFeeds }),
      ...(setup.minor === undefined ? {} : { minor: setup.minor }),
      ...(setup.closed === undefined
        ? {}
        : {
            closed: {
              founder: FOUNDER.publicKey,
              self: setup.closed.self === null ? null : setup.closed.self.publicKey,
              operations: setup.closed.operations.map(toHex),
            },
          }),
      want: setup.want ? { onlyKeys: setup.want.map(toHex) } : null,
      share: setup.share ? { onlyKeys: setup.share.map(toHex) } : null,
    }
    this.#collection = new Collection(collectionOptionsOf(this.config))
  }

  /** Our collection's membership state (closed traces), to sign with. */
  get membership() {
    return this.#collection.membership!
  }

  get closedKey(): Uint8Array {
    return this.#collection.closedKey!
  }

  #step(event: CollectionEvent): this {
    const input = collectionEventToJson(event)
    let actions: CollectionAction[]
    try {
      actions = this.#collection.handle(event)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === undefined) throw err
      this.steps.push({ input, throws: code })
      return this
    }
    this.steps.push({ input, expect: actions.map(collectionActionToJson) })
    // Our messages reach the remote ends at once; their answers wait for deliver().
    for (const action of actions) {
      if (action.type !== 'send') continue
      const { messageType, body } = encodeOutgoing(action.message)
      this.#remotes.get(action.conn)?.receive(messageType, body)
    }
    return this
  }

  open(): this {
    return this.#step(openEventOf(this.config))
  }

  /** A connection whose remote runs a session with the given feeds (its messages wait). */
  connect(conn: ConnectionId, options: RemoteOptions = {}): this {
    const role = options.role ?? 'initiator'
    const remoteRole: Role = role === 'initiator' ? 'responder' : 'initiator'
    const hash = handshakeHashOf(conn)
    const identity = options.identity ?? this.#collection.closedKey ?? MULTIFEED_KEY
    const remoteKey = options.stranger ? STRANGER_KEY : identity
    const session = new Session()
    const inbox: CollectionEvent[] = []
    const queue = (actions: SessionAction[]) => {
      for (const action of actions) {
        if (action.type !== 'send') continue
        const { messageType, body } = encodeOutgoing(action.message)
        inbox.push(
          messageType === null
            ? { type: 'remote-open', conn, body }
            : { type: 'message', conn, messageType, body },
        )
      }
    }
    this.#remotes.set(conn, {
      inbox,
      local: (event) => queue(session.handle(event)),
      receive(messageType, body) {
        queue(
          session.handle(
            messageType === null
              ? { type: 'remote-open', body }
              : { type: 'message', messageType, body },
          ),
        )
      },
    })
    queue(
      session.handle({
        type: 'open',
        now: this.now,
        role: remoteRole,
        client: 'multifeed',
        userData: null,
        localCapability: capability(remoteKey, hash, remoteRole),
        remoteCapability: capability(remoteKey, hash, role),
        feeds: options.feeds ?? [],
        blocked: [],
        minor: options.minor ?? this.config.minor ?? 0,
      }),
    )
    return this.#step({ type: 'connection-open', conn, now: this.now, role, handshakeHash: hash })
  }

  /**
   * A connection whose remote is a closed multifeed's collection of its own (the same
   * invitation): it exchanges operations and join requests as a peer does. Only our side is
   * recorded.
   */
  connectClosed(conn: ConnectionId, options: ClosedRemoteOptions): this {
    const role = options.role ?? 'initiator'
    const remoteRole: Role = role === 'initiator' ? 'responder' : 'initiator'
    const hash = handshakeHashOf(conn)
    const peer = new Collection()
    const inbox: CollectionEvent[] = []
    const queue = (actions: CollectionAction[]) => {
      for (const action of actions) {
        if (action.type !== 'send' || action.conn !== REMOTE_CONN) continue
        const { messageType, body } = encodeOutgoing(action.message)
        inbox.push(
          messageType === null
            ? { type: 'remote-open', conn, body }
            : { type: 'message', conn, messageType, body },
        )
      }
    }
    this.#remotes.set(conn, {
      inbox,
      collection: peer,
      receive(messageType, body) {
        queue(
          peer.handle(
            messageType === null
              ? { type: 'remote-open', conn: REMOTE_CONN, body }
              : { type: 'message', conn: REMOTE_CONN, messageType, body },
          ),
        )
      },
    })
    peer.handle({
      type: 'open',
      now: this.now,
      key: MULTIFEED_KEY,
      client: 'multifeed',
      userData: null,
      feeds: options.feeds ?? [],
      blocked: [],
      closed: {
        founder: fromHex(FOUNDER.publicKey),
        self: options.self === null ? null : fromHex(options.self.publicKey),
        operations: options.operations,
      },
    })
    queue(
      peer.handle({
        type: 'connection-open',
        conn: REMOTE_CONN,
        now: this.now,
        role: remoteRole,
        handshakeHash: hash,
      }),
    )
    return this.#step({ type: 'connection-open', conn, now: this.now, role, handshakeHash: hash })
  }

  /** Something happens at a closed remote (an operation it signs, its answer to a request). */
  atRemote(conn: ConnectionId, event: CollectionEvent): this {
    const remote = this.#remotes.get(conn)!
    const actions = remote.collection!.handle(event)
    for (const action of actions) {
      if (action.type !== 'send' || action.conn !== REMOTE_CONN) continue
      const { messageType, body } = encodeOutgoing(action.message)
      remote.inbox.push(
        messageType === null
          ? { type: 'remote-open', conn, body }
          : { type: 'message', conn, messageType, body },
      )
    }
    return this
  }

  /** A session remote sends a message of minor 1 (crafted by the script). */
  remoteExtension(conn: ConnectionId, messageType: number, body: Uint8Array): this {
    this.#remoteSession(conn, { type: 'send-extension', messageType, body })
    return this
  }

  /** A closed remote's collection (to sign with its membership). */
  remoteCollection(conn: ConnectionId): Collection {
    return this.#remotes.get(conn)!.collection!
  }

  /** A connection whose remote never says anything (it knows only the discovery key). */
  connectSilent(conn: ConnectionId, role: Role = 'initiator'): this {
    return this.#step({
      type: 'connection-open',
      conn,
      now: this.now,
      role,
      handshakeHash: handshakeHashOf(conn),
    })
  }

  /** Delivers the remote's waiting messages on `conn` (all, or the first `count`), one step each. */
  deliver(conn: ConnectionId, count = Number.POSITIVE_INFINITY): this {
    const remote = this.#remotes.get(conn)!
    for (let i = 0; i < count && remote.inbox.length > 0; i++) this.#step(remote.inbox.shift()!)
    return this
  }

  /** Any event of ours (closed multifeeds: local operations, join requests and answers). */
  event(event: CollectionEvent): this {
    return this.#step(event)
  }
  /** The remote learns a new local feed (its session offers it when it is verified). */
  remoteFeed(conn: ConnectionId, feed: LocalFeed): this {
    this.#remoteSession(conn, { type: 'local-feed', feed })
    return this
  }

  /** The remote closes its session normally (its Close waits for deliver()). */
  remoteClose(conn: ConnectionId): this {
    this.#remoteSession(conn, { type: 'close' })
    return this
  }

  #remoteSession(conn: ConnectionId, event: Parameters<Session['handle']>[0]): void {
    this.#remotes.get(conn)!.local!(event)
  }

  carrierClosed(conn: ConnectionId, rejected = false): this {
    return this.#step({ type: 'connection-closed', conn, rejected })
  }

  disconnect(conn: ConnectionId): this {
    return this.#step({ type: 'disconnect', conn })
  }

  addLocal(k: Key, length: number): this {
    return this.#step({ type: 'add-local', now: this.now, key: k, length, data: null })
  }

  opened(...feeds: [Key, number, number?][]): this {
    return this.#step({
      type: 'feeds-opened',
      now: this.now,
      feeds: feeds.map(([k, length, known]) => ({ key: k, length, known: known ?? length })),
    })
  }

  length(k: Key, length: number, known?: number): this {
    return this.#step({
      type: 'feed-length',
      now: this.now,
      key: k,
      length,
      known: known ?? length,
    })
  }

  truncate(k: Key, length: number): this {
    return this.#step({ type: 'feed-truncate', key: k, length })
  }

  block(k: Key): this {
    return this.#step({ type: 'block', key: k })
  }

  unblock(k: Key): this {
    return this.#step({ type: 'unblock', key: k })
  }

  remove(k: Key): this {
    return this.#step({ type: 'remove', key: k })
  }

  at(now: number): this {
    this.now = now
    return this
  }

  tick(now: number): this {
    this.now = now
    return this.#step({ type: 'tick', now })
  }

  close(): this {
    return this.#step({ type: 'close' })
  }
}

interface Definition {
  id: string
  comment: string
  covers: string[]
  setup: Setup
  script: (s: CollectionScript) => void
}

const local = (k: Key, length: number): StoredFeed => ({ key: k, local: true, length })
const remoteFeed = (k: Key, length: number, known?: number): StoredFeed => ({
  key: k,
  local: false,
  length,
  ...(known === undefined ? {} : { known }),
})
const offer = (k: Key, length: number): LocalFeed => ({ key: k, length, data: null })

// ---- closed multifeeds (spec/membership.md 14.3, 14.4) ----

/** A history of operations of the fixed invitation, signed in order (each on the heads). */
class History {
  readonly state = new MembershipState({
    founder: fromHex(FOUNDER.publicKey),
    discoveryKey: discoveryKey(MULTIFEED_KEY),
  })
  readonly genesis: Uint8Array

  constructor() {
    this.genesis = this.state.signGenesis(FOUNDER.keyPair)
    this.state.receive([this.genesis])
  }

  /** Signs `body` with `by` on the current heads, stores it, returns its bytes. */
  sign(body: Exclude<OperationBody, { type: 'genesis' }>, by: TestKey = FOUNDER): Uint8Array {
    const bytes = this.state.sign(body, by.keyPair)
    this.state.receive([bytes])
    return bytes
  }
}

const addWriter = (feed: Key) => ({ type: 'add-writer' as const, feed })
const removeWriter = (feed: Key, cut: number) => ({ type: 'remove-writer' as const, feed, cut })
const _grantAdmin = (admin: TestKey) => ({
  type: 'grant-admin' as const,
  admin: fromHex(admin.publicKey),
})

/** A writer's signing key for join requests (its feed key is the fixed L). */
const WRITER = testKey('writer L')

function joinRequestBody(closedKey: Uint8Array, request: number, forged = false): Uint8Array {
  const proof = signJoinProof(discoveryKey(closedKey), forged ? M : L, WRITER.keyPair)
  return encodeJoinRequest(
    { request, feed: L, signer: fromHex(WRITER.publicKey), proof, data: null },
    DEFAULT_LIMITS,
  )
}

function operationsBody(operations: Uint8Array[]): Uint8Array {
  return encodeOperationsMessages(operations)[0]!
}

/** The scripted traces. Comments name the rule or trap each one checks. */
const DEFINITIONS: Definition[] = [
  {
    id: 'open-opens-nothing',
    comment:
      'At open nothing is opened, local writers included: a member opens when a connection replicates it.',
    covers: ['collection 7'],
    setup: { feeds: [local(L, 2), remoteFeed(A, 3), local(M, 1)], blocked: [M] },
    script: (s) => s.open(),
  },
  {
    id: 'attach-after-agreement',
    comment:
      'One connection: nothing is opened or attached before the remote is verified; our writer is opened (download false) when the remote requests it and we answer, the remote feed it offers is opened (download true) when its Replicate comes; each is attached only when feeds-opened reports it, and remote-feeds and synced wait for that attach.',
    covers: ['collection 4.1', 'collection 6.1', 'collection 6.2', 'collection 7'],
    setup: { feeds: [local(L, 2)] },
    script: (s) =>
      s
        .open()
        .connect(1, { feeds: [offer(A, 5)] })
        .deliver(1)
        .deliver(1)
        .opened([L, 2], [A, 0])
        .length(A, 5),
  },
  {
    id: 'propagation-to-other-connections',
    comment:
      'Two verified connections: a feed accepted on connection 1 joins the members (add-feeds) and, after connection 1 actions, is offered on connection 2 in one Manifest; a connection not verified yet gets nothing and starts from the view when it is.',
    covers: ['collection 4.2', 'collection 4.3', 'spec 7.5'],
    setup: {},
    script: (s) =>
      s
        .open()
        .connect(1, { feeds: [offer(A, 1)] })
        .connect(2)
        .connect(3)
        .deliver(2)
        .deliver(1, 2)
        .deliver(1)
        .deliver(2)
        .deliver(3),
  },
  {
    id: 'keyless-connection',
    comment:
      'A silent connection and a connection of another multifeed: neither is attached anything nor offered anything; the stranger fails with ERR_BAD_CAPABILITY, the silent one times out; one timer serves both deadlines.',
    covers: ['collection 4.1', 'collection 6.1', 'collection 8.3', 'ERR_BAD_CAPABILITY'],
    setup: { feeds: [local(L, 4)], limits: { handshakeTimeout: 1000 } },
    script: (s) =>
      s
        .open()
        .connectSilent(1)
        .at(400)
        .connect(2, { stranger: true })
        .deliver(2)
        .tick(999)
        .tick(1000),
  },
  {
    id: 'rejected-and-left',
    comment:
      'A session the remote refused unopened fails with ERR_CHANNEL_REJECTED (no wire number) and welcomes a reopen; a remote that leaves normally ends with reopen true; our own disconnect sends Close{0}, detaches and ends with reopen false.',
    covers: ['collection 4.4'],
    setup: { feeds: [local(L, 1)] },
    script: (s) =>
      s
        .open()
        .connectSilent(1)
        .carrierClosed(1, true)
        .connect(2)
        .deliver(2)
        .opened([L, 1])
        .remoteClose(2)
        .deliver(2)
        .connect(3)
        .deliver(3)
        .opened([L, 1])
        .disconnect(3),
  },
  {
    id: 'room-shared-by-connections',
    comment:
      'maxFeeds 2, reservedLocalFeeds 1: two connections offer A; its room is reserved once; B then has no room on either connection (1 member slot kept for a local writer) and is not requested; the local writer still fits; a second one is refused with ERR_COLLECTION_FULL.',
    covers: ['collection 5', 'spec 7.6'],
    setup: { limits: { maxFeeds: 2 }, reservedLocalFeeds: 1 },
    script: (s) =>
      s
        .open()
        .connect(1, { feeds: [offer(A, 1), offer(B, 1)] })
        .connect(2, { feeds: [offer(A, 1)] })
        .deliver(1, 1)
        .deliver(2, 1)
        .deliver(1, 1)
        .deliver(2, 1)
        .addLocal(L, 0)
        .addLocal(M, 0)
        .deliver(1)
        .deliver(2),
  },
  {
    id: 'block-unblock-remove',
    comment:
      'Blocking an attached feed detaches it on every connection and closes it; a local writer for a blocked key is refused (ERR_BLOCKED); after unblock a new connection carries it again; remove closes it and takes it out of the collection.',
    covers: ['collection 8.1', 'collection 6.1', 'collection 7'],
    setup: {},
    script: (s) =>
      s
        .open()
        .connect(1, { feeds: [offer(A, 2)] })
        .deliver(1)
        .opened([A, 0])
        .block(A)
        .addLocal(A, 0)
        .unblock(A)
        .connect(2, { feeds: [offer(A, 2)] })
        .deliver(2)
        .opened([A, 0])
        .remove(A),
  },
  {
    id: 'growth-paced',
    comment:
      'reofferInterval 100: the first growth after a quiet period is re-offered at once; growth within the interval asks for a tick at the next re-offer time (timer 110) and goes out then as one Manifest at the current length (4), not once per growth.',
    covers: ['collection 8.2', 'collection 8.3', 'spec 7.5'],
    setup: { feeds: [local(L, 1)], reofferInterval: 100 },
    script: (s) =>
      s
        .open()
        .connect(1)
        .deliver(1)
        .opened([L, 1])
        .at(10)
        .length(L, 2)
        .at(20)
        .length(L, 3)
        .at(50)
        .length(L, 4)
        .deliver(1)
        .tick(110)
        .deliver(1),
  },
  {
    id: 'fork-reaches-every-session',
    comment:
      'Our writer forks (truncated from 3 to 1): both verified sessions receive local-truncate, so the next growth (to 2, below the 3 offered before) is re-offered on each connection.',
    covers: ['collection 8.2', 'spec 9.3'],
    setup: { feeds: [local(L, 3)], reofferInterval: 0 },
    script: (s) => s.open().connect(1).connect(2).deliver(1).deliver(2).truncate(L, 1).length(L, 2),
  },
  {
    id: 'sparse-synced-by-known-length',
    comment:
      'A sparse collection: remote feeds are opened without download, and synced compares the known length, not the blocks held.',
    covers: ['collection 8.2', 'collection 7', 'spec 9.2'],
    setup: { sparse: true },
    script: (s) =>
      s
        .open()
        .connect(1, { feeds: [offer(A, 3)] })
        .deliver(1)
        .opened([A, 0, 0])
        .length(A, 0, 3),
  },
  {
    id: 'close-every-session',
    comment:
      'close: every session sends Close{0}, detaches its feeds and ends; then every event is ignored.',
    covers: ['collection 8.4'],
    setup: { feeds: [local(L, 1)] },
    script: (s) =>
      s.open().connect(1).connect(2).deliver(1).deliver(2).opened([L, 1]).close().tick(50),
  },
  ...closedDefinitions(),
]

function closedDefinitions(): Definition[] {
  const h = new History()
  const addA = h.sign(addWriter(A))
  const addB = h.sign(addWriter(B))
  const stored = [h.genesis, addA]
  const closed = { minor: 1 }
  return [
    {
      id: 'closed-members-only',
      comment:
        'A closed multifeed: the sessions prove the closed key and speak 1.1. After the initial batch each side sends a Have; the remote sends the operation we lack (add B), which is stored (store-operations), reported (membership) and makes B wanted: its earlier offer is requested now (reconsider). A member offered before its add waits; a feed no operation adds (X) is never requested, whoever offers it.',
      covers: ['membership 14.3', 'membership 12.2', 'spec 7.6'],
      setup: { ...closed, closed: { self: null, operations: stored } },
      script: (s) =>
        s
          .open()
          .connectClosed(1, {
            self: FOUNDER,
            operations: [h.genesis, addA, addB],
            feeds: [
              { key: A, local: true, length: 3 },
              { key: B, local: true, length: 2 },
            ],
          })
          .connect(2, { feeds: [offer(X, 5), offer(A, 3)] })
          .deliver(1)
          .deliver(2)
          .deliver(1),
    },
    {
      id: 'closed-refuses-1.0-and-open-keys',
      comment:
        'A closed multifeed cannot be downgraded: a 1.0 peer that knows the closed key passes the capability but fails with ERR_MINOR_REQUIRED before anything is offered; a peer with only the multifeed key (the open multifeed of the same key) fails the capability.',
      covers: ['membership 11', 'membership 14.1', 'ERR_MINOR_REQUIRED', 'ERR_BAD_CAPABILITY'],
      setup: {
        ...closed,
        closed: { self: null, operations: stored },
        feeds: [{ key: A, local: false, length: 3 }],
      },
      script: (s) =>
        s
          .open()
          .connect(1, { minor: 0 })
          .connect(2, { identity: MULTIFEED_KEY })
          .deliver(1)
          .deliver(2),
    },
    {
      id: 'closed-relay',
      comment:
        'A relay that is not a member (no admin key) stores, checks and passes operations on: an add that connection 1 sends reaches connection 2, and an operation signed later at connection 1 too, never sent back where it came from (A - relay - C, A and C never connected).',
      covers: ['membership 12.3', 'membership 12.4', 'membership 14.3'],
      setup: { ...closed, closed: { self: null, operations: [h.genesis] } },
      script: (s) => {
        s.open()
          .connectClosed(1, { self: FOUNDER, operations: [h.genesis, addA] })
          .connectClosed(2, { self: null, operations: [h.genesis] })
          .deliver(2)
          .deliver(1)
          .deliver(2)
        const remote = s.remoteCollection(1).membership!
        s.atRemote(1, {
          type: 'local-operation',
          operation: remote.sign(addWriter(B), FOUNDER.keyPair),
        }).deliver(1)
      },
    },
    {
      id: 'closed-bad-operations',
      comment:
        'Hostile operations fail the session that sent them with ERR_BAD_OPERATION (wire 11) and change nothing stored: a forged signature (valid operations of the same message are stored); an operation by a key that is not an admin; a body that does not decode is ERR_MALFORMED_MESSAGE with its decode code.',
      covers: ['membership 14.5', 'ERR_BAD_OPERATION', 'ERR_MALFORMED_MESSAGE'],
      setup: { ...closed, closed: { self: null, operations: [h.genesis] } },
      script: (s) => {
        const forged = Uint8Array.from(addB)
        forged[forged.length - 1]! ^= 1
        const notAdmin = new History()
        const byMallory = notAdmin.state.sign(addWriter(X), MALLORY.keyPair)
        s.open()
          .connect(1)
          .connect(2)
          .connect(3)
          .deliver(1)
          .deliver(2)
          .deliver(3)
          .remoteExtension(1, 5, operationsBody([addA, forged]))
          .deliver(1)
          .remoteExtension(2, 5, operationsBody([byMallory]))
          .deliver(2)
          .remoteExtension(3, 5, Uint8Array.of(0, 1, 0xfd))
          .deliver(3)
      },
    },
    {
      id: 'closed-removal-cut',
      comment:
        'A removed writer keeps the blocks below its cut: when the remove (cut 4) arrives, every session learns the cut; synced compares min(advertised, cut), so holding 4 of the 8 advertised blocks is synced, and A is offered at most at 4.',
      covers: ['membership 10', 'membership 14.3', 'spec 9.2'],
      setup: { ...closed, closed: { self: null, operations: stored } },
      script: (s) => {
        s.open()
          .connectClosed(1, {
            self: FOUNDER,
            operations: stored,
            feeds: [{ key: A, local: true, length: 8 }],
          })
          .deliver(1)
          .opened([A, 0])
          .length(A, 4)
        const remote = s.remoteCollection(1).membership!
        s.atRemote(1, {
          type: 'local-operation',
          operation: remote.sign(removeWriter(A, 4), FOUNDER.keyPair),
        })
          .deliver(1)
          .connect(2)
          .deliver(2)
      },
    },
    {
      id: 'closed-join-granted',
      comment:
        'Asking to join (spec/membership.md 14.4): our writer L is not a member, so it is not offered; the request goes out on the session when it is verified; the admin grants it, its add-writer arrives before its JoinResponse, L becomes a member (the cut lifted, L offered) and the request ends granted.',
      covers: ['membership 14.4', 'membership 14.3'],
      setup: {
        ...closed,
        closed: { self: null, operations: [h.genesis] },
        feeds: [{ key: L, local: true, length: 2 }],
      },
      script: (s) => {
        s.open()
        s.event({
          type: 'request-authorization',
          now: 0,
          feed: L,
          signer: fromHex(WRITER.publicKey),
          proof: signJoinProof(discoveryKey(s.closedKey), L, WRITER.keyPair),
          data: null,
          timeout: 5000,
        })
          .connectClosed(1, { self: FOUNDER, operations: [h.genesis] })
          .deliver(1)
        const remote = s.remoteCollection(1).membership!
        s.atRemote(1, {
          type: 'join-answer',
          conn: REMOTE_CONN,
          request: 0,
          answer: 'granted',
          operation: remote.sign(addWriter(L), FOUNDER.keyPair),
        }).deliver(1)
      },
    },
    {
      id: 'closed-join-denied-and-timeout',
      comment:
        'A request asked of two sessions: a non-admin answers undecided at once, the admin denies: every session answered, one denied, so it ends denied before its deadline. A second request answered by nobody ends at its deadline (a tick), timed out; the deadline is on the collection timer.',
      covers: ['membership 14.4', 'collection 8.3'],
      setup: {
        ...closed,
        closed: { self: null, operations: [h.genesis] },
        feeds: [{ key: L, local: true, length: 2 }],
      },
      script: (s) => {
        const request = (now: number) =>
          s.event({
            type: 'request-authorization',
            now,
            feed: L,
            signer: fromHex(WRITER.publicKey),
            proof: signJoinProof(discoveryKey(s.closedKey), L, WRITER.keyPair),
            data: null,
            timeout: 1000,
          })
        s.open()
          .connectClosed(1, { self: FOUNDER, operations: [h.genesis] })
          .connectClosed(2, { self: null, operations: [h.genesis] })
          .deliver(1)
          .deliver(2)
        request(0)
          .deliver(2)
          .atRemote(1, { type: 'join-answer', conn: REMOTE_CONN, request: 0, answer: 'denied' })
          .deliver(1)
        request(100).tick(1100)
      },
    },
    {
      id: 'closed-join-answered',
      comment:
        'This peer is the founder, an admin. A request whose proof is not the signer key over this multifeed and feed is answered undecided at once; one with a valid proof is put to the application (join-request); granted, the add-writer it signed is stored and sent before the JoinResponse. A request for a feed that is a member already is answered granted at once.',
      covers: ['membership 14.4'],
      setup: { ...closed, closed: { self: FOUNDER, operations: [h.genesis] } },
      script: (s) => {
        s.open().connect(1).deliver(1)
        s.remoteExtension(1, 7, joinRequestBody(s.closedKey, 2, true))
          .deliver(1)
          .remoteExtension(1, 7, joinRequestBody(s.closedKey, 3))
          .deliver(1)
          .event({
            type: 'join-answer',
            conn: 1,
            request: 3,
            answer: 'granted',
            operation: s.membership.sign(addWriter(L), FOUNDER.keyPair),
          })
          .remoteExtension(1, 7, joinRequestBody(s.closedKey, 4))
          .deliver(1)
      },
    },
  ]
}

/** Runs every scripted trace through a fresh collection and returns the vector file content. */
export function buildCollectionTraceVectors() {
  const traces: CollectionTrace[] = DEFINITIONS.map((definition) => {
    const script = new CollectionScript(definition.setup)
    definition.script(script)
    return {
      id: definition.id,
      comment: definition.comment,
      covers: definition.covers,
      config: script.config,
      steps: script.steps,
    }
  })
  return {
    schema: COLLECTION_TRACE_SCHEMA,
    version: '1.1',
    notes: {
      replay:
        'For each trace: create a collection with config (want/share null = default policies; otherwise only the listed keys pass), feed each step input in order and compare the actions with expect (or the thrown usage error code with throws).',
      forms:
        'Events and actions have the JSON forms of traces.json, with conn on those about one connection; see the vectors README.',
      informative: 'fail.message and the reasons of Close messages we send are prose.',
    },
    multifeedKey: toHex(MULTIFEED_KEY),
    defaultLimits: { ...DEFAULT_LIMITS },
    numberOfTraces: traces.length,
    traces,
  }
}

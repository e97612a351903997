/**
 * The collection's inputs (events) and outputs (actions): plain data, closed unions
 * (spec/collection.md). One collection is one multifeed on one peer, with one session per
 * connection; events and actions about a connection carry its id. After each event the caller
 * carries out every returned action, in order, before it feeds the next event.
 */
import type { Limits } from '../codec/constants.js'
import type { ChannelMessage, Handshake, Key, ManifestEntry } from '../codec/messages.js'
import type { MembershipLimits } from './membership/constants.js'
import type { MembershipChange } from './membership/state.js'
import type { ExtensionMessage, FailAction, Role, SessionOptions } from './types.js'

/** The caller's name for one connection (a carrier session): any number it never reuses. */
export type ConnectionId = number

/** A feed of the collection as the caller stored it. */
export interface StoredFeed {
  key: Key
  /** True for a local writer. */
  local: boolean
  /** Blocks held from the start without a gap (what we can serve and offer). */
  length: number
  /** Blocks known to exist (the feed's length); at least `length`. Default: `length`. */
  known?: number
  /** Opaque per-entry data offered with the key, or null. Default null. */
  data?: Uint8Array | null
}

/** The collection's settings and stored state. First event, exactly once. */
export interface CollectionOpenEvent {
  type: 'open'
  /** Caller's clock in milliseconds (only differences matter). */
  now: number
  /** The multifeed key: capabilities prove knowledge of it. Never leaves the collection. */
  key: Uint8Array
  client: string
  /** Default handshake userData of every connection. */
  userData: Uint8Array | null
  /** The feeds of the collection, in the order they joined. */
  feeds: StoredFeed[]
  /** Keys the user blocked or removed. */
  blocked: Key[]
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<Limits>
  /**
   * false (default): remote feeds are downloaded whole, and `synced` waits for the blocks.
   * true: blocks are fetched on demand, and `synced` waits for the length to be known.
   */
  sparse?: boolean
  /** Milliseconds between two growth re-offers on one connection (default 100). */
  reofferInterval?: number
  /** Local writers that remote feeds can never crowd out of maxFeeds (default 16). */
  reservedLocalFeeds?: number
  /** The minor version every session speaks (default 1; 0 plays a 1.0 peer). */
  minor?: number
  /**
   * Present for a closed multifeed (spec/membership.md): the invitation's founder and the
   * stored operations. `key` is then the invitation's multifeed key; the sessions prove the
   * closed key (3.3) and require minor 1.
   */
  closed?: ClosedConfig
}

/** What a closed multifeed's collection starts from. */
export interface ClosedConfig {
  /** The founder's Ed25519 public key (the invitation's). */
  founder: Key
  /**
   * This peer's membership signing key (its admin key if it is one), or null: the collection
   * asks the application about join requests only while this key is an admin.
   */
  self: Key | null
  /** The operations stored before (what `store-operations` asked to persist), in that order. */
  operations: Uint8Array[]
  /** Overrides of the membership limits (spec/membership.md 13). */
  limits?: Partial<MembershipLimits>
}

/** A carrier session for this multifeed is ready on connection `conn`: open a session. */
export interface ConnectionOpenEvent {
  type: 'connection-open'
  conn: ConnectionId
  now: number
  role: Role
  /** The carrier's handshake hash (spec section 3, item 4). */
  handshakeHash: Uint8Array
  /** Handshake userData for this connection (default: the collection's). */
  userData?: Uint8Array | null
}

/** The remote's opening payload on `conn`, undecoded. */
export interface ConnectionRemoteOpenEvent {
  type: 'remote-open'
  conn: ConnectionId
  body: Uint8Array
}

/** A typed message from the remote on `conn`, undecoded. */
export interface ConnectionMessageEvent {
  type: 'message'
  conn: ConnectionId
  messageType: number
  body: Uint8Array
}

/**
 * The carrier ended the session on `conn` without a Close message. `rejected`: the remote refused
 * the session before opening its side (it has no multifeed with this discovery key there).
 */
export interface ConnectionClosedEvent {
  type: 'connection-closed'
  conn: ConnectionId
  rejected?: boolean
}

/** The local side ends the session on `conn` (it leaves that connection). */
export interface DisconnectEvent {
  type: 'disconnect'
  conn: ConnectionId
}

/**
 * A local writer joins the collection. Throws ERR_BLOCKED for a blocked key and
 * ERR_COLLECTION_FULL when there is no room: nothing changes then.
 */
export interface AddLocalEvent {
  type: 'add-local'
  now: number
  key: Key
  length: number
  data?: Uint8Array | null
}

/** The caller opened these feeds (after `open-feeds`), with their lengths now. */
export interface FeedsOpenedEvent {
  type: 'feeds-opened'
  now: number
  feeds: { key: Key; length: number; known?: number }[]
}

/**
 * A member's local copy changed: `length` blocks held without a gap, `known` its length. The
 * caller reports it for every copy it holds open (the collection's, or one the user holds).
 */
export interface FeedLengthEvent {
  type: 'feed-length'
  now: number
  key: Key
  length: number
  known?: number
}

/**
 * A member's local copy was truncated to `length` (a Hypercore fork, multifeed.md 9.3): the
 * writer's own truncation, or a replica's copy truncated by Hypercore.
 */
export interface FeedTruncateEvent {
  type: 'feed-truncate'
  key: Key
  length: number
}

/** The user blocks a feed (the caller persisted it). */
export interface CollectionBlockEvent {
  type: 'block'
  key: Key
}

/** The user lifts a block (the caller persisted it). */
export interface UnblockEvent {
  type: 'unblock'
  key: Key
}

/** The user removes a feed: blocked for good and out of the collection (caller persisted it). */
export interface RemoveEvent {
  type: 'remove'
  key: Key
}

/** Time passed (after a `timer` action, or at any time). */
export interface CollectionTickEvent {
  type: 'tick'
  now: number
}

/** The collection closes: every session closes normally. */
export interface CollectionCloseEvent {
  type: 'close'
}

/**
 * Closed multifeeds: an operation this peer signed (a genesis, an add or remove, a grant or
 * revoke). Stored and sent to every session like a received one. Throws the refusal's code
 * (ERR_MEMBERSHIP_*) when the state refuses it; nothing changes then.
 */
export interface LocalOperationEvent {
  type: 'local-operation'
  operation: Uint8Array
}

/**
 * Closed multifeeds: ask the peers to add `feed` (spec/membership.md 14.4), until `now +
 * timeout`. The request ends with an `authorization` action. One at a time.
 */
export interface RequestAuthorizationEvent {
  type: 'request-authorization'
  now: number
  feed: Key
  /** The Ed25519 public key that signs `feed`. */
  signer: Key
  /** Ed25519 by `signer` over NSM[3] || closed discovery key || feed (signJoinProof). */
  proof: Uint8Array
  data?: Uint8Array | null
  timeout: number
}

/**
 * Closed multifeeds: the application's answer to a `join-request` action. `granted` carries the
 * add-writer the application signed (stored and sent before the response).
 */
export interface JoinAnswerEvent {
  type: 'join-answer'
  conn: ConnectionId
  request: number
  answer: 'granted' | 'denied' | 'undecided'
  operation?: Uint8Array
}

export type CollectionEvent =
  | CollectionOpenEvent
  | ConnectionOpenEvent
  | ConnectionRemoteOpenEvent
  | ConnectionMessageEvent
  | ConnectionClosedEvent
  | DisconnectEvent
  | AddLocalEvent
  | FeedsOpenedEvent
  | FeedLengthEvent
  | FeedTruncateEvent
  | CollectionBlockEvent
  | UnblockEvent
  | RemoveEvent
  | CollectionTickEvent
  | CollectionCloseEvent
  | LocalOperationEvent
  | RequestAuthorizationEvent
  | JoinAnswerEvent

/** Send a message on `conn`: the Handshake as the opening payload, the others as typed messages. */
export interface ConnectionSendAction {
  type: 'send'
  conn: ConnectionId
  message: Handshake | ChannelMessage | ExtensionMessage
}

/**
 * Deliver a `tick` at `at` (caller's clock), replacing any earlier request; null: none needed.
 * Delivering a tick uses the timer up: after a tick the collection restates any still needed.
 */
export interface CollectionTimerAction {
  type: 'timer'
  at: number | null
}

/** The remote on `conn` proved the key; its Handshake's values. */
export interface ConnectionHandshakeAction {
  type: 'remote-handshake'
  conn: ConnectionId
  major: number
  minor: number
  client: string
  userData: Uint8Array | null
}

/** Remote feeds joined the collection: persist them (key, advertised length, data). */
export interface FeedsAddedAction {
  type: 'add-feeds'
  feeds: ManifestEntry[]
}

/** Open these feeds, then report them with `feeds-opened`. `download`: fetch every block. */
export interface OpenFeedsAction {
  type: 'open-feeds'
  feeds: { key: Key; download: boolean }[]
}

/** No connection needs these feeds any more: close them (they stay in the collection). */
export interface CloseFeedsAction {
  type: 'close-feeds'
  keys: Key[]
}

/** Replicate these (open) feeds on `conn` from now on; nothing else of ours travels there. */
export interface AttachAction {
  type: 'attach'
  conn: ConnectionId
  keys: Key[]
}

/** Stop replicating these feeds on `conn`. */
export interface DetachAction {
  type: 'detach'
  conn: ConnectionId
  keys: Key[]
}

/** The remote's offer on `conn` is settled (spec section 9.1). */
export interface ConnectionRemoteFeedsAction {
  type: 'remote-feeds'
  conn: ConnectionId
  keys: Key[]
}

/** The session on `conn` is synced (spec section 9.2). */
export interface ConnectionSyncedAction {
  type: 'synced'
  conn: ConnectionId
}

/**
 * The session on `conn` failed: a session failure, or ERR_CHANNEL_REJECTED (the remote refused the
 * session: it has no multifeed with this discovery key there; a local name, never on the wire).
 */
export type ConnectionFailAction = {
  type: 'fail'
  conn: ConnectionId
  code: FailAction['code'] | 'ERR_CHANNEL_REJECTED'
  /** Wire number of a session code; null for a code that never travels. */
  wireCode: number | null
} & Omit<FailAction, 'type' | 'code' | 'wireCode'>

/**
 * The session on `conn` ended; nothing more happens on it. `reopen`: the remote left normally
 * (or refused) while the connection may stand, so a later open by the remote is welcome.
 */
export interface ConnectionEndedAction {
  type: 'closed'
  conn: ConnectionId
  by: 'local' | 'remote'
  reopen: boolean
}

/** Closed multifeeds: persist these operations (bytes, in storage order), after those before. */
export interface StoreOperationsAction {
  type: 'store-operations'
  operations: Uint8Array[]
}

/**
 * Closed multifeeds: the resolution changed (spec/membership.md 8.5): writers by feed key
 * (member, or removed with its cut), then admins by key.
 */
export interface MembershipChangedAction {
  type: 'membership'
  changes: MembershipChange[]
}

/**
 * Closed multifeeds: the remote on `conn` asks to add `feed` and this peer is an admin: answer
 * with a `join-answer` event (the Node adapter asks `onAuth`).
 */
export interface JoinRequestAction {
  type: 'join-request'
  conn: ConnectionId
  request: number
  feed: Key
  signer: Key
  data: Uint8Array | null
}

/** Closed multifeeds: this peer's join request ended (spec/membership.md 14.4). */
export interface AuthorizationAction {
  type: 'authorization'
  feed: Key
  result: 'granted' | 'denied' | 'timeout'
}

export type CollectionAction =
  | ConnectionSendAction
  | CollectionTimerAction
  | ConnectionHandshakeAction
  | FeedsAddedAction
  | OpenFeedsAction
  | CloseFeedsAction
  | AttachAction
  | DetachAction
  | ConnectionRemoteFeedsAction
  | ConnectionSyncedAction
  | ConnectionFailAction
  | ConnectionEndedAction
  | StoreOperationsAction
  | MembershipChangedAction
  | JoinRequestAction
  | AuthorizationAction

/** Policies of every session of the collection (admission is the collection's own). */
export type CollectionOptions = Omit<SessionOptions, 'admission'>

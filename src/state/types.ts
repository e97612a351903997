/**
 * The session state machine's inputs (events) and outputs (actions): plain data, closed unions.
 * One session is one multifeed on one connection. After each event the caller carries out every
 * returned action, in order, before it feeds the next event.
 *
 * Lists of keys in actions and in the messages the session sends are one KeyBlock (Manifest and
 * add-feeds entries one EntryBlock): no object per key. A block is often a view of the
 * session's own copy of the keys, so read it (or copy it), never write to it.
 */
import type { Limits } from '../codec/constants.js'
import type { EntryBlock } from '../codec/entry-block.js'
import type { KeyBlock } from '../codec/key-block.js'
import type { ChannelMessage, Handshake, Key, ManifestEntry } from '../codec/messages.js'
import type { ErrorCodeName, UNKNOWN_REMOTE_ERROR } from '../errors.js'

/** A feed in the local collection, as the session sees it. */
export interface LocalFeed {
  key: Key
  /** Blocks the local copy holds. */
  length: number
  /** Opaque per-entry data offered with the key in manifests, or null. */
  data: Uint8Array | null
}

export type Role = 'initiator' | 'responder'

/** First event of every session: our side opens the channel. */
export interface OpenEvent {
  type: 'open'
  /** Caller's clock in milliseconds. Only differences matter. */
  now: number
  role: Role
  client: string
  userData: Uint8Array | null
  /** Capability we send: capability(key, handshakeHash, role). */
  localCapability: Uint8Array
  /** Capability the remote must send: capability(key, handshakeHash, opposite role). */
  remoteCapability: Uint8Array
  /**
   * Feeds the local collection holds now (offered subject to the share policy), or a function
   * that returns them. A function is called once, when the session first needs its view (the
   * remote Handshake is verified, or a local event arrives before that), so a session whose
   * remote never proves the key costs nothing per feed.
   */
  feeds: readonly LocalFeed[] | (() => readonly LocalFeed[])
  /** Keys the user blocked or removed: never offered, requested or accepted. Same forms. */
  blocked: readonly Key[] | (() => readonly Key[])
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<Limits>
  /**
   * The minor version this side speaks and sends in its Handshake (default PROTOCOL_MINOR, 1).
   * 0 makes the session a 1.0 peer, byte for byte (spec 11.1).
   */
  minor?: number
  /**
   * The lowest negotiated minor this session accepts (default 0): a closed multifeed requires 1
   * (spec/membership.md 14.1), and a remote that negotiates less fails with ERR_MINOR_REQUIRED.
   */
  requiredMinor?: number
}

/** The remote's channel-open payload, undecoded. */
export interface RemoteOpenEvent {
  type: 'remote-open'
  body: Uint8Array
}

/** A message from the remote, undecoded, with its wire type number. */
export interface MessageEvent {
  type: 'message'
  messageType: number
  body: Uint8Array
}

/** A feed entered the local collection (written locally or learned from any peer), or the user re-offers it. */
export interface LocalFeedEvent {
  type: 'local-feed'
  feed: LocalFeed
}

/**
 * Several feeds entered the local collection, or are re-offered. The same as one `local-feed`
 * per feed, in order, except that all the offers they cause go out as one Manifest batch (split
 * by the usual limits; more=true on all but the last). An empty list does nothing.
 */
export interface LocalFeedsEvent {
  type: 'local-feeds'
  feeds: LocalFeed[]
}

/** The local copy of a feed reached a new length (drives `synced`). */
export interface LocalLengthEvent {
  type: 'local-length'
  key: Key
  length: number
}

/**
 * The local copy of a feed was truncated to `length`: a Hypercore fork (the writer truncated
 * it, or this replica learned that the writer did; Hypercore's 'truncate' event). Lowers the
 * local, offered and advertised lengths to `length` (spec section 9.3).
 */
export interface LocalTruncateEvent {
  type: 'local-truncate'
  key: Key
  length: number
}

/** The user blocked or removed a feed. */
export interface BlockEvent {
  type: 'block'
  key: Key
}

/** Time passed. */
export interface TickEvent {
  type: 'tick'
  now: number
}

/** The local user closes the session. */
export interface CloseEvent {
  type: 'close'
}

/** The transport closed the channel without a Close message. */
export interface TransportClosedEvent {
  type: 'transport-closed'
}

/**
 * 1.1: send a message of a type defined at minor 1 (4 to 8), whose body the layer above
 * encoded (spec 7.9). Only in OPEN at a negotiated minor of 1 or more.
 */
export interface SendExtensionEvent {
  type: 'send-extension'
  messageType: number
  body: Uint8Array
}

/**
 * 1.1: the layer above found a violation by the remote in a message the session passed up (an
 * `extension` action): the session fails with `code` as for its own violations (spec 10.1).
 */
export interface ViolationEvent {
  type: 'violation'
  code: Exclude<ErrorCodeName, 'OK'>
  message: string
  /** The ERR_DECODE_* code when the message did not decode. */
  decodeCode?: string
}

/**
 * 1.1: ask again whether to request these keys, which the remote offered before and which were
 * not wanted then (spec 7.6): a writer added to a closed multifeed is requested now.
 */
export interface ReconsiderEvent {
  type: 'reconsider'
  keys: Key[]
}

/**
 * 1.1: the blocks of `key` from index `length` on are not part of the multifeed (a removed
 * writer's cut, spec/membership.md section 10); null lifts the cut. Offers are capped at it,
 * `synced` compares the advertised length capped at it, and a cut of 0 stops the feed here.
 */
export interface CutEvent {
  type: 'cut'
  key: Key
  length: number | null
}

export type SessionEvent =
  | OpenEvent
  | RemoteOpenEvent
  | MessageEvent
  | LocalFeedEvent
  | LocalFeedsEvent
  | LocalLengthEvent
  | LocalTruncateEvent
  | BlockEvent
  | TickEvent
  | CloseEvent
  | TransportClosedEvent
  | SendExtensionEvent
  | ViolationEvent
  | ReconsiderEvent
  | CutEvent

/** A message of a type defined at minor 1 or later: its body travels as it is. */
export interface ExtensionMessage {
  type: 'extension'
  messageType: number
  body: Uint8Array
}

/** Send a message: the handshake as the channel-open payload, the others as typed messages. */
export interface SendAction {
  type: 'send'
  message: Handshake | ChannelMessage | ExtensionMessage
}

/** Ask to be woken with a `tick` at `at` (caller's clock), or cancel the wake-up when null. */
export interface TimerAction {
  type: 'timer'
  at: number | null
}

/** The remote's handshake was verified. */
export interface RemoteHandshakeAction {
  type: 'remote-handshake'
  major: number
  minor: number
  client: string
  userData: Uint8Array | null
}

/**
 * Add these remote feeds to the local collection (and persist them): key, advertised length
 * and data of each, as columns (iterate it for one ManifestEntry per feed).
 */
export interface AddFeedsAction {
  type: 'add-feeds'
  feeds: EntryBlock
}

/**
 * Replicate these feeds over this connection from now on. The block may be the one of the
 * Replicate sent just before it (the same keys).
 */
export interface ReplicateAction {
  type: 'replicate'
  keys: KeyBlock
}

/** Stop replicating these feeds over this connection (they were blocked). */
export interface UnreplicateAction {
  type: 'unreplicate'
  keys: KeyBlock
}

/** Emit `remote-feeds`: the remote's offer batch is settled; `keys` were added since the last one. */
export interface RemoteFeedsAction {
  type: 'remote-feeds'
  keys: KeyBlock
}

/** Emit `synced`: every accepted feed reached the length the remote advertised. */
export interface SyncedAction {
  type: 'synced'
}

/** The session failed. `remote` tells whose fault it was from our side's view. */
export interface FailAction {
  type: 'fail'
  code: ErrorCodeName | typeof UNKNOWN_REMOTE_ERROR
  /** Wire number of the code. */
  wireCode: number
  /** True when the remote misbehaved or reported the error in a Close message. */
  remote: boolean
  message: string
  /** Decode error code (ERR_DECODE_*) when the failure was a decode failure. */
  decodeCode?: string
  usVersion?: { major: number; minor: number }
  themVersion?: { major: number; minor: number }
  usClient?: string
  themClient?: string
}

/**
 * 1.1: the remote sent a message of a type defined at minor 1 (4 to 8) and the negotiated minor
 * is 1 or more: the layer above decodes and handles it (spec 7.4).
 */
export interface ExtensionAction {
  type: 'extension'
  messageType: number
  body: Uint8Array
}

/** Close the channel. Nothing follows. */
export interface CloseAction {
  type: 'close'
  /** Who closed first. */
  by: 'local' | 'remote'
}

export type SessionAction =
  | SendAction
  | TimerAction
  | RemoteHandshakeAction
  | AddFeedsAction
  | ReplicateAction
  | UnreplicateAction
  | RemoteFeedsAction
  | SyncedAction
  | FailAction
  | CloseAction
  | ExtensionAction

/** Decides which offered entries to request. Pure; must not mutate. */
export type WantPolicy = (entry: ManifestEntry) => boolean
/** Decides which local feeds to offer. Pure; must not mutate. */
export type SharePolicy = (feed: LocalFeed) => boolean

/**
 * Room in the local collection for remote feeds (spec: Receiving a Manifest, step 2.2), when
 * several sessions share one collection: the collection, not each session, decides.
 */
export interface Admission {
  /**
   * The session is about to request `key`, which is not in its view: true if the collection has
   * room for it. The room stays reserved for the key until it joins the view or is released.
   */
  reserve(key: Key): boolean
  /** The session no longer needs the room it reserved for `key` (its Request was answered). */
  release(key: Key): void
}

export interface SessionOptions {
  want?: WantPolicy
  share?: SharePolicy
  /** Room shared with other sessions (default: the session's own view and maxFeeds). */
  admission?: Admission
}

/**
 * How far a session got with the remote's feeds (spec 9.2): of the feeds accepted from the remote,
 * how many the local copy holds at the length the remote advertised, and the blocks that takes.
 */
export interface SyncProgress {
  /** Feeds accepted from the remote (not blocked since). */
  feedsAccepted: number
  /** Accepted feeds held at least at the length the remote advertised. */
  feedsHeld: number
  /** Sum of the lengths the remote advertised for the accepted feeds. */
  blocksAdvertised: number
  /** Sum over the accepted feeds of the local length, up to the advertised one. */
  blocksHeld: number
  /** The session is synced (spec 9.2). */
  synced: boolean
}

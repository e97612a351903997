/**
 * The events of Multifeed, MultifeedChannel, Networker and the streams replicate() returns, with
 * their listener signatures. The classes' `on`, `once` and `off` are typed by these maps
 * (declaration merging below), so a listener gets typed arguments and a misspelt event name does
 * not compile.
 *
 * One event per kind of failure, everywhere:
 * - 'session-error' (err): a channel failed; only that channel closed. A session error of spec
 *   10.3 raised by either side, ERR_CHANNEL_REJECTED, ERR_ALREADY_ATTACHED or ERR_INTERNAL. On the
 *   channel, its multifeed, the stream of replicate() and the Networker. Whatever a remote does
 *   ends here, never in 'error'.
 * - 'error' (err): only on a Multifeed, only ERR_STORAGE: its storage failed and no caller awaits
 *   the failed operation (a feed did not open, the feed list was not written). As with any Node
 *   'error', a missing listener ends the process: a multifeed whose disk fails should not go on
 *   silently. The multifeed stays open; close it, or let a retry of the operation tell.
 * - 'warning' (err): ERR_INTERNAL caught where no channel could be closed; nothing stopped.
 * Errors thrown or rejected to a caller are not emitted. Every emitted failure is logged once
 * (`DEBUG=multifeed:*`).
 * @module
 */
import type NoiseSecretStream from '@hyperswarm/secret-stream'
import type Hypercore from 'hypercore'
import type { PeerInfo } from 'hyperswarm'
import type { Key } from '../codec/messages.js'
import type { MultifeedError } from '../errors.js'
import type { MembershipChange } from '../state/membership/state.js'
import type { SyncProgress } from '../state/types.js'
import type { FeedInfo } from './corestore/multifeed.js'
import type { NetworkedMultifeed } from './networker.js'
import type { MultifeedChannel, RemoteHandshake } from './protomux-channel.js'

/** Events of a {@link Multifeed}. 'error' is only ERR_STORAGE (see the module comment). */
export interface MultifeedEvents {
  /** A feed joined the collection: a new writer, a remote feed, or a persisted one on load. */
  feed: (core: Hypercore, info: FeedInfo) => void
  /** A channel opened on a stream (also when one is reopened for a remote that rejoins). */
  channel: (channel: MultifeedChannel) => void
  /** The remote's offer on `channel` is settled: each feed is in the collection or declined. */
  'remote-feeds': (keys: Key[], channel: MultifeedChannel) => void
  /** Every feed accepted on `channel` is held at the length the remote advertised. */
  synced: (channel: MultifeedChannel) => void
  /** Progress over every peer moved (at most once per turn of the event loop). */
  progress: (progress: SyncProgress & { peers: number }) => void
  /**
   * A channel failed (`err.code` says why, `err.fault` whose fault); only that channel closed.
   * Every failure of every channel of the multifeed, ERR_CHANNEL_REJECTED included.
   */
  'session-error': (err: MultifeedError, channel: MultifeedChannel) => void
  /**
   * Closed multifeeds: the membership changed (an operation signed here or received from any
   * peer): each writer whose status changed (member, or removed with its cut; a feed no longer
   * added is removed with cut 0), then each key that became or stopped being an admin.
   */
  membership: (changes: MembershipChange[]) => void
  /**
   * The storage failed with no caller to reject (ERR_STORAGE, `err.cause` the store's error): a
   * feed could not be opened, or the feed list could not be written. Unhandled, it ends the
   * process, as Node's 'error' does. Never caused by a remote's behaviour.
   */
  error: (err: MultifeedError<'ERR_STORAGE'>) => void
  /** A bug caught where it could close no channel (ERR_INTERNAL); nothing stopped. */
  warning: (err: MultifeedError<'ERR_INTERNAL'>) => void
  /** ready() finished. */
  ready: () => void
  /** close() finished. */
  close: () => void
}

/** Events of a {@link MultifeedChannel}. It never emits 'error'. */
export interface MultifeedChannelEvents {
  /** The remote's handshake was verified. */
  handshake: (handshake: RemoteHandshake) => void
  /** The remote's offer is settled: each feed is in the collection or declined. */
  'remote-feeds': (keys: Key[]) => void
  /** Every accepted feed is held at the length the remote advertised. */
  synced: () => void
  /** This connection's progress moved (at most once per turn of the event loop). */
  progress: (progress: SyncProgress) => void
  /** The channel failed (`err.code` says why, `err.fault` whose fault); 'close' follows. */
  'session-error': (err: MultifeedError) => void
  /** The channel closed (`closedBy` and `error` say how). */
  close: () => void
}

/** A Hyperswarm connection: a Noise stream whose remote is known. */
export type SwarmConnection = NoiseSecretStream & { remotePublicKey: Uint8Array }

/** Events of a {@link Networker}. */
export interface NetworkerEvents {
  /** A connection now carries the store's replication and every joined multifeed. */
  connection: (conn: SwarmConnection, info: PeerInfo) => void
  /** A connection closed (either side closed it, or it carried nothing any more). */
  disconnection: (conn: SwarmConnection) => void
  /**
   * A joined multifeed's channel on `conn` failed (the code says why; only that channel
   * closed): a session error, or ERR_CHANNEL_REJECTED when the remote has no such multifeed
   * there. The multifeed emits the same error as its own 'session-error' (err, channel).
   */
  'session-error': (
    err: MultifeedError,
    multifeed: NetworkedMultifeed,
    conn: SwarmConnection,
  ) => void
  /** Attaching a multifeed to a connection failed for a reason other than its closing (a bug). */
  warning: (err: MultifeedError<'ERR_INTERNAL'>) => void
}

/**
 * Events a stream of `mf.replicate()` carries besides its own (as multifeed 6's stream did): the
 * events of the multifeed's channel on it.
 */
export interface ReplicationStreamEvents {
  /** The remote's offer is settled: each feed is in the collection or declined. */
  'remote-feeds': (keys: Key[]) => void
  /** Every accepted feed is held at the length the remote advertised. */
  synced: () => void
  /**
   * The multifeed's channel on the stream failed (a session error, or ERR_CHANNEL_REJECTED). A
   * stream replicate(true/false) made is destroyed then, unless something else runs on it.
   */
  'session-error': (err: MultifeedError) => void
}

declare module './corestore/multifeed.js' {
  interface Multifeed {
    /** Adds a listener of one of the {@link MultifeedEvents}. */
    on<E extends keyof MultifeedEvents>(event: E, listener: MultifeedEvents[E]): this
    /** Adds a one-time listener of one of the {@link MultifeedEvents}. */
    once<E extends keyof MultifeedEvents>(event: E, listener: MultifeedEvents[E]): this
    /** Removes a listener added with `on` or `once`. */
    off<E extends keyof MultifeedEvents>(event: E, listener: MultifeedEvents[E]): this
  }
}

declare module './protomux-channel.js' {
  interface MultifeedChannel {
    /** Adds a listener of one of the {@link MultifeedChannelEvents}. */
    on<E extends keyof MultifeedChannelEvents>(event: E, listener: MultifeedChannelEvents[E]): this
    /** Adds a one-time listener of one of the {@link MultifeedChannelEvents}. */
    once<E extends keyof MultifeedChannelEvents>(
      event: E,
      listener: MultifeedChannelEvents[E],
    ): this
    /** Removes a listener added with `on` or `once`. */
    off<E extends keyof MultifeedChannelEvents>(event: E, listener: MultifeedChannelEvents[E]): this
  }
}

declare module './networker.js' {
  interface Networker {
    /** Adds a listener of one of the {@link NetworkerEvents}. */
    on<E extends keyof NetworkerEvents>(event: E, listener: NetworkerEvents[E]): this
    /** Adds a one-time listener of one of the {@link NetworkerEvents}. */
    once<E extends keyof NetworkerEvents>(event: E, listener: NetworkerEvents[E]): this
    /** Removes a listener added with `on` or `once`. */
    off<E extends keyof NetworkerEvents>(event: E, listener: NetworkerEvents[E]): this
  }
}

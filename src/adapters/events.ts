/**
 * The events of Multifeed, MultifeedChannel and Networker, with their listener signatures. The
 * classes' `on`, `once` and `off` are typed by these maps (declaration merging below), so a
 * listener gets typed arguments and a misspelt event name does not compile.
 * @module
 */
import type NoiseSecretStream from '@hyperswarm/secret-stream'
import type Hypercore from 'hypercore'
import type { PeerInfo } from 'hyperswarm'
import type { Key } from '../codec/messages.js'
import type { MembershipChange } from '../state/membership/state.js'
import type { SyncProgress } from '../state/types.js'
import type { FeedInfo } from './corestore/multifeed.js'
import type { MultifeedError } from './errors.js'
import type { NetworkedMultifeed } from './networker.js'
import type { MultifeedChannel, RemoteHandshake } from './protomux-channel.js'

/** Events of a {@link Multifeed}. It never emits 'error'. */
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
  /** A channel failed (the code says why); only that channel closed. */
  'session-error': (err: MultifeedError, channel: MultifeedChannel) => void
  /**
   * Closed multifeeds: the membership changed (an operation signed here or received from any
   * peer): each writer whose status changed (member, or removed with its cut; a feed no longer
   * added is removed with cut 0), then each key that became or stopped being an admin.
   */
  membership: (changes: MembershipChange[]) => void
  /** A remote feed could not be opened (the store failed); the channel goes on. */
  warning: (err: unknown) => void
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
  /** The channel failed (the code says why); 'close' follows. */
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
  /** A multifeed refused a channel for a reason other than being closed. */
  warning: (err: unknown) => void
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

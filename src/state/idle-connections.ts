/**
 * Connections without sessions (spec/collection.md section 10): decides when a connection that
 * carries no multifeed session any more is closed, and whether its peer is banned. One instance
 * serves every multifeed of a peer (a connection is shared by all of them). Sans-IO: `handle`
 * takes one event and returns the actions to carry out, in order; time arrives as `now`.
 */
import { ErrorCode, UNKNOWN_REMOTE_ERROR } from '../errors.js'
import type { ConnectionId } from './collection-types.js'
import { invalidArgument, invalidState } from './usage-error.js'
import { checkTime } from './validate.js'

/** Default milliseconds a connection that carries nothing stays open (section 10.2). */
export const DEFAULT_IDLE_GRACE = 5000

/** The caller's name for one multifeed channel: any number it never reuses on a connection. */
export type ChannelId = number

/** How a channel ended (section 10.1). */
export type ChannelOutcome = 'failed' | 'refused' | 'ended'

/** A connection exists (it may carry channels from now on). */
export interface ConnectionOpenedEvent {
  type: 'connection-opened'
  conn: ConnectionId
  now: number
}

/** A multifeed channel exists on the connection (opening counts: it is carried). */
export interface ChannelOpenedEvent {
  type: 'channel-opened'
  conn: ConnectionId
  channel: ChannelId
}

/** A multifeed channel ended; `code` is its failure's code, null for a close without failure. */
export interface ChannelClosedEvent {
  type: 'channel-closed'
  conn: ConnectionId
  channel: ChannelId
  now: number
  code: string | null
}

/** The connection was to be closed, but it still carries something else (another protocol). */
export interface ConnectionBusyEvent {
  type: 'connection-busy'
  conn: ConnectionId
  now: number
}

/** The connection closed (whoever closed it). */
export interface ConnectionClosedEvent {
  type: 'connection-closed'
  conn: ConnectionId
}

/** Time passed. */
export interface IdleTickEvent {
  type: 'tick'
  now: number
}

export type IdleConnectionsEvent =
  | ConnectionOpenedEvent
  | ChannelOpenedEvent
  | ChannelClosedEvent
  | ConnectionBusyEvent
  | ConnectionClosedEvent
  | IdleTickEvent

/** Close the connection (if it carries nothing else); with `ban`, never connect to the peer again. */
export interface CloseConnectionAction {
  type: 'close-connection'
  conn: ConnectionId
  ban: boolean
}

/** Deliver a `tick` at `at` (null: none needed); replaces the previous request. */
export interface IdleTimerAction {
  type: 'timer'
  at: number | null
}

export type IdleConnectionsAction = CloseConnectionAction | IdleTimerAction

export interface IdleConnectionsOptions {
  /** Milliseconds a connection that carries nothing stays open (default {@link DEFAULT_IDLE_GRACE}). */
  grace?: number
}

interface Connection {
  readonly open: Set<ChannelId>
  /** Since when the connection carries nothing, or null while it carries a channel. */
  idleSince: number | null
  /** A `close-connection` was emitted and not answered by `connection-busy`. */
  closing: boolean
  failed: number
  refused: number
  ended: number
}

/** The session error codes (multifeed.md 10.3): the remote broke the protocol or cannot talk. */
const FAILURE_CODES: ReadonlySet<string> = new Set([
  ...Object.keys(ErrorCode).filter((name) => name !== 'OK'),
  UNKNOWN_REMOTE_ERROR,
])

/** Section 10.1: how a channel that ended with `code` counts. */
export function channelOutcome(code: string | null): ChannelOutcome {
  if (code === null) return 'ended'
  if (code === 'ERR_CHANNEL_REJECTED') return 'refused'
  return FAILURE_CODES.has(code) ? 'failed' : 'ended'
}

/**
 * The idle-connection rules. Feed it events with {@link IdleConnections.handle} and carry out
 * the returned actions in order. Local misuse throws a MultifeedError (ERR_INVALID_STATE,
 * ERR_INVALID_ARGUMENT); an event about an unknown connection is ignored.
 */
export class IdleConnections {
  readonly grace: number
  readonly #connections = new Map<ConnectionId, Connection>()
  /** The `at` of the last timer action. */
  #timerAt: number | null = null

  constructor(options: IdleConnectionsOptions = {}) {
    const grace = options.grace ?? DEFAULT_IDLE_GRACE
    if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
      throw invalidArgument('grace must be a non-negative finite number of milliseconds')
    }
    this.grace = grace
  }

  /** Connections known (opened and not closed), in opening order. */
  get connections(): ConnectionId[] {
    return [...this.#connections.keys()]
  }

  handle(event: IdleConnectionsEvent): IdleConnectionsAction[] {
    if (event === null || typeof event !== 'object')
      throw invalidArgument('event must be an object')
    const actions: IdleConnectionsAction[] = []
    switch (event.type) {
      case 'connection-opened':
        checkConn(event.conn)
        checkTime(event.now)
        if (this.#connections.has(event.conn)) {
          throw invalidState(`connection ${event.conn} is already open`)
        }
        this.#connections.set(event.conn, {
          open: new Set(),
          idleSince: event.now,
          closing: false,
          failed: 0,
          refused: 0,
          ended: 0,
        })
        break
      case 'channel-opened': {
        checkConn(event.conn)
        checkChannel(event.channel)
        const connection = this.#connections.get(event.conn)
        if (connection === undefined) break
        connection.open.add(event.channel)
        connection.idleSince = null
        break
      }
      case 'channel-closed': {
        checkConn(event.conn)
        checkChannel(event.channel)
        checkTime(event.now)
        if (event.code !== null && typeof event.code !== 'string') {
          throw invalidArgument('code must be a string or null')
        }
        const connection = this.#connections.get(event.conn)
        if (connection === undefined || !connection.open.delete(event.channel)) break
        connection[channelOutcome(event.code)]++
        if (connection.open.size === 0) connection.idleSince = event.now
        break
      }
      case 'connection-busy': {
        checkConn(event.conn)
        checkTime(event.now)
        const connection = this.#connections.get(event.conn)
        if (connection === undefined) break
        connection.closing = false
        connection.idleSince = connection.open.size === 0 ? event.now : null
        break
      }
      case 'connection-closed':
        checkConn(event.conn)
        this.#connections.delete(event.conn)
        break
      case 'tick':
        checkTime(event.now)
        this.#timerAt = null // a tick uses the timer up
        for (const [conn, connection] of this.#connections) {
          if (connection.closing || connection.idleSince === null) continue
          if (connection.idleSince + this.grace > event.now) continue
          connection.closing = true
          actions.push({ type: 'close-connection', conn, ban: shouldBan(connection) })
        }
        break
      default:
        throw invalidArgument(`unknown event type ${(event as { type?: unknown }).type}`)
    }
    const deadline = this.#deadline()
    if (deadline !== this.#timerAt) {
      this.#timerAt = deadline
      actions.push({ type: 'timer', at: deadline })
    }
    return actions
  }

  #deadline(): number | null {
    let deadline: number | null = null
    for (const connection of this.#connections.values()) {
      if (connection.closing || connection.idleSince === null) continue
      const at = connection.idleSince + this.grace
      if (deadline === null || at < deadline) deadline = at
    }
    return deadline
  }
}

/** Section 10.3: every channel that ended failed (refusals aside), and at least one did. */
function shouldBan(connection: Connection): boolean {
  return connection.failed > 0 && connection.ended === 0
}

function checkConn(conn: unknown): asserts conn is ConnectionId {
  if (typeof conn !== 'number' || !Number.isSafeInteger(conn) || conn < 0) {
    throw invalidArgument('conn must be a non-negative safe integer')
  }
}

function checkChannel(channel: unknown): asserts channel is ChannelId {
  if (typeof channel !== 'number' || !Number.isSafeInteger(channel) || channel < 0) {
    throw invalidArgument('channel must be a non-negative safe integer')
  }
}

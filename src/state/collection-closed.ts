/**
 * What a closed multifeed's collection adds (spec/membership.md 14.3, 14.4): one membership
 * state, the membership messages (types 4 to 8) and the join requests, in both directions.
 * The Collection routes: it hands this class what its sessions pass up and carries out what
 * comes back (messages to send, sessions to fail, operations to store). Sans-IO like the rest.
 */
import { discoveryKey } from '../codec/capability.js'
import type { Limits } from '../codec/constants.js'
import { DecodeError, LIMIT_DECODE_ERRORS } from '../codec/errors.js'
import type { Key } from '../codec/messages.js'
import type { ClosedConfig, ConnectionId } from './collection-types.js'
import { toHex } from './hex.js'
import { closedMultifeedKey } from './membership/crypto.js'
import type { MembershipError } from './membership/errors.js'
import {
  decodeJoinRequest,
  decodeJoinResponse,
  encodeJoinRequest,
  encodeJoinResponse,
  JoinAnswer,
  type JoinAnswerName,
  type JoinRequest,
  joinAnswerName,
  verifyJoinProof,
} from './membership/join.js'
import { type MembershipChange, MembershipState } from './membership/state.js'
import {
  decodeHave,
  decodeOperationsMessage,
  decodeWant,
  encodeHave,
  encodeOperationsMessages,
  encodeWant,
  haveOf,
  operationsFor,
  operationsWanted,
} from './membership/sync.js'
import { invalidState } from './usage-error.js'

/** Message types of minor 1 (spec/membership.md 14.2). */
export const MembershipMessage = {
  Have: 4,
  Operations: 5,
  Want: 6,
  JoinRequest: 7,
  JoinResponse: 8,
} as const

/** JoinRequests of one session that may wait for the application at once (14.4). */
export const MAX_JOIN_REQUESTS = 16

/** Where a batch of operations came from: a connection, or this peer. */
export type OperationSource = ConnectionId | 'local'

/** A message to send on one connection. */
export interface Outgoing {
  messageType: number
  body: Uint8Array
}

/** The remote broke the protocol in a membership message: fail its session with this. */
export interface Violation {
  code: 'ERR_MALFORMED_MESSAGE' | 'ERR_LIMIT_EXCEEDED' | 'ERR_BAD_OPERATION'
  message: string
  decodeCode?: string
}

/** What one batch of operations did. */
export interface BatchResult {
  /** Bytes of the operations stored, in storage order. */
  stored: Uint8Array[]
  changes: MembershipChange[]
  /** Connections that sent an operation refused for a reason that fails a session (14.5). */
  offenders: Map<ConnectionId, string>
  /** Ids the batch's waiting operations miss, when some of them came from the source. */
  missing: Uint8Array[]
}

/** Refusals that are the sender's fault (spec/membership.md 14.5). */
const OFFENCES = new Set<string>([
  'ERR_MEMBERSHIP_BAD_SIGNATURE',
  'ERR_MEMBERSHIP_WRONG_GENESIS',
  'ERR_MEMBERSHIP_NOT_ADMIN',
  'ERR_MEMBERSHIP_NOT_SENIOR',
  'ERR_MEMBERSHIP_FOUNDER',
  'ERR_MEMBERSHIP_DEPENDENCY_REJECTED',
  'ERR_MEMBERSHIP_UNKNOWN_TYPE',
  'ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES',
  'ERR_MEMBERSHIP_BAD_DEPENDENCIES',
])

function isOffence(error: DecodeError | MembershipError): boolean {
  return error instanceof DecodeError || OFFENCES.has(error.code)
}

/** This peer's running join request (14.4). */
interface RunningJoin {
  feed: Key
  request: Omit<JoinRequest, 'request'>
  deadline: number
  /** Connection -> the number we gave the request there. */
  asked: Map<ConnectionId, number>
  /** Connection -> its answer. */
  answers: Map<ConnectionId, JoinAnswerName>
}

export type JoinResult = 'granted' | 'denied' | 'timeout'

export class ClosedMembership {
  readonly membership: MembershipState
  /** The key the sessions prove (spec/membership.md 3.3). */
  readonly closedKey: Uint8Array
  readonly closedDiscoveryKey: Uint8Array
  readonly #self: Key | null
  readonly #limits: Readonly<Limits>
  /** Id hex -> the connection a waiting operation came from (bounded like the waiting buffer). */
  readonly #waitingFrom = new Map<string, ConnectionId>()
  #join: RunningJoin | null = null
  #nextRequest = 0
  /** Connection -> numbers of its JoinRequests waiting for the application. */
  readonly #asking = new Map<ConnectionId, Set<number>>()

  constructor(multifeedKey: Uint8Array, config: ClosedConfig, limits: Readonly<Limits>) {
    this.membership = new MembershipState({
      founder: config.founder,
      discoveryKey: discoveryKey(multifeedKey),
      ...(config.limits ? { limits: config.limits } : {}),
    })
    this.closedKey = closedMultifeedKey(multifeedKey, this.membership.genesisId)
    this.closedDiscoveryKey = discoveryKey(this.closedKey)
    this.#self = config.self
    this.#limits = limits
    // What was stored before is stored again; a refusal (a damaged store) changes nothing.
    if (config.operations.length > 0) this.membership.receive(config.operations)
  }

  /** Limits of the membership messages: the session's, with the operation size. */
  get #messageLimits() {
    return {
      maxMessageBytes: this.#limits.maxMessageBytes,
      maxEntriesPerMessage: this.#limits.maxEntriesPerMessage,
      maxEntryDataBytes: this.#limits.maxEntryDataBytes,
      maxOperationBytes: this.membership.limits.maxOperationBytes,
    }
  }

  /**
   * The effective cut of a feed (14.3 item 1): null for a member, its cut when removed, 0 when
   * no effective operation names it.
   */
  cutOf(key: Key): number | null {
    const status = this.membership.writer(key)
    if (status === null) return 0
    return status.member ? null : status.cut
  }

  /** Whether an offer of `key` may be requested: a member, or removed with a cut above 0. */
  wanted(key: Key): boolean {
    const cut = this.cutOf(key)
    return cut === null || cut > 0
  }

  /** The Have to send a session at verification. */
  have(): Outgoing {
    return { messageType: MembershipMessage.Have, body: encodeHave(haveOf(this.membership)) }
  }

  /** Operations messages carrying `operations`. */
  operationsMessages(operations: readonly Uint8Array[]): Outgoing[] {
    if (operations.length === 0) return []
    return encodeOperationsMessages(operations, this.#messageLimits).map((body) => ({
      messageType: MembershipMessage.Operations,
      body,
    }))
  }

  /** A decode failure of a membership message, as the session error it causes. */
  static violationOf(err: unknown, what: string): Violation {
    if (!(err instanceof DecodeError)) throw err
    const code = LIMIT_DECODE_ERRORS.has(err.code) ? 'ERR_LIMIT_EXCEEDED' : 'ERR_MALFORMED_MESSAGE'
    return { code, message: `bad ${what}: ${err.message}`, decodeCode: err.code }
  }

  /** A Have: the operations the remote lacks. */
  answerHave(body: Uint8Array): Outgoing[] | Violation {
    let have: ReturnType<typeof decodeHave>
    try {
      have = decodeHave(body, this.#messageLimits)
    } catch (err) {
      return ClosedMembership.violationOf(err, 'Have')
    }
    return this.operationsMessages(operationsFor(this.membership, have))
  }

  /** A Want: the operations asked for that this peer stores. */
  answerWant(body: Uint8Array): Outgoing[] | Violation {
    let ids: Uint8Array[]
    try {
      ids = decodeWant(body, this.#messageLimits)
    } catch (err) {
      return ClosedMembership.violationOf(err, 'Want')
    }
    return this.operationsMessages(operationsWanted(this.membership, ids))
  }

  /** The operations of an Operations message, or why it fails the session. */
  decodeOperations(body: Uint8Array): Uint8Array[] | Violation {
    try {
      return decodeOperationsMessage(body, this.#messageLimits)
    } catch (err) {
      return ClosedMembership.violationOf(err, 'Operations')
    }
  }

  /** A Want for `missing`, within one message's limits. */
  want(missing: Uint8Array[]): Outgoing {
    const ids = missing.slice(0, this.#limits.maxEntriesPerMessage)
    return { messageType: MembershipMessage.Want, body: encodeWant(ids) }
  }

  /**
   * Processes one batch of operations (spec/membership.md section 6) from `source`. A local
   * operation that is refused (not as a duplicate) throws its refusal; nothing changed then.
   */
  receive(operations: Uint8Array[], source: OperationSource): BatchResult {
    const result = this.membership.receive(operations)
    const offenders = new Map<ConnectionId, string>()
    let waits = false
    for (const outcome of result.outcomes) {
      if (outcome.status === 'refused') {
        const { error } = outcome
        if (source === 'local') {
          if (error.code !== 'ERR_MEMBERSHIP_DUPLICATE') throw error
          continue
        }
        if (isOffence(error)) offenders.set(source, error.message)
      } else if (outcome.status === 'pending' && source !== 'local') {
        waits = true
        this.#rememberSource(toHex(outcome.id), source)
      }
    }
    // Operations that waited since an earlier batch: their senders are at fault if refused.
    for (const { id, error } of result.refused) {
      const hex = toHex(id)
      const from = this.#waitingFrom.get(hex)
      this.#waitingFrom.delete(hex)
      if (from !== undefined && isOffence(error) && !offenders.has(from)) {
        offenders.set(from, error.message)
      }
    }
    const stored: Uint8Array[] = []
    for (const id of result.stored) {
      this.#waitingFrom.delete(toHex(id))
      stored.push(this.membership.operation(id)!)
    }
    return {
      stored,
      changes: result.changes,
      offenders,
      missing: waits ? this.membership.missing() : [],
    }
  }

  #rememberSource(hex: string, source: ConnectionId): void {
    this.#waitingFrom.set(hex, source)
    const bound = this.membership.limits.maxPendingOperations
    while (this.#waitingFrom.size > bound) {
      this.#waitingFrom.delete(this.#waitingFrom.keys().next().value as string)
    }
  }

  // ---- this peer's join request (14.4) ----

  get joining(): boolean {
    return this.#join !== null
  }

  get joinDeadline(): number | null {
    return this.#join?.deadline ?? null
  }

  startJoin(request: Omit<JoinRequest, 'request'>, deadline: number): void {
    if (this.#join !== null) throw invalidState('a join request is running already')
    this.#join = {
      feed: request.feed,
      request,
      deadline,
      asked: new Map(),
      answers: new Map(),
    }
  }

  /** The JoinRequest for a connection just verified, if a request runs and it was not asked. */
  joinRequestFor(conn: ConnectionId): Outgoing | null {
    const join = this.#join
    if (join === null || join.asked.has(conn)) return null
    const number = this.#nextRequest++
    join.asked.set(conn, number)
    return {
      messageType: MembershipMessage.JoinRequest,
      body: encodeJoinRequest({ ...join.request, request: number }, this.#limits),
    }
  }

  /** A JoinResponse: recorded if it answers our running request there. */
  onJoinResponse(conn: ConnectionId, body: Uint8Array): Violation | null {
    let response: ReturnType<typeof decodeJoinResponse>
    try {
      response = decodeJoinResponse(body, this.#limits)
    } catch (err) {
      return ClosedMembership.violationOf(err, 'JoinResponse')
    }
    const join = this.#join
    if (join !== null && join.asked.get(conn) === response.request && !join.answers.has(conn)) {
      join.answers.set(conn, joinAnswerName(response.answer))
    }
    return null
  }

  /**
   * Whether the running request ended (14.4), given the connections still open and the time
   * (null: not a tick); clears it when it did.
   */
  settleJoin(open: (conn: ConnectionId) => boolean, now: number | null): JoinResult | null {
    const join = this.#join
    if (join === null) return null
    let result: JoinResult | null = null
    const denied = [...join.answers.values()].includes('denied')
    if (this.cutOf(join.feed) === null) result = 'granted'
    else if (now !== null && now >= join.deadline) result = denied ? 'denied' : 'timeout'
    else if (denied) {
      const waiting = [...join.asked.keys()].some((c) => open(c) && !join.answers.has(c))
      if (!waiting) result = 'denied'
    }
    if (result !== null) this.#join = null
    return result
  }

  get runningJoinFeed(): Key | null {
    return this.#join?.feed ?? null
  }

  // ---- join requests of remotes (14.4) ----

  /**
   * A JoinRequest from `conn`: answered at once (`respond`), or to be put to the application
   * (`ask`), or a violation.
   */
  onJoinRequest(
    conn: ConnectionId,
    body: Uint8Array,
  ): { respond: Outgoing } | { ask: JoinRequest } | { violation: Violation } {
    let request: JoinRequest
    try {
      request = decodeJoinRequest(body, this.#limits)
    } catch (err) {
      return { violation: ClosedMembership.violationOf(err, 'JoinRequest') }
    }
    const respond = (answer: number) => ({ respond: this.joinResponse(request.request, answer) })
    if (this.cutOf(request.feed) === null) return respond(JoinAnswer.Granted)
    if (!verifyJoinProof(this.closedDiscoveryKey, request)) return respond(JoinAnswer.Undecided)
    if (this.#self === null || !this.membership.isAdmin(this.#self)) {
      return respond(JoinAnswer.Undecided)
    }
    let asking = this.#asking.get(conn)
    if (asking === undefined) {
      asking = new Set()
      this.#asking.set(conn, asking)
    }
    if (asking.size >= MAX_JOIN_REQUESTS || asking.has(request.request)) {
      return respond(JoinAnswer.Undecided)
    }
    asking.add(request.request)
    return { ask: request }
  }

  /** Whether `conn` has a JoinRequest numbered `request` waiting for the application (taken). */
  takeAsked(conn: ConnectionId, request: number): boolean {
    return this.#asking.get(conn)?.delete(request) === true
  }

  joinResponse(request: number, answer: number): Outgoing {
    return {
      messageType: MembershipMessage.JoinResponse,
      body: encodeJoinResponse({ request, answer }),
    }
  }

  /** A connection's session ended: its join bookkeeping goes. */
  connectionEnded(conn: ConnectionId): void {
    this.#asking.delete(conn)
  }
}

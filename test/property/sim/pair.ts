/**
 * Two sessions joined by an in-memory ordered transport (one FIFO per direction). Every action
 * is logged per side; `send` actions are encoded and queued for the other side.
 */
import type { Limits } from '../../../src/codec/constants.js'
import { Session } from '../../../src/state/session.js'
import type { SessionAction, SessionEvent, SessionOptions } from '../../../src/state/types.js'
import { deliveredEvent, type OpenOptions, openEvent, plain } from './wire.js'

export type Side = 'a' | 'b'

export class SessionPair {
  readonly sessions: Record<Side, Session>
  readonly logs: Record<Side, SessionAction[]> = { a: [], b: [] }
  readonly inboxes: Record<Side, SessionEvent[]> = { a: [], b: [] }
  readonly #limits: Partial<Limits> | undefined

  constructor(options: { a?: SessionOptions; b?: SessionOptions; limits?: Partial<Limits> } = {}) {
    this.sessions = { a: new Session(options.a), b: new Session(options.b) }
    this.#limits = options.limits
  }

  /** Opens both sides (a is the initiator) without delivering anything yet. */
  open(a: Omit<OpenOptions, 'role'> = {}, b: Omit<OpenOptions, 'role'> = {}): this {
    this.input('a', openEvent({ role: 'initiator', limits: this.#limits, ...a }))
    this.input('b', openEvent({ role: 'responder', limits: this.#limits, ...b }))
    return this
  }

  /** Feeds one event to a side, logs its actions and queues its sends for the other side. */
  input(side: Side, event: SessionEvent): SessionAction[] {
    const raw = this.sessions[side].handle(event)
    const actions = plain(raw)
    const other: Side = side === 'a' ? 'b' : 'a'
    for (const [i, action] of raw.entries()) {
      this.logs[side].push(actions[i]!)
      if (action.type === 'send') this.inboxes[other].push(deliveredEvent(action, this.#limits))
    }
    return actions
  }

  /** Delivers the oldest pending event to `side`; false when none is pending. */
  deliverOne(side: Side): boolean {
    const event = this.inboxes[side].shift()
    if (event === undefined) return false
    this.input(side, event)
    return true
  }

  /** Delivers until both inboxes are empty, alternating sides. */
  flush(maxSteps = 1_000_000): this {
    for (let step = 0; step < maxSteps; step++) {
      const a = this.deliverOne('a')
      const b = this.deliverOne('b')
      if (!a && !b) return this
    }
    throw new Error('flush did not settle')
  }

  /** Actions of `side` of the given type. */
  actionsOf<T extends SessionAction['type']>(
    side: Side,
    type: T,
  ): Extract<SessionAction, { type: T }>[] {
    return this.logs[side].filter((a): a is Extract<SessionAction, { type: T }> => a.type === type)
  }
}

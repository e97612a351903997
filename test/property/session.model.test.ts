/**
 * Model-based test (fast-check commands): one session (ours) driven by a scripted remote peer
 * that sends valid and invalid messages, plus local events. The model does not re-implement
 * the session: it records what each side said and checks relations on every action:
 * - nothing after close or fail, and `close` is always the last action;
 * - a key is only requested if the remote offered it (and it is not blocked);
 * - a key is only replicated if requested and offered and not blocked;
 * - the remote's distinct offered feeds never exceed maxRemoteFeeds (past it: ERR_LIMIT_EXCEEDED);
 * - requests never push the collection past maxFeeds;
 * - `synced` fires exactly when every accepted feed reached its advertised length (and the
 *   remote's batch is complete, nothing outstanding), on each not-synced -> synced transition.
 * A second property feeds hostile bytes: the session never throws, closes at most once, and
 * is deterministic (two sessions given the same events return the same actions).
 * Failures print a seed and path: replay with `fc.assert(..., { seed, path })`.
 */
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { encodeMessage, messageTypeOf } from '../../src/codec/channel-message.js'
import type { Limits } from '../../src/codec/constants.js'
import { EntryBlock } from '../../src/codec/entry-block.js'
import { encodeHandshake } from '../../src/codec/handshake.js'
import { KeyBlock } from '../../src/codec/key-block.js'
import type { ChannelMessage, Key, Replicate } from '../../src/codec/messages.js'
import { toHex } from '../../src/state/hex.js'
import { Session } from '../../src/state/session.js'
import type { SendAction, SessionAction, SessionEvent } from '../../src/state/types.js'
import { capabilities, openEvent, testKey } from './sim/wire.js'

const LIMITS: Partial<Limits> = {
  maxRemoteFeeds: 4,
  maxFeeds: 5,
  maxEntriesPerMessage: 3,
  handshakeTimeout: 100,
}
const POOL: Key[] = Array.from({ length: 7 }, (_, i) => testKey(i, 0x70))
const HEX = POOL.map(toHex)
const INITIAL_FEEDS = [0, 1] // we start holding keys 0 and 1

interface Model {
  phase: 'await' | 'open' | 'closed'
  /** Highest length we offered, per key (from our sent Manifests). */
  ourOffers: Map<string, number>
  /** Highest length the remote advertised, per key. */
  remoteOffers: Map<string, number>
  blocked: Set<string>
  /** Local collection lengths. */
  local: Map<string, number>
  /** Our Requests not answered yet, oldest first. */
  outstanding: string[][]
  accepted: Set<string>
  replicating: Set<string>
  remoteBatchOpen: boolean
  remoteBatchCompleted: boolean
  synced: boolean
  now: number
}

interface Real {
  session: Session
}

const remoteLimits: Partial<Limits> = { maxEntriesPerMessage: 64 }

function message(m: ChannelMessage): SessionEvent {
  return { type: 'message', messageType: messageTypeOf(m), body: encodeMessage(m, remoteLimits) }
}

const isOutstanding = (model: Model, hex: string) => model.outstanding.some((r) => r.includes(hex))

function syncedCondition(model: Model): boolean {
  if (model.phase !== 'open' || !model.remoteBatchCompleted || model.remoteBatchOpen) return false
  if (model.outstanding.length > 0) return false
  for (const hex of model.accepted) {
    if ((model.local.get(hex) ?? 0) < (model.remoteOffers.get(hex) ?? 0)) return false
  }
  return true
}

/**
 * Checks the invariants that hold for every action list and updates the model from it.
 * `answered`: keys the remote requested in this event; `acceptable`: keys of the Replicate we
 * received in this event (head request), both already filtered to what the rules allow.
 */
function observe(
  model: Model,
  actions: SessionAction[],
  context: { answerable?: Set<string>; acceptable?: Set<string> } = {},
): void {
  if (model.phase === 'closed') {
    expect(actions).toEqual([])
    return
  }
  const closeAt = actions.findIndex((a) => a.type === 'close')
  if (closeAt !== -1) expect(closeAt).toBe(actions.length - 1)
  let sawSynced = false
  for (const action of actions) {
    switch (action.type) {
      case 'send': {
        const m = action.message
        if (m.type === 'manifest') {
          expect(model.phase).toBe('open')
          for (const entry of m.entries) {
            const hex = toHex(entry.key)
            expect(model.local.has(hex), 'offered a feed we do not hold').toBe(true)
            expect(model.blocked.has(hex), 'offered a blocked feed').toBe(false)
            model.ourOffers.set(hex, Math.max(model.ourOffers.get(hex) ?? 0, entry.length))
          }
        } else if (m.type === 'request') {
          const hexes = m.keys.map(toHex)
          for (const hex of hexes) {
            expect(model.remoteOffers.has(hex), 'requested a key the remote never offered').toBe(
              true,
            )
            expect(model.blocked.has(hex), 'requested a blocked key').toBe(false)
            expect(model.accepted.has(hex), 'requested an accepted key again').toBe(false)
            expect(isOutstanding(model, hex), 'requested a key twice').toBe(false)
          }
          model.outstanding.push(hexes)
          // Keys the collection lacks need room; held keys do not (local additions may fill it).
          if (hexes.some((hex) => !model.local.has(hex))) {
            const reserved = new Set(
              model.outstanding.flat().filter((hex) => !model.local.has(hex)),
            )
            expect(model.local.size + reserved.size, 'requests past maxFeeds').toBeLessThanOrEqual(
              LIMITS.maxFeeds!,
            )
          }
        } else if (m.type === 'replicate') {
          for (const hex of m.keys.map(toHex)) {
            expect(context.answerable?.has(hex), 'agreed to a key not requested/offered').toBe(true)
          }
        }
        break
      }
      case 'replicate':
        for (const hex of action.keys.map(toHex)) {
          const allowed = context.answerable?.has(hex) || context.acceptable?.has(hex)
          expect(allowed, 'replicating a key not requested and offered').toBe(true)
          expect(model.blocked.has(hex)).toBe(false)
          expect(model.replicating.has(hex), 'replicate twice').toBe(false)
          model.replicating.add(hex)
        }
        break
      case 'unreplicate':
        for (const hex of action.keys.map(toHex)) {
          expect(model.replicating.delete(hex), 'unreplicate of a key not replicating').toBe(true)
        }
        break
      case 'add-feeds':
        for (const entry of action.feeds) {
          const hex = toHex(entry.key)
          expect(context.acceptable?.has(hex), 'added a key not accepted').toBe(true)
          expect(model.local.has(hex), 'added a key already held').toBe(false)
          expect(entry.length).toBe(model.remoteOffers.get(hex))
          model.local.set(hex, 0)
        }
        break
      case 'remote-feeds':
        for (const hex of action.keys.map(toHex)) {
          expect(model.accepted.has(hex) || context.acceptable?.has(hex)).toBe(true)
        }
        break
      case 'synced':
        sawSynced = true
        break
      case 'fail':
      case 'close':
        model.phase = 'closed'
        break
      default:
        break
    }
  }
  if (model.phase === 'closed') return
  for (const hex of context.acceptable ?? []) model.accepted.add(hex)
  const condition = syncedCondition(model)
  expect(sawSynced, 'synced must fire exactly on a not-synced -> synced transition').toBe(
    condition && !model.synced,
  )
  model.synced = condition
}

/** A message over our maxEntriesPerMessage fails at decoding, whatever it says. */
function overEntryLimit(model: Model, actions: SessionAction[], count: number): boolean {
  if (model.phase !== 'open' || count <= LIMITS.maxEntriesPerMessage!) return false
  expectFailure(actions, 'ERR_LIMIT_EXCEEDED')
  observe(model, actions)
  return true
}

function expectFailure(actions: SessionAction[], code: string): void {
  expect(actions.map((a) => a.type)).toEqual(['send', 'fail', 'close'])
  expect(actions[1]).toMatchObject({ type: 'fail', code, remote: true })
}

function validRemoteHandshake(): SessionEvent {
  const body = encodeHandshake({
    type: 'handshake',
    major: 1,
    minor: 0,
    client: 'multifeed',
    capability: capabilities('responder').localCapability,
    userData: null,
  })
  return { type: 'remote-open', body }
}

class RemoteOpen implements fc.Command<Model, Real> {
  check = () => true
  run(model: Model, real: Real) {
    const actions = real.session.handle(validRemoteHandshake())
    if (model.phase === 'open') expectFailure(actions, 'ERR_UNEXPECTED_MESSAGE')
    if (model.phase === 'await') {
      expect(actions.slice(0, 2).map((a) => a.type)).toEqual(['timer', 'remote-handshake'])
      model.phase = 'open'
    }
    observe(model, actions)
  }
  toString = () => 'RemoteOpen'
}

class RemoteManifest implements fc.Command<Model, Real> {
  constructor(
    readonly entries: [number, number][],
    readonly more: boolean,
  ) {}
  check = () => true
  run(model: Model, real: Real) {
    const entries = this.entries.map(([i, length]) => ({ key: POOL[i]!, length, data: null }))
    const actions = real.session.handle(
      message({ type: 'manifest', more: this.more, entries: EntryBlock.from(entries) }),
    )
    if (model.phase === 'await') {
      expectFailure(actions, 'ERR_UNEXPECTED_MESSAGE')
      return observe(model, actions)
    }
    if (model.phase === 'closed') return observe(model, actions)
    if (overEntryLimit(model, actions, entries.length)) return
    const distinct = new Set([...model.remoteOffers.keys(), ...entries.map((e) => toHex(e.key))])
    if (distinct.size > LIMITS.maxRemoteFeeds!) {
      expectFailure(actions, 'ERR_LIMIT_EXCEEDED')
      return observe(model, actions)
    }
    for (const e of entries) {
      const hex = toHex(e.key)
      model.remoteOffers.set(hex, Math.max(model.remoteOffers.get(hex) ?? 0, e.length))
    }
    model.remoteBatchOpen = this.more
    if (!this.more) model.remoteBatchCompleted = true
    observe(model, actions)
  }
  toString = () => `RemoteManifest(${JSON.stringify(this.entries)}, more=${this.more})`
}

class RemoteRequest implements fc.Command<Model, Real> {
  constructor(readonly keys: number[]) {}
  check = () => true
  run(model: Model, real: Real) {
    const keys = this.keys.map((i) => POOL[i]!)
    const actions = real.session.handle(message({ type: 'request', keys: KeyBlock.from(keys) }))
    if (model.phase === 'await') {
      expectFailure(actions, 'ERR_UNEXPECTED_MESSAGE')
      return observe(model, actions)
    }
    if (model.phase === 'closed') return observe(model, actions)
    if (overEntryLimit(model, actions, keys.length)) return
    const hexes = keys.map(toHex)
    if (hexes.some((hex) => !model.ourOffers.has(hex))) {
      expectFailure(actions, 'ERR_NOT_OFFERED')
      return observe(model, actions)
    }
    // Exactly one Replicate: the requested keys not blocked, in order, without duplicates.
    const agreed = [...new Set(hexes)].filter((hex) => !model.blocked.has(hex))
    expect(actions[0]).toMatchObject({ type: 'send', message: { type: 'replicate' } })
    const replicate = (actions[0] as SendAction).message as Replicate
    expect(replicate.keys.map(toHex)).toEqual(agreed)
    observe(model, actions, { answerable: new Set(agreed) })
  }
  toString = () => `RemoteRequest(${JSON.stringify(this.keys)})`
}

class RemoteReplicate implements fc.Command<Model, Real> {
  constructor(
    readonly mask: boolean[],
    readonly bogus: number | null,
  ) {}
  check = () => true
  run(model: Model, real: Real) {
    const head = model.outstanding[0] ?? []
    const chosen = head.filter((_, i) => this.mask[i % this.mask.length] ?? true)
    const hexes = this.bogus === null ? chosen : [...chosen, HEX[this.bogus]!]
    const keys = hexes.map((hex) => POOL[HEX.indexOf(hex)]!)
    const actions = real.session.handle(message({ type: 'replicate', keys: KeyBlock.from(keys) }))
    if (model.phase === 'await') {
      expectFailure(actions, 'ERR_UNEXPECTED_MESSAGE')
      return observe(model, actions)
    }
    if (model.phase === 'closed') return observe(model, actions)
    if (overEntryLimit(model, actions, keys.length)) return
    if (model.outstanding.length === 0) {
      expectFailure(actions, 'ERR_UNEXPECTED_MESSAGE')
      return observe(model, actions)
    }
    if (hexes.some((hex) => !head.includes(hex))) {
      expectFailure(actions, 'ERR_NOT_REQUESTED')
      return observe(model, actions)
    }
    model.outstanding.shift()
    const acceptable = new Set(hexes.filter((hex) => !model.blocked.has(hex)))
    observe(model, actions, { acceptable })
  }
  toString = () => `RemoteReplicate(${JSON.stringify(this.mask)}, bogus=${this.bogus})`
}

class LocalFeedCommand implements fc.Command<Model, Real> {
  constructor(
    readonly index: number,
    readonly length: number,
  ) {}
  check = () => true
  run(model: Model, real: Real) {
    const hex = HEX[this.index]!
    const actions = real.session.handle({
      type: 'local-feed',
      feed: { key: POOL[this.index]!, length: this.length, data: null },
    })
    if (model.phase !== 'closed')
      model.local.set(hex, Math.max(model.local.get(hex) ?? 0, this.length))
    observe(model, actions)
  }
  toString = () => `LocalFeed(${this.index}, ${this.length})`
}

class LocalLength implements fc.Command<Model, Real> {
  constructor(
    readonly index: number,
    readonly length: number,
  ) {}
  check = () => true
  run(model: Model, real: Real) {
    const hex = HEX[this.index]!
    const actions = real.session.handle({
      type: 'local-length',
      key: POOL[this.index]!,
      length: this.length,
    })
    // A local length never sends anything; at most it completes `synced`.
    expect(actions.filter((a) => a.type !== 'synced')).toEqual([])
    if (model.phase !== 'closed' && model.local.has(hex)) {
      model.local.set(hex, Math.max(model.local.get(hex)!, this.length))
    }
    observe(model, actions)
  }
  toString = () => `LocalLength(${this.index}, ${this.length})`
}

class Block implements fc.Command<Model, Real> {
  constructor(readonly index: number) {}
  check = () => true
  run(model: Model, real: Real) {
    const hex = HEX[this.index]!
    const actions = real.session.handle({ type: 'block', key: POOL[this.index]! })
    if (model.phase !== 'closed') {
      const wasReplicating = model.replicating.has(hex)
      expect(actions.filter((a) => a.type === 'unreplicate').length).toBe(wasReplicating ? 1 : 0)
      model.blocked.add(hex)
      model.accepted.delete(hex)
    }
    observe(model, actions)
  }
  toString = () => `Block(${this.index})`
}

class Tick implements fc.Command<Model, Real> {
  constructor(readonly advance: number) {}
  check = () => true
  run(model: Model, real: Real) {
    model.now += this.advance
    const actions = real.session.handle({ type: 'tick', now: model.now })
    if (model.phase === 'await' && model.now >= LIMITS.handshakeTimeout!) {
      expectFailure(actions, 'ERR_HANDSHAKE_TIMEOUT')
    } else if (model.phase !== 'closed') {
      expect(actions.filter((a) => a.type !== 'synced')).toEqual([])
    }
    observe(model, actions)
  }
  toString = () => `Tick(+${this.advance})`
}

class Closing implements fc.Command<Model, Real> {
  constructor(readonly how: 'local' | 'remote-ok' | 'remote-error' | 'transport') {}
  check = () => true
  run(model: Model, real: Real) {
    const event: SessionEvent =
      this.how === 'local'
        ? { type: 'close' }
        : this.how === 'transport'
          ? { type: 'transport-closed' }
          : message({ type: 'close', code: this.how === 'remote-ok' ? 0 : 6, reason: 'bye' })
    const actions = real.session.handle(event)
    if (model.phase === 'open' || (model.phase === 'await' && !event.type.startsWith('message'))) {
      expect(actions.at(-1)).toMatchObject({ type: 'close' })
    }
    observe(model, actions)
  }
  toString = () => `Close(${this.how})`
}

const index = fc.integer({ min: 0, max: POOL.length - 1 })
const length = fc.integer({ min: 0, max: 4 })

const commandArbitrary = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new RemoteOpen()) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(index, length), { maxLength: 4 }), fc.boolean())
      .map(([entries, more]) => new RemoteManifest(entries, more)),
  },
  {
    weight: 3,
    arbitrary: fc.array(index, { maxLength: 4 }).map((keys) => new RemoteRequest(keys)),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), fc.option(index, { freq: 8 }))
      .map(([mask, bogus]) => new RemoteReplicate(mask, bogus)),
  },
  { weight: 3, arbitrary: fc.tuple(index, length).map(([i, n]) => new LocalFeedCommand(i, n)) },
  { weight: 5, arbitrary: fc.tuple(index, length).map(([i, n]) => new LocalLength(i, n)) },
  { weight: 2, arbitrary: index.map((i) => new Block(i)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => new Tick(n)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('local', 'remote-ok', 'remote-error', 'transport')
      .map((how) => new Closing(how as Closing['how'])),
  },
)

test('a session against a scripted remote keeps its invariants', () => {
  fc.assert(
    fc.property(
      fc.nat(9),
      fc.commands([commandArbitrary], { maxCommands: 40 }),
      (start, commands) => {
        const session = new Session()
        const feeds = INITIAL_FEEDS.map((i) => ({ key: POOL[i]!, length: i + 1, data: null }))
        const model: Model = {
          phase: 'await',
          ourOffers: new Map(),
          remoteOffers: new Map(),
          blocked: new Set(),
          local: new Map(feeds.map((f) => [toHex(f.key), f.length])),
          outstanding: [],
          accepted: new Set(),
          replicating: new Set(),
          remoteBatchOpen: false,
          remoteBatchCompleted: false,
          synced: false,
          now: 0,
        }
        const opened = session.handle(openEvent({ role: 'initiator', feeds, limits: LIMITS }))
        expect(opened.map((a) => a.type)).toEqual(['send', 'timer'])
        // Most runs start verified so that they reach deep states; one in ten starts before it.
        if (start > 0) new RemoteOpen().run(model, { session })
        fc.modelRun(() => ({ model, real: { session } }), commands)
      },
    ),
    { numRuns: 1000 },
  )
})

test('hostile bytes never throw, and the same inputs always give the same actions', () => {
  const hostileEvent: fc.Arbitrary<SessionEvent> = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 80 }))
      .map(([messageType, body]) => ({ type: 'message' as const, messageType, body })),
    fc.uint8Array({ maxLength: 80 }).map((body) => ({ type: 'remote-open' as const, body })),
    // a valid Manifest now and then, so later Requests and Replicates can be valid too
    fc.array(fc.tuple(index, length), { maxLength: 3 }).map((entries) =>
      message({
        type: 'manifest',
        more: false,
        entries: EntryBlock.from(
          entries.map(([i, n]) => ({ key: POOL[i]!, length: n, data: null })),
        ),
      }),
    ),
  )
  fc.assert(
    fc.property(fc.boolean(), fc.array(hostileEvent, { maxLength: 20 }), (verified, events) => {
      const run = () => {
        const session = new Session()
        const feeds = INITIAL_FEEDS.map((i) => ({ key: POOL[i]!, length: 1, data: null }))
        const log = [session.handle(openEvent({ role: 'initiator', feeds, limits: LIMITS }))]
        // Half the runs start past a valid handshake, so hostile bytes reach every message rule.
        if (verified) log.push(session.handle(validRemoteHandshake()))
        let closed = false
        for (const event of events) {
          const actions = session.handle(event)
          if (closed) expect(actions).toEqual([])
          const closeAt = actions.findIndex((a) => a.type === 'close')
          if (closeAt !== -1) {
            expect(closeAt).toBe(actions.length - 1)
            closed = true
          }
          log.push(actions)
        }
        return log
      }
      expect(run()).toEqual(run())
    }),
    { numRuns: 1000 },
  )
})

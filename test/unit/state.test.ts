/**
 * Hand-checked tests of the session rules (spec/multifeed.md sections 7-10). Every expectation
 * here is written out by hand from the rules, independently of the trace generator.
 */
import { describe, expect, test } from 'vitest'
import { encodeMessage, messageTypeOf } from '../../src/codec/channel-message.js'
import { DEFAULT_LIMITS, type Limits } from '../../src/codec/constants.js'
import { EntryBlock } from '../../src/codec/entry-block.js'
import { encodeHandshake } from '../../src/codec/handshake.js'
import { KeyBlock } from '../../src/codec/key-block.js'
import type {
  ChannelMessage,
  Handshake,
  Key,
  Manifest,
  ManifestEntry,
  Replicate,
  Request,
} from '../../src/codec/messages.js'
import { toHex } from '../../src/state/hex.js'
import { Session as RawSession } from '../../src/state/session.js'
import type {
  AddFeedsAction,
  LocalFeed,
  RemoteFeedsAction,
  ReplicateAction,
  SendAction,
  SessionAction,
  SessionEvent,
  SessionOptions,
} from '../../src/state/types.js'
import { SessionPair } from '../property/sim/pair.js'
import {
  capabilities,
  deliveredEvent,
  feed,
  openEvent,
  plain,
  testKey,
} from '../property/sim/wire.js'

/** The session under test, with byte arrays in its actions compared as plain Uint8Arrays. */
class Session extends RawSession {
  override handle(event: SessionEvent): SessionAction[] {
    return plain(super.handle(event))
  }
}

const A = testKey(1)
const B = testKey(2)
const C = testKey(3)
const X = testKey(24)

function remoteHandshake(
  overrides: Partial<Handshake> = {},
  limits?: Partial<Limits>,
): SessionEvent {
  const handshake: Handshake = {
    type: 'handshake',
    major: 1,
    minor: 0,
    client: 'multifeed',
    capability: capabilities('responder').localCapability,
    userData: null,
    ...overrides,
  }
  return { type: 'remote-open', body: encodeHandshake(handshake, limits) }
}

function message(m: ChannelMessage, limits?: Partial<Limits>): SessionEvent {
  return { type: 'message', messageType: messageTypeOf(m), body: encodeMessage(m, limits) }
}

const manifest = (entries: [Key, number][], more = false): SessionEvent =>
  message({
    type: 'manifest',
    more,
    entries: EntryBlock.from(entries.map(([key, length]) => ({ key, length, data: null }))),
  })
const request = (...keys: Key[]): SessionEvent =>
  message({ type: 'request', keys: KeyBlock.from(keys) })
const replicate = (...keys: Key[]): SessionEvent =>
  message({ type: 'replicate', keys: KeyBlock.from(keys) })
const closeMessage = (code: number, reason = ''): SessionEvent =>
  message({ type: 'close', code, reason })

/** An initiator session past a verified handshake; returns the actions of both steps. */
function openSession(
  config: { feeds?: LocalFeed[]; blocked?: Key[]; limits?: Partial<Limits>; now?: number } = {},
  options: SessionOptions = {},
) {
  const session = new Session(options)
  const opened = session.handle(openEvent({ role: 'initiator', ...config }))
  const verified = session.handle(remoteHandshake())
  return { session, opened, verified }
}

const types = (actions: SessionAction[]) => actions.map((a) => a.type)
/** A sent message as the test Session's plain() left it: lists of keys and entries as arrays. */
interface Sent {
  type: string
  more?: boolean
  entries?: ManifestEntry[]
  keys?: Key[]
}
const sent = (actions: SessionAction[]): Sent[] =>
  actions.flatMap((a) => (a.type === 'send' ? [a.message as unknown as Sent] : []))

function expectFailure(actions: SessionAction[], code: string, wireCode: number) {
  expect(types(actions)).toEqual(['send', 'fail', 'close'])
  expect(actions[0]).toMatchObject({ type: 'send', message: { type: 'close', code: wireCode } })
  expect(actions[1]).toMatchObject({ type: 'fail', code, wireCode, remote: true })
  expect(actions[2]).toEqual({ type: 'close', by: 'local' })
}

describe('spec 7.3: open', () => {
  test('sends only the handshake and a timer, even with feeds to offer', () => {
    const session = new Session()
    const actions = session.handle(
      openEvent({
        role: 'initiator',
        now: 500,
        feeds: [feed(A, 1)],
        userData: new Uint8Array([7]),
      }),
    )
    expect(actions).toEqual([
      {
        type: 'send',
        message: {
          type: 'handshake',
          major: 1,
          minor: 1, // protocol 1.1 by default (OpenEvent.minor)
          client: 'multifeed',
          capability: plain(capabilities('initiator').localCapability),
          userData: new Uint8Array([7]),
        },
      },
      { type: 'timer', at: 500 + DEFAULT_LIMITS.handshakeTimeout },
    ])
  })

  test('events before open and a second open are usage errors, not actions', () => {
    const session = new Session()
    expect(() => session.handle({ type: 'tick', now: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    )
    session.handle(openEvent({ role: 'initiator' }))
    expect(() => session.handle(openEvent({ role: 'initiator' }))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    )
    expect(() => session.handle({ type: 'block', key: new Uint8Array(31) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })

  test('a client name the Handshake cannot carry is refused at open, before anything is sent', () => {
    // A lone surrogate has no UTF-8 form: the codec would refuse the Handshake later.
    for (const client of ['a\uD800', 'x'.repeat(DEFAULT_LIMITS.maxClientBytes + 1)]) {
      const session = new Session()
      expect(() => session.handle({ ...openEvent({ role: 'initiator' }), client })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('spec 7.3: the remote handshake', () => {
  test('verified: cancel the timer, report the handshake, then the initial batch', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator', feeds: [feed(B, 2), feed(A, 1)] }))
    const actions = session.handle(remoteHandshake({ userData: new Uint8Array([1, 2]) }))
    expect(actions).toEqual([
      { type: 'timer', at: null },
      {
        type: 'remote-handshake',
        major: 1,
        minor: 0,
        client: 'multifeed',
        userData: new Uint8Array([1, 2]),
      },
      {
        type: 'send',
        message: {
          type: 'manifest',
          more: false,
          entries: [
            { key: B, length: 2, data: null },
            { key: A, length: 1, data: null },
          ],
        },
      },
    ])
  })

  test('a foreign major fails with both versions', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    // major 2, minor 5, then bytes a v2 peer might send: only the version prefix is read
    const actions = session.handle({
      type: 'remote-open',
      body: new Uint8Array([2, 5, 0xff, 0xff]),
    })
    expectFailure(actions, 'ERR_VERSION_MISMATCH', 1)
    expect(actions[1]).toMatchObject({
      usVersion: { major: 1, minor: 1 },
      themVersion: { major: 2, minor: 5 },
    })
  })

  test('a different client name fails with both names', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    const actions = session.handle(remoteHandshake({ client: 'cabal' }))
    expectFailure(actions, 'ERR_CLIENT_MISMATCH', 2)
    expect(actions[1]).toMatchObject({ usClient: 'multifeed', themClient: 'cabal' })
  })

  test('a reflected capability (our own role) is refused, and no feed key is sent', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator', feeds: [feed(A, 1)] }))
    const actions = session.handle(
      remoteHandshake({ capability: capabilities('initiator').localCapability }),
    )
    expectFailure(actions, 'ERR_BAD_CAPABILITY', 3)
  })

  test('checks run in order: version before client before capability', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    const actions = session.handle(
      remoteHandshake({ client: 'other', capability: new Uint8Array(32) }),
    )
    expect(actions[1]).toMatchObject({ code: 'ERR_CLIENT_MISMATCH' })
  })

  test('malformed and oversized handshakes', () => {
    const good = remoteHandshake() as { body: Uint8Array }
    const trailing = new Uint8Array([...good.body, 0])
    let session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    let actions = session.handle({ type: 'remote-open', body: trailing })
    expectFailure(actions, 'ERR_MALFORMED_MESSAGE', 5)
    expect(actions[1]).toMatchObject({ decodeCode: 'ERR_DECODE_TRAILING_BYTES' })

    // Our own Handshake is 45 bytes (it must fit); the remote's, with userData, is 47.
    const withUserData = remoteHandshake({ userData: new Uint8Array(1) }) as { body: Uint8Array }
    session = new Session()
    session.handle(openEvent({ role: 'initiator', limits: { maxMessageBytes: 45 } }))
    actions = session.handle({ type: 'remote-open', body: withUserData.body })
    expectFailure(actions, 'ERR_LIMIT_EXCEEDED', 6)
    expect(actions[1]).toMatchObject({ decodeCode: 'ERR_DECODE_MESSAGE_TOO_LARGE' })
  })

  test('a second handshake is unexpected', () => {
    const { session } = openSession()
    expectFailure(session.handle(remoteHandshake()), 'ERR_UNEXPECTED_MESSAGE', 7)
  })
})

describe('spec 7.4: messages', () => {
  test('a message before the handshake is unexpected', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    expectFailure(session.handle(manifest([])), 'ERR_UNEXPECTED_MESSAGE', 7)
  })

  test('an unknown message type is ignored', () => {
    const { session } = openSession()
    expect(
      session.handle({ type: 'message', messageType: 9, body: new Uint8Array([1, 2, 3]) }),
    ).toEqual([])
    expect(session.phase).toBe('open')
  })

  test('a malformed body fails; a too-long one is a limit', () => {
    let { session } = openSession()
    let actions = session.handle({ type: 'message', messageType: 1, body: new Uint8Array([2, 0]) })
    expectFailure(actions, 'ERR_MALFORMED_MESSAGE', 5)
    expect(actions[1]).toMatchObject({ decodeCode: 'ERR_DECODE_RESERVED_FLAGS' })
    ;({ session } = openSession({ limits: { maxEntriesPerMessage: 1 } }))
    actions = session.handle({ type: 'message', messageType: 1, body: new Uint8Array([0, 2]) })
    expectFailure(actions, 'ERR_LIMIT_EXCEEDED', 6)
    expect(actions[1]).toMatchObject({ decodeCode: 'ERR_DECODE_TOO_MANY_ENTRIES' })
  })
})

describe('spec 7.5: offering', () => {
  test('an empty collection still sends one empty Manifest', () => {
    const { verified } = openSession()
    expect(sent(verified)).toEqual([{ type: 'manifest', more: false, entries: [] }])
  })

  test('blocked feeds and feeds the share policy refuses are not offered', () => {
    const { verified } = openSession(
      { feeds: [feed(A, 1), feed(B, 1), feed(C, 1)], blocked: [B] },
      { share: (f) => toHex(f.key) !== toHex(C) },
    )
    expect(sent(verified)).toEqual([
      { type: 'manifest', more: false, entries: [{ key: A, length: 1, data: null }] },
    ])
  })

  test('the batch is split by maxEntriesPerMessage: more=true on all but the last', () => {
    const feeds = [1, 2, 3, 4, 5].map((n) => feed(testKey(n), n))
    const { verified } = openSession({ feeds, limits: { maxEntriesPerMessage: 2 } })
    const manifests = sent(verified) as { more: boolean; entries: unknown[] }[]
    expect(manifests.map((m) => [m.more, m.entries.length])).toEqual([
      [true, 2],
      [true, 2],
      [false, 1],
    ])
  })

  test('the batch is split by maxMessageBytes', () => {
    // An entry without data and with length < 253 is 1 + 32 + 1 = 34 bytes; a header is 2.
    const feeds = [1, 2, 3, 4, 5].map((n) => feed(testKey(n), n))
    const { verified } = openSession({ feeds, limits: { maxMessageBytes: 2 + 34 * 2 } })
    // As plain() left them: the entries as arrays.
    const manifests = sent(verified) as { more: boolean; entries: ManifestEntry[] }[]
    expect(manifests.map((m) => m.entries.length)).toEqual([2, 2, 1])
    for (const m of manifests) {
      const message = {
        type: 'manifest' as const,
        more: m.more,
        entries: EntryBlock.from(m.entries),
      }
      expect(encodeMessage(message).byteLength).toBeLessThanOrEqual(70)
    }
  })

  test('local-feed: announced once OPEN, skipped if the remote knows it, re-offered when longer', () => {
    const { session } = openSession({ feeds: [feed(A, 1)] })
    expect(sent(session.handle({ type: 'local-feed', feed: feed(B, 4) }))).toEqual([
      { type: 'manifest', more: false, entries: [{ key: B, length: 4, data: null }] },
    ])
    expect(session.handle({ type: 'local-feed', feed: feed(B, 4) })).toEqual([])
    expect(session.handle({ type: 'local-feed', feed: feed(A, 1) })).toEqual([])
    expect(sent(session.handle({ type: 'local-feed', feed: feed(A, 2) }))).toEqual([
      { type: 'manifest', more: false, entries: [{ key: A, length: 2, data: null }] },
    ])
    session.handle(manifest([[C, 5]]))
    expect(session.handle({ type: 'local-feed', feed: feed(C, 5) })).toEqual([])
    expect(sent(session.handle({ type: 'local-feed', feed: feed(C, 6) }))).toHaveLength(1)
  })

  test('before OPEN a local feed joins the initial batch', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator', feeds: [feed(A, 1)] }))
    expect(session.handle({ type: 'local-feed', feed: feed(B, 2) })).toEqual([])
    expect(sent(session.handle(remoteHandshake()))).toEqual([
      {
        type: 'manifest',
        more: false,
        entries: [
          { key: A, length: 1, data: null },
          { key: B, length: 2, data: null },
        ],
      },
    ])
  })
})

describe('spec 7.5: local-feeds (several feeds, one batch)', () => {
  const entry = (key: Key, length: number) => ({ key, length, data: null })

  test('the offers of a list go out in one Manifest, in list order, with the local-feed skips', () => {
    const { session } = openSession({ feeds: [feed(A, 1)] })
    session.handle(manifest([[C, 5]]))
    const D = testKey(4)
    const actions = session.handle({
      type: 'local-feeds',
      // B new; C known to the remote at 5; D new; B again at the same length; A longer.
      feeds: [feed(B, 4), feed(C, 5), feed(D, 2), feed(B, 4), feed(A, 2)],
    })
    expect(actions).toEqual([
      {
        type: 'send',
        message: {
          type: 'manifest',
          more: false,
          entries: [entry(B, 4), entry(D, 2), entry(A, 2)],
        },
      },
    ])
    // Each was recorded as offered: a single local-feed of any of them now sends nothing.
    for (const f of [feed(B, 4), feed(D, 2), feed(A, 2)]) {
      expect(session.handle({ type: 'local-feed', feed: f })).toEqual([])
    }
  })

  test('the same actions as one local-feed per feed, except for the batching', () => {
    const list = [feed(B, 4), feed(C, 1), feed(A, 1), feed(B, 6), feed(X, 3)]
    const single = openSession({ feeds: [feed(A, 1)] }).session
    const entries = list.flatMap((f) =>
      sent(single.handle({ type: 'local-feed', feed: f })).flatMap(
        (m) => (m as { entries: unknown[] }).entries,
      ),
    )
    const batched = openSession({ feeds: [feed(A, 1)] }).session
    expect(sent(batched.handle({ type: 'local-feeds', feeds: list }))).toEqual([
      { type: 'manifest', more: false, entries },
    ])
    expect(entries).toEqual([entry(B, 4), entry(C, 1), entry(B, 6), entry(X, 3)])
  })

  test('split by maxEntriesPerMessage: more=true on all but the last Manifest', () => {
    const { session } = openSession({ limits: { maxEntriesPerMessage: 2 } })
    const feeds = [1, 2, 3, 4, 5].map((n) => feed(testKey(n), n))
    const manifests = sent(session.handle({ type: 'local-feeds', feeds })) as {
      more: boolean
      entries: { key: Key }[]
    }[]
    expect(manifests.map((m) => m.more)).toEqual([true, true, false])
    expect(manifests.flatMap((m) => m.entries.map((e) => e.key))).toEqual(feeds.map((f) => f.key))
  })

  test('split by maxMessageBytes', () => {
    const { session } = openSession({ limits: { maxMessageBytes: 2 + 34 * 2 } })
    const feeds = [1, 2, 3].map((n) => feed(testKey(n), n))
    const manifests = sent(session.handle({ type: 'local-feeds', feeds })) as {
      more: boolean
      entries: unknown[]
    }[]
    expect(manifests.map((m) => [m.more, m.entries.length])).toEqual([
      [true, 2],
      [false, 1],
    ])
  })

  test('nothing to offer (an empty list, known or refused feeds) sends nothing', () => {
    const { session } = openSession(
      { feeds: [feed(A, 3)] },
      { share: (f) => toHex(f.key) !== toHex(X) },
    )
    expect(session.handle({ type: 'local-feeds', feeds: [] })).toEqual([])
    expect(session.handle({ type: 'local-feeds', feeds: [feed(A, 2), feed(X, 1)] })).toEqual([])
  })

  test('before OPEN the feeds join the initial batch, after the open feeds', () => {
    const session = new Session()
    session.handle(
      openEvent({ role: 'initiator', feeds: [feed(A, 1)], limits: { maxEntriesPerMessage: 2 } }),
    )
    expect(session.handle({ type: 'local-feeds', feeds: [feed(B, 2), feed(C, 3)] })).toEqual([])
    expect(sent(session.handle(remoteHandshake()))).toEqual([
      { type: 'manifest', more: true, entries: [entry(A, 1), entry(B, 2)] },
      { type: 'manifest', more: false, entries: [entry(C, 3)] },
    ])
  })

  test('a malformed feed or list throws ERR_INVALID_ARGUMENT and applies none of the list', () => {
    const { session } = openSession()
    const bad = { key: new Uint8Array(31), length: 1, data: null }
    expect(() => session.handle({ type: 'local-feeds', feeds: [feed(B, 1), bad] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() =>
      session.handle({ type: 'local-feeds', feeds: null as unknown as LocalFeed[] }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
    // B was not applied: it is offered now.
    expect(sent(session.handle({ type: 'local-feeds', feeds: [feed(B, 1)] }))).toEqual([
      { type: 'manifest', more: false, entries: [entry(B, 1)] },
    ])
  })
})

describe('spec 7.6: receiving Manifests', () => {
  test('wanted keys are requested once; blocked and unwanted are not; held keys are', () => {
    const { session } = openSession(
      { feeds: [feed(A, 0)], blocked: [B] },
      { want: (entry) => toHex(entry.key) !== toHex(X) },
    )
    const actions = session.handle(
      manifest([
        [A, 3],
        [B, 1],
        [C, 1],
        [C, 2],
        [X, 1],
      ]),
    )
    expect(actions).toEqual([{ type: 'send', message: { type: 'request', keys: [A, C] } }])
  })

  test('Requests are split by maxEntriesPerMessage', () => {
    const { session } = openSession({ limits: { maxEntriesPerMessage: 2 } })
    const actions = session.handle(
      manifest([
        [A, 1],
        [B, 1],
      ]),
    )
    expect(sent(actions)).toEqual([{ type: 'request', keys: [A, B] }])
    const more = session.handle(
      manifest(
        [
          [C, 1],
          [X, 1],
        ],
        true,
      ),
    )
    expect(sent(more)).toEqual([{ type: 'request', keys: [C, X] }])
  })

  test('maxRemoteFeeds: at the bound is fine, past it fails and nothing is applied', () => {
    let { session } = openSession({ limits: { maxRemoteFeeds: 2 } })
    expect(
      sent(
        session.handle(
          manifest([
            [A, 1],
            [B, 1],
            [A, 2],
          ]),
        ),
      ),
    ).toEqual([{ type: 'request', keys: [A, B] }])
    ;({ session } = openSession({ limits: { maxRemoteFeeds: 2 } }))
    session.handle(manifest([[A, 1]]))
    const actions = session.handle(
      manifest([
        [B, 1],
        [C, 1],
      ]),
    )
    expectFailure(actions, 'ERR_LIMIT_EXCEEDED', 6)
    expect(sent(actions)).toHaveLength(1) // only the Close: no Request for B
  })

  test('maxFeeds: new keys need room, held keys do not', () => {
    const { session } = openSession({ feeds: [feed(A, 1)], limits: { maxFeeds: 2 } })
    const actions = session.handle(
      manifest([
        [B, 1],
        [C, 1],
        [A, 1],
      ]),
    )
    expect(sent(actions)).toEqual([{ type: 'request', keys: [B, A] }])
  })
})

describe('spec 7.7: receiving Requests', () => {
  test('a key we never offered fails ERR_NOT_OFFERED', () => {
    const { session } = openSession({ feeds: [feed(A, 1), feed(B, 1), feed(C, 1)] })
    expectFailure(session.handle(request(A, C, X)), 'ERR_NOT_OFFERED', 8)
  })

  test('answered with one Replicate of the agreed keys, in order, without duplicates', () => {
    const { session } = openSession({ feeds: [feed(A, 1), feed(B, 1), feed(C, 1)] })
    session.handle({ type: 'block', key: B })
    expect(session.handle(request(C, B, A, C))).toEqual([
      { type: 'send', message: { type: 'replicate', keys: [C, A] } },
      { type: 'replicate', keys: [C, A] },
    ])
    // a second Request for the same keys: still answered, no second replicate action
    expect(session.handle(request(A))).toEqual([
      { type: 'send', message: { type: 'replicate', keys: [A] } },
    ])
    // everything declined: an empty Replicate, no replicate action
    expect(session.handle(request(B))).toEqual([
      { type: 'send', message: { type: 'replicate', keys: [] } },
    ])
  })
})

describe('spec 7.8: receiving Replicates', () => {
  test('nothing outstanding: ERR_UNEXPECTED_MESSAGE', () => {
    const { session } = openSession()
    expectFailure(session.handle(replicate()), 'ERR_UNEXPECTED_MESSAGE', 7)
  })

  test('a key outside the head request: ERR_NOT_REQUESTED (FIFO order)', () => {
    const { session } = openSession({ limits: { maxEntriesPerMessage: 1 } })
    session.handle(manifest([[A, 1]]))
    session.handle(manifest([[B, 1]]))
    expectFailure(session.handle(replicate(B)), 'ERR_NOT_REQUESTED', 9)
  })

  test('add-feeds for new keys, replicate, then remote-feeds once settled', () => {
    const { session } = openSession({ feeds: [feed(A, 5)] })
    session.handle(
      manifest(
        [
          [A, 2],
          [B, 3],
        ],
        true,
      ),
    )
    session.handle(manifest([[C, 1]], false))
    expect(session.handle(replicate(A, B))).toEqual([
      { type: 'add-feeds', feeds: [{ key: B, length: 3, data: null }] },
      { type: 'replicate', keys: [A, B] },
    ])
    expect(session.handle(replicate())).toEqual([{ type: 'remote-feeds', keys: [A, B] }])
  })
})

describe('spec 9.2: synced', () => {
  test('fires when every accepted feed reaches the advertised length, and again later', () => {
    const { session } = openSession()
    session.handle(manifest([[A, 2]]))
    expect(types(session.handle(replicate(A)))).toEqual(['add-feeds', 'replicate', 'remote-feeds'])
    expect(session.handle({ type: 'local-length', key: A, length: 1 })).toEqual([])
    expect(session.handle({ type: 'local-length', key: A, length: 2 })).toEqual([
      { type: 'synced' },
    ])
    expect(session.handle({ type: 'local-length', key: A, length: 3 })).toEqual([])
    // a re-offer with a higher length breaks it; no new request for an accepted key
    expect(session.handle(manifest([[A, 4]]))).toEqual([{ type: 'remote-feeds', keys: [] }])
    expect(session.synced).toBe(false)
    expect(session.handle({ type: 'local-length', key: A, length: 4 })).toEqual([
      { type: 'synced' },
    ])
  })

  test('an empty remote batch syncs at once', () => {
    const { session } = openSession()
    expect(session.handle(manifest([]))).toEqual([
      { type: 'remote-feeds', keys: [] },
      { type: 'synced' },
    ])
  })

  test('not synced while the remote batch continues (more=true)', () => {
    const { session } = openSession()
    expect(session.handle(manifest([], true))).toEqual([])
  })
})

describe('spec 7.9: blocking', () => {
  test('mid-session: unreplicate, later Replicate of it ignored, offers ignored', () => {
    const { session } = openSession({ feeds: [feed(A, 1)] })
    session.handle(request(A))
    expect(session.handle({ type: 'block', key: A })).toEqual([{ type: 'unreplicate', keys: [A] }])
    expect(session.handle({ type: 'block', key: A })).toEqual([])
    session.handle(manifest([[B, 1]]))
    session.handle({ type: 'block', key: B })
    expect(session.handle(replicate(B))).toEqual([
      { type: 'remote-feeds', keys: [] },
      { type: 'synced' },
    ])
    expect(session.handle(manifest([[B, 9]]))).toEqual([{ type: 'remote-feeds', keys: [] }])
  })
})

describe('spec 8.2: the handshake timeout', () => {
  test('tick before the deadline does nothing, at the deadline fails', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'responder', now: 100, limits: { handshakeTimeout: 50 } }))
    expect(session.handle({ type: 'tick', now: 149 })).toEqual([])
    expectFailure(session.handle({ type: 'tick', now: 150 }), 'ERR_HANDSHAKE_TIMEOUT', 4)
  })

  test('no timeout once the handshake is verified', () => {
    const { session } = openSession({ now: 0, limits: { handshakeTimeout: 10 } })
    expect(session.handle({ type: 'tick', now: 1000 })).toEqual([])
  })
})

describe('spec 10: closing', () => {
  test('local close sends Close 0; then everything is silent', () => {
    const { session } = openSession()
    expect(session.handle({ type: 'close' })).toEqual([
      { type: 'send', message: { type: 'close', code: 0, reason: '' } },
      { type: 'close', by: 'local' },
    ])
    expect(session.handle(manifest([[A, 1]]))).toEqual([])
    expect(session.handle({ type: 'transport-closed' })).toEqual([])
    expect(session.handle({ type: 'close' })).toEqual([])
  })

  test('remote Close: normal, known code, unknown code', () => {
    let { session } = openSession()
    expect(session.handle(closeMessage(0))).toEqual([{ type: 'close', by: 'remote' }])
    ;({ session } = openSession())
    expect(session.handle(closeMessage(8, 'you asked for X'))).toEqual([
      {
        type: 'fail',
        code: 'ERR_NOT_OFFERED',
        wireCode: 8,
        remote: true,
        message: 'you asked for X',
      },
      { type: 'close', by: 'remote' },
    ])
    ;({ session } = openSession())
    expect(session.handle(closeMessage(99, 'new'))[0]).toMatchObject({
      code: 'ERR_REMOTE_UNKNOWN',
      wireCode: 99,
    })
  })

  test('transport closed', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator' }))
    expect(session.handle({ type: 'transport-closed' })).toEqual([{ type: 'close', by: 'remote' }])
    expect(session.handle({ type: 'tick', now: 1e9 })).toEqual([])
  })

  test('the Close reason is cut to maxReasonBytes on a code point', () => {
    const session = new Session()
    session.handle(openEvent({ role: 'initiator', limits: { maxReasonBytes: 10 } }))
    const [close] = session.handle(remoteHandshake({ client: 'ééééééééé' }))
    const reason = (close as { message: { reason: string } }).message.reason
    expect(new TextEncoder().encode(reason).byteLength).toBeLessThanOrEqual(10)
  })
})

describe('two sessions end to end', () => {
  test('offer [A,B,C] against [C]: each side ends with the union, both synced after lengths', () => {
    const pair = new SessionPair()
    pair.open({ feeds: [feed(A, 1), feed(B, 0), feed(C, 2)] }, { feeds: [feed(C, 3)] })
    pair.flush()
    expect(pair.actionsOf('b', 'add-feeds').flatMap((a) => a.feeds.map((f) => f.key))).toEqual([
      A,
      B,
    ])
    expect(pair.actionsOf('a', 'add-feeds')).toEqual([])
    expect(pair.actionsOf('a', 'remote-feeds')).toEqual([{ type: 'remote-feeds', keys: [C] }])
    expect(pair.actionsOf('b', 'remote-feeds')).toEqual([{ type: 'remote-feeds', keys: [A, B, C] }])
    expect(pair.actionsOf('b', 'synced')).toEqual([])
    pair.input('b', { type: 'local-length', key: A, length: 1 })
    expect(pair.actionsOf('b', 'synced')).toEqual([{ type: 'synced' }])
    pair.input('a', { type: 'local-length', key: C, length: 3 })
    expect(pair.actionsOf('a', 'synced')).toEqual([{ type: 'synced' }])
  })

  test('a feed added mid-session is announced and accepted', () => {
    const pair = new SessionPair()
    pair.open().flush()
    pair.input('a', { type: 'local-feed', feed: feed(A, 0) })
    pair.flush()
    expect(pair.actionsOf('b', 'add-feeds')).toEqual([
      { type: 'add-feeds', feeds: [{ key: A, length: 0, data: null }] },
    ])
    expect(pair.actionsOf('b', 'synced')).toHaveLength(2)
  })
})

describe('lists of keys are blocks (spec 7.1 "keys", "entries")', () => {
  /** Two raw sessions (no plain()): B offers `offered`, A wants what `want` accepts. */
  function exchange(offered: Key[], want: (key: Key) => boolean) {
    const sessions = { a: new RawSession({ want: (e) => want(e.key) }), b: new RawSession() }
    const log: { side: 'a' | 'b'; action: SessionAction }[] = []
    const queue: { side: 'a' | 'b'; event: SessionEvent }[] = [
      { side: 'a', event: openEvent({ role: 'initiator' }) },
      { side: 'b', event: openEvent({ role: 'responder', feeds: offered.map((k) => feed(k, 2)) }) },
    ]
    for (let step = 0; step < 100 && queue.length > 0; step++) {
      const { side, event } = queue.shift()!
      for (const action of sessions[side].handle(event)) {
        log.push({ side, action })
        if (action.type === 'send') {
          queue.push({ side: side === 'a' ? 'b' : 'a', event: deliveredEvent(action) })
        }
      }
    }
    const of = (side: 'a' | 'b', type: string) =>
      log.filter((l) => l.side === side && l.action.type === type).map((l) => l.action)
    const messages = (side: 'a' | 'b', type: string) =>
      of(side, 'send').flatMap((a) => {
        const message = (a as SendAction).message
        return message.type === type ? [message] : []
      })
    return { of, messages }
  }

  const keys = [1, 2, 3, 4, 5, 6].map((n) => testKey(n, 0x40))
  const hexes = (block: unknown) => (block as KeyBlock).map(toHex)

  test('every key and entry list of messages and actions is a KeyBlock or an EntryBlock', () => {
    const { of, messages } = exchange(keys, () => true)
    const [manifest] = messages('b', 'manifest') as Manifest[]
    expect(manifest!.entries).toBeInstanceOf(EntryBlock)
    const [request] = messages('a', 'request') as Request[]
    expect(request!.keys).toBeInstanceOf(KeyBlock)
    const [reply] = messages('b', 'replicate') as Replicate[]
    expect(reply!.keys).toBeInstanceOf(KeyBlock)
    const [added] = of('a', 'add-feeds') as AddFeedsAction[]
    expect(added!.feeds).toBeInstanceOf(EntryBlock)
    expect([...added!.feeds]).toEqual(keys.map((key) => ({ key, length: 2, data: null })))
    for (const side of ['a', 'b'] as const) {
      const [replicating] = of(side, 'replicate') as ReplicateAction[]
      expect(replicating!.keys).toBeInstanceOf(KeyBlock)
      expect(hexes(replicating!.keys)).toEqual(keys.map(toHex))
    }
    const [reported] = of('a', 'remote-feeds') as RemoteFeedsAction[]
    expect(reported!.keys).toBeInstanceOf(KeyBlock)
    expect(hexes(reported!.keys)).toEqual(keys.map(toHex))
  })

  test('a list of feeds that are not neighbours in the table lists exactly those keys', () => {
    // Every other key: the Request and what follows pick ids 1, 3, 5 of the table.
    const wanted = new Set([keys[1], keys[3], keys[5]].map((k) => toHex(k!)))
    const { of, messages } = exchange(keys, (key) => wanted.has(toHex(key)))
    const [request] = messages('a', 'request') as Request[]
    expect(new Set(hexes(request!.keys))).toEqual(wanted)
    expect(hexes(request!.keys)).toEqual([...wanted])
    const [added] = of('a', 'add-feeds') as AddFeedsAction[]
    expect(added!.feeds.map((e) => toHex(e.key))).toEqual([...wanted])
    const [reported] = of('a', 'remote-feeds') as RemoteFeedsAction[]
    expect(hexes(reported!.keys)).toEqual([...wanted])
  })
})

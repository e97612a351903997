/**
 * Session trace vectors (test/vectors/traces.json): scripted inputs RUN through the reference
 * state machine, recording the actions after every event. Keys, the multifeed key and the
 * handshake hash are fixed, so every byte is reproducible. traces.test.ts checks that the
 * checked-in file equals this output and replays every trace step by step.
 *
 * The JSON forms of events, actions and policies are in src/conformance/trace-form.ts (and in
 * README "Trace vectors"); the conformance runner ships them.
 */
import { capability } from '../../../src/codec/capability.js'
import { encodeMessage, messageTypeOf } from '../../../src/codec/channel-message.js'
import { DEFAULT_LIMITS, type Limits } from '../../../src/codec/constants.js'
import { EntryBlock } from '../../../src/codec/entry-block.js'
import { encodeHandshake } from '../../../src/codec/handshake.js'
import { KeyBlock } from '../../../src/codec/key-block.js'
import type { ChannelMessage, Handshake, Key } from '../../../src/codec/messages.js'
import {
  ANNOTATION_LIMITS,
  actionToJson,
  eventToJson,
  feedToJson,
  openEventOf,
  type PolicyJson,
  sessionOptionsOf,
  type Trace,
  type TraceConfig,
  type TraceStep,
} from '../../../src/conformance/trace-form.js'
import { ErrorCode } from '../../../src/errors.js'
import { fromHex, toHex } from '../../../src/state/hex.js'
import { Session } from '../../../src/state/session.js'
import type { LocalFeed, Role, SessionEvent } from '../../../src/state/types.js'

export {
  actionToJson,
  eventFromJson,
  sessionOptionsOf,
  type Trace,
} from '../../../src/conformance/trace-form.js'

export const TRACE_SCHEMA = 'multifeed_session_traces_v1'

/** Fixed identity for every trace (test values, never real keys). */
const MULTIFEED_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const HANDSHAKE_HASH = Uint8Array.from({ length: 64 }, (_, i) => 0xa0 ^ i)
/** The handshake hash of some other connection (a replayed capability is bound to it). */
const OTHER_HANDSHAKE_HASH = Uint8Array.from({ length: 64 }, (_, i) => 0x50 ^ i)

const CAPABILITY: Record<Role, Uint8Array> = {
  initiator: capability(MULTIFEED_KEY, HANDSHAKE_HASH, 'initiator'),
  responder: capability(MULTIFEED_KEY, HANDSHAKE_HASH, 'responder'),
}
const otherRole = (role: Role): Role => (role === 'initiator' ? 'responder' : 'initiator')

/** Limits the scripted remote encodes with: generous, so it can send what we must reject. */
const REMOTE_LIMITS = ANNOTATION_LIMITS

/** A 32-byte key of one repeated byte: easy to spot in hex. */
const key = (byte: number): Key => new Uint8Array(32).fill(byte)
const A = key(0xa1)
const B = key(0xb2)
const C = key(0xc3)
const D = key(0xd4)
const E = key(0xe5)
const X = key(0x99) // never offered by anyone

// ---- the script DSL ----

interface TraceSetup {
  role?: Role
  now?: number
  client?: string
  userData?: Uint8Array | null
  feeds?: LocalFeed[]
  blocked?: Key[]
  limits?: Partial<Limits>
  want?: PolicySetup
  share?: PolicySetup
  /** The minor this side speaks (absent: 0, as every 1.0 trace). */
  minor?: number
  requiredMinor?: number
}

/** A policy: the keys it lets through (onlyKeys), or the conditions of a PolicyJson. */
type PolicySetup = Key[] | { onlyKeys?: Key[]; minLength?: number; maxLength?: number }

function policyJson(setup: PolicySetup | undefined): PolicyJson | null {
  if (setup === undefined) return null
  if (Array.isArray(setup)) return { onlyKeys: setup.map(toHex) }
  const { onlyKeys, ...lengths } = setup
  return { ...(onlyKeys ? { onlyKeys: onlyKeys.map(toHex) } : {}), ...lengths }
}

const f = (k: Key, length: number, data: Uint8Array | null = null): LocalFeed => ({
  key: k,
  length,
  data,
})

class Script {
  readonly steps: TraceStep[] = []
  readonly config: TraceConfig
  readonly #session: Session

  constructor(setup: TraceSetup) {
    const role = setup.role ?? 'initiator'
    this.config = {
      now: setup.now ?? 0,
      role,
      client: setup.client ?? 'multifeed',
      userData: setup.userData ? toHex(setup.userData) : null,
      localCapability: toHex(CAPABILITY[role]),
      remoteCapability: toHex(CAPABILITY[otherRole(role)]),
      feeds: (setup.feeds ?? []).map(feedToJson),
      blocked: (setup.blocked ?? []).map(toHex),
      ...(setup.limits ? { limits: setup.limits } : {}),
      ...(setup.minor === undefined ? {} : { minor: setup.minor }),
      ...(setup.requiredMinor === undefined ? {} : { requiredMinor: setup.requiredMinor }),
      want: policyJson(setup.want),
      share: policyJson(setup.share),
    }
    this.#session = new Session(sessionOptionsOf(this.config))
  }

  #step(event: SessionEvent): this {
    const input = eventToJson(event, this.config.minor ?? 0)
    try {
      const actions = this.#session.handle(event)
      this.steps.push({ input, expect: actions.map(actionToJson) })
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === undefined) throw err
      this.steps.push({ input, throws: code })
    }
    return this
  }

  open(): this {
    return this.#step(openEventOf(this.config))
  }

  /** The remote's handshake: valid for this connection unless overridden. */
  remoteOpen(overrides: Partial<Handshake> = {}): this {
    const handshake: Handshake = {
      type: 'handshake',
      major: 1,
      minor: 0,
      client: 'multifeed',
      capability: CAPABILITY[otherRole(this.config.role)],
      userData: null,
      ...overrides,
    }
    return this.#step({ type: 'remote-open', body: encodeHandshake(handshake, REMOTE_LIMITS) })
  }

  remoteOpenBytes(hex: string): this {
    return this.#step({ type: 'remote-open', body: fromHex(hex) })
  }

  /** open + a valid remote handshake. */
  connect(): this {
    return this.open().remoteOpen()
  }

  send(message: ChannelMessage): this {
    return this.#step({
      type: 'message',
      messageType: messageTypeOf(message),
      body: encodeMessage(message, REMOTE_LIMITS),
    })
  }

  sendBytes(messageType: number, hex: string): this {
    return this.#step({ type: 'message', messageType, body: fromHex(hex) })
  }

  manifest(entries: [Key, number, Uint8Array?][], more = false): this {
    return this.send({
      type: 'manifest',
      more,
      entries: EntryBlock.from(
        entries.map(([k, length, data]) => ({ key: k, length, data: data ?? null })),
      ),
    })
  }

  request(...keys: Key[]): this {
    return this.send({ type: 'request', keys: KeyBlock.from(keys) })
  }

  replicate(...keys: Key[]): this {
    return this.send({ type: 'replicate', keys: KeyBlock.from(keys) })
  }

  closeMessage(code: number, reason = ''): this {
    return this.send({ type: 'close', code, reason })
  }

  localFeed(k: Key, length: number, data: Uint8Array | null = null): this {
    return this.#step({ type: 'local-feed', feed: f(k, length, data) })
  }

  localFeeds(...feeds: LocalFeed[]): this {
    return this.#step({ type: 'local-feeds', feeds })
  }

  localLength(k: Key, length: number): this {
    return this.#step({ type: 'local-length', key: k, length })
  }

  localTruncate(k: Key, length: number): this {
    return this.#step({ type: 'local-truncate', key: k, length })
  }

  block(k: Key): this {
    return this.#step({ type: 'block', key: k })
  }

  tick(now: number): this {
    return this.#step({ type: 'tick', now })
  }

  close(): this {
    return this.#step({ type: 'close' })
  }

  transportClosed(): this {
    return this.#step({ type: 'transport-closed' })
  }

  /** 1.1: a message of minor 1 (its body encoded by the layer above). */
  sendExtension(messageType: number, body: Uint8Array): this {
    return this.#step({ type: 'send-extension', messageType, body })
  }

  /** 1.1: the layer above found a violation in a message of minor 1. */
  violation(
    code: Extract<SessionEvent, { type: 'violation' }>['code'],
    message: string,
    decodeCode?: string,
  ): this {
    return this.#step({
      type: 'violation',
      code,
      message,
      ...(decodeCode === undefined ? {} : { decodeCode }),
    })
  }

  reconsider(...keys: Key[]): this {
    return this.#step({ type: 'reconsider', keys })
  }

  cut(k: Key, length: number | null): this {
    return this.#step({ type: 'cut', key: k, length })
  }

  /** Any event, e.g. to record a usage error. */
  event(event: SessionEvent): this {
    return this.#step(event)
  }
}

interface TraceDefinition {
  id: string
  comment: string
  covers: string[]
  setup: TraceSetup
  script: (s: Script) => void
}

const bytes = (...values: number[]) => new Uint8Array(values)

const manifestOf = (entries: [Key, number][], more = false): ChannelMessage => ({
  type: 'manifest',
  more,
  entries: EntryBlock.from(entries.map(([k, length]) => ({ key: k, length, data: null }))),
})

/** The scripted traces. Comments name the rule or trap each one checks. */
const DEFINITIONS: TraceDefinition[] = [
  // ---- open and handshake (rules 1, 2) ----
  {
    id: 'open-empty-initiator',
    comment:
      'Initiator with no feeds: open sends only the handshake and a timer; a verified handshake cancels the timer, reports the remote handshake and sends the initial batch even though it is empty; an empty remote batch settles remote-feeds and synced at once.',
    covers: ['spec 7.3', 'spec 7.5', 'spec 7.6', 'spec 9.2'],
    setup: { role: 'initiator', now: 1000 },
    script: (s) => s.connect().manifest([]),
  },
  {
    id: 'open-responder-with-feeds-and-userdata',
    comment:
      'Responder with feeds (one with entry data) and userData: the handshake carries userData; the remote handshake userData is reported; the initial batch lists the feeds in open order; the remote requests both and gets one Replicate.',
    covers: ['spec 7.3', 'spec 7.5', 'spec 7.7'],
    setup: {
      role: 'responder',
      userData: bytes(0xca, 0xfe),
      feeds: [f(B, 3, bytes(1, 2, 3)), f(A, 0)],
    },
    script: (s) =>
      s
        .open()
        .remoteOpen({ userData: bytes(0x68, 0x69) })
        .request(B, A)
        .manifest([]),
  },
  {
    id: 'nothing-before-handshake',
    comment:
      'Trap: a peer that only knows the discovery key must learn no feed key. Feeds at open and a local-feed before the remote handshake send nothing; they all go out in the initial batch after verification, in open order then local-feed order.',
    covers: ['spec 7.3', 'spec 7.5'],
    setup: { feeds: [f(A, 1)] },
    script: (s) => s.open().localFeed(B, 2).tick(5).remoteOpen(),
  },
  {
    id: 'handshake-foreign-major',
    comment:
      'A handshake with major 2: only major and minor are read (the rest is not interpreted); fail ERR_VERSION_MISMATCH with both versions; the Close carries wire code 1.',
    covers: ['spec 7.3', 'ERR_VERSION_MISMATCH'],
    setup: {},
    script: (s) => s.open().remoteOpenBytes('0203ffffffff'),
  },
  {
    id: 'handshake-newer-minor',
    comment:
      'A v1.7 handshake with an unknown flag bit and appended bytes is accepted (a newer minor only adds optional fields); the remote-handshake action reports minor 7.',
    covers: ['spec 7.3'],
    setup: {},
    script: (s) => {
      const capabilityHex = toHex(CAPABILITY.responder)
      // major 1, minor 7, flags 0x02 (unknown bit), client "multifeed", capability, then extra bytes
      s.open().remoteOpenBytes(`010702096d756c746966656564${capabilityHex}0a0b0c`)
    },
  },
  {
    id: 'handshake-client-mismatch',
    comment:
      'The remote client name differs: fail ERR_CLIENT_MISMATCH with both names (wire code 2).',
    covers: ['spec 7.3', 'ERR_CLIENT_MISMATCH'],
    setup: { feeds: [f(A, 1)] },
    script: (s) => s.open().remoteOpen({ client: 'cabal-core' }),
  },
  {
    id: 'handshake-reflected-capability',
    comment:
      'Trap: the remote echoes our own capability (computed for our role, not its role). Fail ERR_BAD_CAPABILITY (wire code 3); no Manifest is sent, so no feed key leaks.',
    covers: ['spec 7.3', 'ERR_BAD_CAPABILITY'],
    setup: { feeds: [f(A, 1)] },
    script: (s) => s.open().remoteOpen({ capability: CAPABILITY.initiator }),
  },
  {
    id: 'handshake-capability-of-another-connection',
    comment:
      'Trap: a capability replayed from another connection (right key and role, other handshake hash) is refused with ERR_BAD_CAPABILITY.',
    covers: ['spec 7.3', 'ERR_BAD_CAPABILITY'],
    setup: { role: 'responder', feeds: [f(A, 1)] },
    script: (s) =>
      s
        .open()
        .remoteOpen({ capability: capability(MULTIFEED_KEY, OTHER_HANDSHAKE_HASH, 'initiator') }),
  },
  {
    id: 'handshake-check-order',
    comment:
      'Check order: the client name is checked before the capability, so a wrong client with a wrong capability fails ERR_CLIENT_MISMATCH.',
    covers: ['spec 7.3', 'ERR_CLIENT_MISMATCH'],
    setup: {},
    script: (s) => s.open().remoteOpen({ client: 'other', capability: new Uint8Array(32) }),
  },
  {
    id: 'handshake-reserved-flag',
    comment:
      'A v1.0 handshake with a reserved flag bit set: decode error ERR_DECODE_RESERVED_FLAGS, so the session fails ERR_MALFORMED_MESSAGE (wire code 5) with that decodeCode.',
    covers: ['spec 7.3', 'ERR_MALFORMED_MESSAGE'],
    setup: {},
    script: (s) =>
      s.open().remoteOpenBytes(`010002096d756c746966656564${toHex(CAPABILITY.responder)}`),
  },
  {
    id: 'handshake-userdata-over-limit',
    comment:
      'userData one byte over maxUserDataBytes (override 4): ERR_DECODE_FIELD_TOO_LONG is a limit error, so the session fails ERR_LIMIT_EXCEEDED (wire code 6).',
    covers: ['spec 7.3', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxUserDataBytes: 4 } },
    script: (s) => s.open().remoteOpen({ userData: bytes(1, 2, 3, 4, 5) }),
  },
  {
    id: 'handshake-userdata-at-limit',
    comment: 'userData exactly at maxUserDataBytes (override 4) is accepted.',
    covers: ['spec 7.3'],
    setup: { limits: { maxUserDataBytes: 4 } },
    script: (s) => s.open().remoteOpen({ userData: bytes(1, 2, 3, 4) }),
  },
  {
    id: 'second-handshake',
    comment:
      'A second remote-open after a verified one fails ERR_UNEXPECTED_MESSAGE (wire code 7).',
    covers: ['spec 7.3', 'ERR_UNEXPECTED_MESSAGE'],
    setup: {},
    script: (s) => s.connect().remoteOpen(),
  },
  {
    id: 'message-before-handshake',
    comment:
      'A Manifest before the remote handshake was verified fails ERR_UNEXPECTED_MESSAGE; later events give no action (sticky close).',
    covers: ['spec 7.4', 'spec 10', 'ERR_UNEXPECTED_MESSAGE'],
    setup: {},
    script: (s) =>
      s
        .open()
        .manifest([[A, 1]])
        .remoteOpen()
        .tick(1e9),
  },
  {
    id: 'usage-errors',
    comment:
      'Local API misuse throws ERR_INVALID_STATE and changes nothing: an event before open, then a second open. A bad key throws ERR_INVALID_ARGUMENT. The session still works afterwards.',
    covers: ['usage'],
    setup: {},
    script: (s) =>
      s
        .event({ type: 'tick', now: 0 })
        .open()
        .open()
        .event({ type: 'block', key: new Uint8Array(31) })
        .remoteOpen(),
  },
  // ---- time (spec 8.2) ----
  {
    id: 'handshake-timeout',
    comment:
      'Time is an input: open at now=100 with handshakeTimeout 50 asks for a timer at 150; a tick at 149 does nothing; a tick at 150 (the deadline) fails ERR_HANDSHAKE_TIMEOUT (wire code 4).',
    covers: ['spec 8.2', 'ERR_HANDSHAKE_TIMEOUT'],
    setup: { role: 'responder', now: 100, limits: { handshakeTimeout: 50 } },
    script: (s) => s.open().tick(149).tick(150).tick(151),
  },
  {
    id: 'no-timeout-after-handshake',
    comment:
      'Once the handshake is verified (timer cancelled) a tick past the old deadline does nothing.',
    covers: ['spec 8.2'],
    setup: { limits: { handshakeTimeout: 50 } },
    script: (s) => s.connect().tick(50).tick(10_000),
  },
  // ---- offering (spec 7.5) ----
  {
    id: 'initial-batch-split-by-entries',
    comment:
      'Five feeds with maxEntriesPerMessage 2: the batch is three Manifests with more=true, true, false.',
    covers: ['spec 7.5'],
    setup: {
      feeds: [f(A, 1), f(B, 2), f(C, 3), f(D, 4), f(E, 5)],
      limits: { maxEntriesPerMessage: 2 },
    },
    script: (s) => s.connect(),
  },
  {
    id: 'initial-batch-split-by-bytes',
    comment:
      'Entries with 8 bytes of data are 43 bytes each; with maxMessageBytes 100 two fit (2 + 86 = 88), a third would not (131): three feeds give two Manifests.',
    covers: ['spec 7.5'],
    setup: {
      feeds: [
        f(A, 1, new Uint8Array(8).fill(1)),
        f(B, 1, new Uint8Array(8).fill(2)),
        f(C, 1, new Uint8Array(8).fill(3)),
      ],
      limits: { maxMessageBytes: 100 },
    },
    script: (s) => s.connect(),
  },
  {
    id: 'share-policy-and-blocked-not-offered',
    comment:
      'Blocked keys and keys the share policy refuses are not in the initial batch, not announced when they change, and a Request for a refused key (which was never offered) fails ERR_NOT_OFFERED.',
    covers: ['spec 7.5', 'spec 7.9', 'ERR_NOT_OFFERED'],
    setup: { feeds: [f(A, 1), f(B, 1), f(C, 1)], blocked: [B], share: [A, B] },
    script: (s) => s.connect().localFeed(B, 5).localFeed(C, 5).request(C),
  },
  {
    id: 'live-announcement',
    comment:
      'local-feed once OPEN: a new feed is announced in its own Manifest (more=false); the same length again is not; a feed the remote offered at >= that length is not; a higher length is re-offered.',
    covers: ['spec 7.5'],
    setup: { role: 'responder', feeds: [f(A, 1)] },
    script: (s) =>
      s
        .connect()
        .localFeed(B, 4)
        .localFeed(B, 4)
        .manifest([[C, 5]])
        .localFeed(C, 5)
        .localFeed(C, 6)
        .localFeed(A, 2),
  },
  {
    id: 'live-announcement-batch',
    comment:
      'local-feeds once OPEN: the same as one local-feed per feed in order, but every offer goes out in one Manifest (more=false): a feed the remote offered at >= that length and a repeat at the same length are skipped, a higher length of a feed from the initial batch is re-offered. An empty list, or one with nothing to offer, sends nothing. A list with a malformed feed throws and applies none of it, so its valid feed is offered afterwards.',
    covers: ['spec 7.5'],
    setup: { role: 'responder', feeds: [f(A, 1)] },
    script: (s) =>
      s
        .connect()
        .manifest([[C, 5]])
        .localFeeds(f(B, 4), f(C, 5), f(D, 2, bytes(7)), f(B, 4), f(A, 2))
        .localFeeds()
        .localFeeds(f(B, 4), f(C, 3))
        .localFeeds(f(E, 1), f(key(0x01).subarray(1), 1))
        .localFeeds(f(E, 1)),
  },
  {
    id: 'live-announcement-batch-split',
    comment:
      'maxEntriesPerMessage 2. Before OPEN, local-feeds joins the initial batch (A from open, then B and C in list order: two Manifests, more=true then false). Once OPEN, five offers from one local-feeds are one batch of three Manifests (more=true, true, false); a feed the share policy refuses (X) is not offered; B again at a higher length is re-offered in list order.',
    covers: ['spec 7.5'],
    setup: {
      feeds: [f(A, 1)],
      limits: { maxEntriesPerMessage: 2 },
      share: [A, B, C, D, E, key(0x11), key(0x12)],
    },
    script: (s) =>
      s
        .open()
        .localFeeds(f(B, 1), f(C, 1))
        .remoteOpen()
        .localFeeds(f(D, 1), f(X, 1), f(E, 1), f(B, 3), f(key(0x11), 0), f(key(0x12), 2)),
  },
  // ---- receiving Manifests (spec 7.6) ----
  {
    id: 'manifest-more-batches',
    comment:
      'A remote batch in three Manifests (more=true, true, false): Requests go out as each arrives (pipelined), remote-feeds only after the last Manifest and the last Replicate.',
    covers: ['spec 7.6', 'spec 7.8'],
    setup: { role: 'responder' },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 0]], true)
        .manifest([[B, 0]], true)
        .replicate(A)
        .manifest([[C, 0]], false)
        .replicate(B)
        .replicate(C),
  },
  {
    id: 'pipelined-remote',
    comment:
      'The remote pipelines its handshake, its whole batch and its Request before reading anything of ours: each is handled in order; the Replicates for our Requests arrive back to back.',
    covers: ['spec 7.3', 'spec 7.6', 'spec 7.7', 'spec 7.8'],
    setup: { feeds: [f(A, 1)], limits: { maxEntriesPerMessage: 1 } },
    script: (s) =>
      s
        .open()
        .remoteOpen()
        .manifest([[B, 1]], true)
        .manifest([[C, 1]], false)
        .request(A)
        .replicate(B)
        .replicate(C),
  },
  {
    id: 'manifest-duplicates',
    comment:
      'Duplicate keys within a Manifest are requested once; the advertised length is the highest seen (add-feeds carries 7).',
    covers: ['spec 7.6'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 3],
          [A, 7],
          [A, 5],
        ])
        .replicate(A)
        .localLength(A, 7),
  },
  {
    id: 're-offer-higher-length',
    comment:
      'A re-offer of an accepted key with a higher length sends no new Request but breaks synced; a local-length reaching it makes the session synced again (synced fires on each transition).',
    covers: ['spec 7.6', 'spec 9.2'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([[A, 2]])
        .replicate(A)
        .localLength(A, 2)
        .manifest([[A, 2]])
        .manifest([[A, 4]])
        .localLength(A, 3)
        .localLength(A, 4),
  },
  {
    id: 'want-policy',
    comment:
      'Only keys the want policy accepts are requested; remote-feeds lists only what was accepted.',
    covers: ['spec 7.6'],
    setup: { want: [B] },
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 1],
          [B, 1],
        ])
        .replicate(B),
  },
  {
    id: 'held-keys-requested',
    comment:
      'A key the local collection already holds IS requested (replicate it on this connection); add-feeds lists only the new key; the held key at a higher local length is synced.',
    covers: ['spec 7.6', 'spec 7.8', 'spec 9.2'],
    setup: { feeds: [f(A, 9)] },
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 3],
          [B, 0],
        ])
        .replicate(A, B),
  },
  {
    id: 'blocked-offer-ignored',
    comment: 'The remote offers a key blocked at open: not requested, nothing added.',
    covers: ['spec 7.6', 'spec 7.9'],
    setup: { blocked: [A] },
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 1],
          [B, 1],
        ])
        .replicate(B),
  },
  {
    id: 'max-remote-feeds-at-bound',
    comment: 'maxRemoteFeeds 2: two distinct keys (one repeated) are within the bound.',
    covers: ['spec 7.6'],
    setup: { limits: { maxRemoteFeeds: 2 } },
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 1],
          [B, 1],
          [A, 2],
        ])
        .manifest([[B, 3]]),
  },
  {
    id: 'max-remote-feeds-past-bound',
    comment:
      'maxRemoteFeeds 2: a Manifest bringing the count to 3 fails ERR_LIMIT_EXCEEDED and nothing of it is applied (no Request for D); later messages give nothing.',
    covers: ['spec 7.6', 'spec 10', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxRemoteFeeds: 2 } },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1]], true)
        .manifest([
          [D, 1],
          [B, 1],
          [C, 1],
        ])
        .replicate(A),
  },
  {
    id: 'max-feeds-caps-requests',
    comment:
      'maxFeeds 3 with one feed held: only two new keys can be requested (the third has no room); the held key needs no room and is requested.',
    covers: ['spec 7.6'],
    setup: { feeds: [f(A, 1)], limits: { maxFeeds: 3 } },
    script: (s) =>
      s.connect().manifest([
        [B, 1],
        [C, 1],
        [D, 1],
        [A, 1],
      ]),
  },
  {
    id: 'requests-split-and-fifo',
    comment:
      'maxEntriesPerMessage 2: three wanted keys give two Requests; the remote answers them in order, one Replicate each.',
    covers: ['spec 7.6', 'spec 7.8'],
    setup: { limits: { maxEntriesPerMessage: 2 } },
    script: (s) =>
      s
        .connect()
        .manifest(
          [
            [A, 0],
            [B, 0],
          ],
          true,
        )
        .manifest([[C, 0]])
        .replicate(A, B)
        .replicate(C),
  },
  {
    id: 'manifest-too-many-entries',
    comment:
      'maxEntriesPerMessage 2 and a Manifest of 3 entries: ERR_DECODE_TOO_MANY_ENTRIES, a limit error: ERR_LIMIT_EXCEEDED.',
    covers: ['spec 7.4', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxEntriesPerMessage: 2 } },
    script: (s) =>
      s.connect().manifest([
        [A, 0],
        [B, 0],
        [C, 0],
      ]),
  },
  {
    id: 'manifest-invalid-bool',
    comment:
      'A Manifest whose more byte is 0x02: ERR_DECODE_INVALID_BOOL, so ERR_MALFORMED_MESSAGE.',
    covers: ['spec 7.4', 'ERR_MALFORMED_MESSAGE'],
    setup: {},
    script: (s) => s.connect().sendBytes(0, '0200'),
  },
  {
    id: 'request-trailing-byte',
    comment:
      'An empty Request followed by one extra byte: ERR_DECODE_TRAILING_BYTES, so ERR_MALFORMED_MESSAGE.',
    covers: ['spec 7.4', 'ERR_MALFORMED_MESSAGE'],
    setup: {},
    script: (s) => s.connect().sendBytes(1, '000000'),
  },
  {
    id: 'message-too-large',
    comment:
      'maxMessageBytes 64 and a 66-byte Request (flags, count, two keys): ERR_DECODE_MESSAGE_TOO_LARGE (checked before anything else), so ERR_LIMIT_EXCEEDED. Trap: the reason fits maxReasonBytes (256) but our Close must also fit maxMessageBytes, so the reason is shortened until the whole Close is at most 64 bytes.',
    covers: ['spec 7.4', 'spec 5.5', 'spec 8.1', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxMessageBytes: 64 } },
    script: (s) => s.connect().request(A, B),
  },
  {
    id: 'unknown-message-type',
    comment:
      'A message of type 9 (not defined in v1.0) with arbitrary bytes is ignored: no action, the session goes on.',
    covers: ['spec 7.4'],
    setup: {},
    script: (s) => s.connect().sendBytes(9, 'ffffffff').sendBytes(4, '').manifest([]),
  },
  // ---- receiving Requests (spec 7.7) ----
  {
    id: 'request-not-offered',
    comment:
      'We offered [A, B, C]; the remote requests [A, C, X] where X was never offered: the whole Request is rejected with ERR_NOT_OFFERED (wire code 8), nothing replicates.',
    covers: ['spec 7.7', 'ERR_NOT_OFFERED'],
    setup: { feeds: [f(A, 1), f(B, 1), f(C, 1)] },
    script: (s) => s.connect().request(A, C, X),
  },
  {
    id: 'request-answered',
    comment:
      'We offered [A, B, C]; the remote requests [C, A, C]: one Replicate [C, A] (request order, duplicates removed) and replicate [C, A]. A second Request [A, B]: Replicate [A, B], replicate only [B] (A already replicates).',
    covers: ['spec 7.7'],
    setup: { role: 'responder', feeds: [f(A, 1), f(B, 1), f(C, 1)] },
    script: (s) => s.connect().request(C, A, C).request(A, B),
  },
  {
    id: 'request-of-blocked-declined',
    comment:
      'A feed offered then blocked: the block stops its replication (unreplicate); a later Request for it is declined (an empty Replicate), not an error.',
    covers: ['spec 7.7', 'spec 7.9'],
    setup: { feeds: [f(A, 1)] },
    script: (s) => s.connect().request(A).block(A).request(A),
  },
  {
    id: 'requests-pipelined',
    comment:
      'Two Requests in a row are answered in order, one Replicate each, even when one is empty.',
    covers: ['spec 7.7'],
    setup: { feeds: [f(A, 1), f(B, 1)], share: [A, B] },
    script: (s) => s.connect().request().request(B, A),
  },
  // ---- receiving Replicates (spec 7.8) ----
  {
    id: 'replicate-nothing-outstanding',
    comment: 'A Replicate when no Request is outstanding fails ERR_UNEXPECTED_MESSAGE.',
    covers: ['spec 7.8', 'ERR_UNEXPECTED_MESSAGE'],
    setup: {},
    script: (s) => s.connect().replicate(),
  },
  {
    id: 'replicate-not-requested',
    comment: 'A Replicate naming a key we never requested fails ERR_NOT_REQUESTED (wire code 9).',
    covers: ['spec 7.8', 'ERR_NOT_REQUESTED'],
    setup: { role: 'responder' },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1]])
        .replicate(A, X),
  },
  {
    id: 'replicate-out-of-order',
    comment:
      'Trap: with two Requests outstanding ([A] then [B]), a Replicate [B] answers the head Request [A] and B is not in it: ERR_NOT_REQUESTED.',
    covers: ['spec 7.8', 'ERR_NOT_REQUESTED'],
    setup: { limits: { maxEntriesPerMessage: 1 } },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1]], true)
        .manifest([[B, 1]])
        .replicate(B),
  },
  {
    id: 'replicate-partial',
    comment:
      'The remote agrees to only part of a Request: only agreed keys are added and replicated; remote-feeds lists them; declined keys are settled too.',
    covers: ['spec 7.8', 'spec 7.6'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 1],
          [B, 2],
        ])
        .replicate(B)
        .localLength(B, 2),
  },
  {
    id: 'replicate-of-blocked-ignored',
    comment:
      'A key blocked while its Request is outstanding: the Replicate naming it is accepted as an answer, but the key is ignored (not added, not replicated, not reported).',
    covers: ['spec 7.8', 'spec 7.9'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 1],
          [B, 0],
        ])
        .block(A)
        .replicate(A, B),
  },
  // ---- synced (spec 9.2) ----
  {
    id: 'synced-waits-for-every-feed',
    comment:
      'Two accepted feeds: synced fires only when both local lengths reach the advertised ones; a local length for an unknown key changes nothing.',
    covers: ['spec 9.2'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([
          [A, 2],
          [B, 1],
        ])
        .replicate(A, B)
        .localLength(A, 2)
        .localLength(X, 100)
        .localLength(B, 1),
  },
  {
    id: 'synced-fires-again',
    comment:
      'After synced, a newly announced remote feed makes the session not synced (a Request is outstanding); once accepted and caught up, synced fires again.',
    covers: ['spec 9.2', 'spec 7.5'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([])
        .manifest([[A, 1]])
        .replicate(A)
        .localLength(A, 1),
  },
  {
    id: 'block-unblocks-sync',
    comment:
      'Blocking the only lagging accepted feed stops its replication and makes the session synced (blocked feeds no longer count).',
    covers: ['spec 9.2', 'spec 7.9'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([[A, 5]])
        .replicate(A)
        .block(A)
        .manifest([[A, 6]]),
  },
  // ---- closing (spec 10) ----
  {
    id: 'local-close',
    comment:
      'A local close sends Close{0, ""} and closes; every later event, messages included, returns no action.',
    covers: ['spec 10', 'OK'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .close()
        .manifest([[A, 1]])
        .close()
        .transportClosed(),
  },
  {
    id: 'local-close-before-handshake',
    comment:
      'Closing before the remote handshake also sends Close{0}; the handshake arriving later is ignored.',
    covers: ['spec 10', 'OK'],
    setup: {},
    script: (s) => s.open().close().remoteOpen(),
  },
  {
    id: 'remote-close-normal',
    comment: 'A remote Close{0}: close by remote, no fail.',
    covers: ['spec 10', 'OK'],
    setup: { role: 'responder' },
    script: (s) => s.connect().closeMessage(0).manifest([]),
  },
  {
    id: 'remote-close-with-error',
    comment:
      'A remote Close{8, reason}: fail ERR_NOT_OFFERED, remote: true, message = the reason; then close by remote.',
    covers: ['spec 10', 'ERR_NOT_OFFERED'],
    setup: {},
    script: (s) => s.connect().closeMessage(8, 'you requested a key I never offered'),
  },
  {
    id: 'remote-close-each-code',
    comment:
      'Remote Close codes map to names: code 4 is ERR_HANDSHAKE_TIMEOUT (the remote gave up waiting for us).',
    covers: ['spec 10', 'ERR_HANDSHAKE_TIMEOUT'],
    setup: {},
    script: (s) => s.connect().closeMessage(4, 'timeout'),
  },
  {
    id: 'remote-close-unknown-code',
    comment:
      'A Close code this version does not know (42) is reported as ERR_REMOTE_UNKNOWN with its wire number.',
    covers: ['spec 10', 'ERR_REMOTE_UNKNOWN'],
    setup: {},
    script: (s) => s.connect().closeMessage(42, 'from the future'),
  },
  {
    id: 'close-reason-over-limit',
    comment:
      'A Close whose reason is over maxReasonBytes (override 4): ERR_DECODE_FIELD_TOO_LONG, so we fail ERR_LIMIT_EXCEEDED ourselves.',
    covers: ['spec 7.4', 'spec 10', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxReasonBytes: 4 } },
    script: (s) => s.connect().closeMessage(0, 'hello'),
  },
  {
    id: 'transport-closed',
    comment:
      'The transport closes without a Close message (before the handshake): close by remote; ticks past the deadline give nothing.',
    covers: ['spec 10', 'spec 8.2'],
    setup: { limits: { handshakeTimeout: 10 } },
    script: (s) => s.open().transportClosed().tick(10).transportClosed(),
  },
  {
    id: 'messages-after-fail-ignored',
    comment:
      'After a failure (ERR_NOT_REQUESTED) the session is closed: a valid Replicate, a local feed and a close give no action.',
    covers: ['spec 10', 'ERR_NOT_REQUESTED'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1]])
        .replicate(B)
        .replicate(A)
        .localFeed(C, 1)
        .close(),
  },
  // ---- blocking mid-session (spec 7.9) ----
  {
    id: 'block-mid-session',
    comment:
      'Blocking a replicating feed emits unreplicate once; a second block is silent; blocking a key never seen is silent; later offers of the blocked key are not requested.',
    covers: ['spec 7.9'],
    setup: { role: 'responder', feeds: [f(A, 1)] },
    script: (s) =>
      s
        .connect()
        .manifest([[B, 1]])
        .replicate(B)
        .block(B)
        .block(B)
        .block(X)
        .manifest([
          [B, 2],
          [C, 1],
        ])
        .request(A)
        .block(A),
  },
  // ---- limits at and past their bounds ----
  {
    id: 'message-at-size-limit',
    comment:
      'maxMessageBytes 66 and maxEntriesPerMessage 2: a Request of exactly 66 bytes with exactly 2 keys is accepted and answered.',
    covers: ['spec 7.4', 'spec 7.7'],
    setup: {
      role: 'responder',
      feeds: [f(A, 1), f(B, 1)],
      limits: { maxMessageBytes: 66, maxEntriesPerMessage: 2 },
    },
    script: (s) => s.connect().request(A, B),
  },
  {
    id: 'client-name-over-limit',
    comment:
      'maxClientBytes 4: a remote client name of 9 bytes is ERR_DECODE_FIELD_TOO_LONG, so ERR_LIMIT_EXCEEDED, before any client comparison.',
    covers: ['spec 7.3', 'ERR_LIMIT_EXCEEDED'],
    setup: { client: 'mf', limits: { maxClientBytes: 4 } },
    script: (s) => s.open().remoteOpen({ client: 'multifeed' }),
  },
  {
    id: 'entry-data-at-and-past-limit',
    comment:
      'maxEntryDataBytes 4: an entry with 4 bytes of data is accepted and its data reaches add-feeds; then an entry with 5 bytes fails ERR_LIMIT_EXCEEDED (ERR_DECODE_FIELD_TOO_LONG).',
    covers: ['spec 7.6', 'spec 7.8', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxEntryDataBytes: 4 } },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1, bytes(1, 2, 3, 4)]])
        .replicate(A)
        .manifest([[B, 1, bytes(1, 2, 3, 4, 5)]]),
  },
  {
    id: 'replicate-duplicates',
    comment:
      'A Replicate naming a requested key twice: accepted once (idempotent), one add-feeds entry.',
    covers: ['spec 7.8'],
    setup: { role: 'responder' },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 2]])
        .replicate(A, A)
        .localLength(A, 2),
  },
  {
    id: 'close-reason-at-limit',
    comment:
      'maxReasonBytes 4: a remote Close{6} whose reason is exactly 4 bytes is accepted and reported.',
    covers: ['spec 10', 'ERR_LIMIT_EXCEEDED'],
    setup: { limits: { maxReasonBytes: 4 } },
    script: (s) => s.connect().closeMessage(6, 'full'),
  },
  // ---- spec 1.0.1: readings the 1.0 text left open ----
  {
    id: 'open-refused-handshake-over-message-limit',
    comment:
      'Trap: client and userData are each within their limits, but the Handshake (45 bytes: major, minor, flags, client "multifeed", capability) is over maxMessageBytes 44. open is refused (malformed local input) and changes nothing: the session is still not open, so the next event is refused too.',
    covers: ['spec 8.1', 'spec 7.1', 'usage'],
    setup: { limits: { maxMessageBytes: 44 } },
    script: (s) => s.open().tick(5),
  },
  {
    id: 'open-handshake-at-message-limit',
    comment:
      'maxMessageBytes 44 and the client "multifee": the Handshake is exactly 44 bytes, so open sends it; the session works as usual.',
    covers: ['spec 8.1', 'spec 7.3'],
    setup: { client: 'multifee', limits: { maxMessageBytes: 44 } },
    script: (s) => s.open().remoteOpen({ client: 'multifee' }).manifest([]),
  },
  {
    id: 'open-refused-feed-over-message-limit',
    comment:
      'Trap: a feed whose data (5 bytes) is within maxEntryDataBytes, but whose one-entry Manifest at the longest length (1 + 1 + 1 + 32 + 9 + 1 + 5 = 50 bytes) is over maxMessageBytes 48, can never be offered: open is refused.',
    covers: ['spec 8.1', 'spec 7.1', 'usage'],
    setup: { feeds: [f(A, 1, bytes(1, 2, 3, 4, 5))], limits: { maxMessageBytes: 48 } },
    script: (s) => s.open(),
  },
  {
    id: 'open-refused-feed-with-no-entries-allowed',
    comment:
      'maxEntriesPerMessage 0: no Manifest may carry an entry, so a local feed can never be offered and open with one is refused.',
    covers: ['spec 8.1', 'spec 7.1', 'usage'],
    setup: { feeds: [f(A, 1)], limits: { maxEntriesPerMessage: 0 } },
    script: (s) => s.open(),
  },
  {
    id: 'local-feed-over-message-limit',
    comment:
      "maxMessageBytes 48. The limit counts the longest length form, not the feed's current length: a feed at length 1 with 4 bytes of data (49 bytes at the longest length, 41 as sent now) is refused, alone or in a local-feeds list (none of the list is applied); with 3 bytes of data (48) it is announced.",
    covers: ['spec 8.1', 'spec 7.1', 'spec 7.5', 'usage'],
    setup: { limits: { maxMessageBytes: 48 } },
    script: (s) =>
      s
        .connect()
        .localFeed(A, 1, bytes(1, 2, 3, 4))
        .localFeeds(f(B, 1, bytes(1, 2, 3)), f(A, 1, bytes(1, 2, 3, 4)))
        .localFeed(B, 1, bytes(1, 2, 3)),
  },
  {
    id: 'malformed-local-input',
    comment:
      'Each malformed local input is refused and changes nothing: a 31-byte key, a negative, fractional or too large (2^53) length, data over maxEntryDataBytes (4), a malformed local-length, local-truncate and block, and a negative or fractional message type number. The session then works as if they never happened.',
    covers: ['spec 7.1', 'usage'],
    setup: { feeds: [f(A, 1)], limits: { maxEntryDataBytes: 4 } },
    script: (s) =>
      s
        .connect()
        .localFeed(key(0x31).subarray(1), 1)
        .localFeed(B, -1)
        .localFeed(B, 1.5)
        .localFeed(B, 2 ** 53)
        .localFeed(B, 1, bytes(1, 2, 3, 4, 5))
        .localLength(A, -2)
        .localTruncate(key(0x31).subarray(1), 0)
        .block(new Uint8Array(33))
        .event({ type: 'message', messageType: -1, body: new Uint8Array(0) })
        .event({ type: 'message', messageType: 0.5, body: new Uint8Array(0) })
        .localFeed(B, 2 ** 53 - 1)
        .request(A),
  },
  {
    id: 'usage-errors-after-close',
    comment:
      'Closing makes the session ignore every well-formed event, but a malformed local input is still refused (misuse is misuse in every phase), and so is a second open.',
    covers: ['spec 7.11', 'spec 7.1', 'usage'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .close()
        .block(key(0x31).subarray(1))
        .open()
        .event({ type: 'message', messageType: -1, body: new Uint8Array(0) })
        .block(A)
        .manifest([[A, 1]]),
  },
  {
    id: 'message-type-range',
    comment:
      "Type numbers are the remote's to choose: any number above 3, even 2^32 or above 2^53 - 1, is ignored, never refused as local misuse. Trap: a valid Manifest body under type 2^32 is ignored; an implementation that keeps only 32 bits of the type number reads it as a Manifest and requests A.",
    covers: ['spec 7.4', 'spec 3'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .sendBytes(2 ** 32, toHex(encodeMessage(manifestOf([[A, 1]]), REMOTE_LIMITS)))
        .sendBytes(2 ** 53 - 1, 'ff')
        .sendBytes(2 ** 53, '')
        .manifest([]),
  },
  {
    id: 'open-list-duplicates',
    comment:
      'A key listed twice in the open list is one view entry, at its first position, with the larger length and the data of the later entry: the initial batch is [A at 3 with data 0202, B at 1].',
    covers: ['spec 7.2', 'spec 7.5'],
    setup: { feeds: [f(A, 3, bytes(1, 1)), f(B, 1), f(A, 2, bytes(2, 2))] },
    script: (s) => s.connect(),
  },
  {
    id: 'live-announcement-view-length',
    comment:
      "A live announcement offers the view's length after the update, not the event's: A offered at 5, local-length raises it to 8, then local-feed A at 6 announces A at 8. A later data null replaces present data (A at 9, no data). In one local-feeds list, a repeat at a lower length only replaces the data: [A 10 data 0a, A 4 data 0b, A 11 no data] offers A at 10 with 0a, then A at 11 with no data.",
    covers: ['spec 7.2', 'spec 7.5', 'spec 7.9'],
    setup: { feeds: [f(A, 5, bytes(0xaa))] },
    script: (s) =>
      s
        .connect()
        .localLength(A, 8)
        .localFeed(A, 6, bytes(0xaa))
        .localFeed(A, 9, null)
        .localFeeds(f(A, 10, bytes(0x0a)), f(A, 4, bytes(0x0b)), f(A, 11)),
  },
  {
    id: 'view-length-never-lowered',
    comment:
      "A local-feed at a lower length does not lower the view's length: A is held at 5, accepted at the advertised 5 and synced; local-feed A at 3 changes nothing (the session stays synced, so local-length 5 emits no second synced).",
    covers: ['spec 7.2', 'spec 9.2'],
    setup: { feeds: [f(A, 5)] },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 5]])
        .replicate(A)
        .localFeed(A, 3)
        .localLength(A, 5),
  },
  {
    id: 'add-feeds-latest-data',
    comment:
      'add-feeds carries the advertised length (the highest offered) and the data of the most recent entry for the key, null included: A offered at 1 with data, then at 2 without; A is requested once and added at 2 with data null.',
    covers: ['spec 7.6', 'spec 7.8'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1, bytes(0xd1)]], true)
        .manifest([[A, 2]])
        .replicate(A),
  },
  {
    id: 'max-feeds-reservation-persists',
    comment:
      'maxFeeds 2 and an empty collection. A key requested while not in the view reserves room until its Request is answered, across later Manifests: [A] is requested; then of [B, C] only B (A and B reserve the 2 places); once A is added, C still finds no room while B is outstanding; the Replicate declining B frees its place, and C is requested when offered again.',
    covers: ['spec 7.6', 'spec 8.1'],
    setup: { limits: { maxFeeds: 2 } },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 1]], true)
        .manifest(
          [
            [B, 1],
            [C, 1],
          ],
          true,
        )
        .replicate(A)
        .manifest([[C, 1]], true)
        .replicate()
        .manifest([[C, 1]])
        .replicate(C),
  },
  {
    id: 'share-policy-sees-view-length',
    comment:
      "The share policy (here: length at least 3) is asked about the view's feed: A held at 2 is not offered; local-length raises it to 3 (nothing sent, local-length never offers); local-feed A at 1 leaves the view at 3, so the policy now accepts A and it is announced at 3.",
    covers: ['spec 7.5', 'spec 7.2'],
    setup: { feeds: [f(A, 2), f(B, 5)], share: { minLength: 3 } },
    script: (s) => s.connect().localLength(A, 3).localFeed(A, 1),
  },
  {
    id: 'share-policy-rechecked-at-request',
    comment:
      "The share policy (here: length at most 2) is asked again when a Request is answered, about the view's feed at that time: A was offered at 1 but has grown to 5, so the Request [A, B] is answered with [B] only.",
    covers: ['spec 7.7'],
    setup: { role: 'responder', feeds: [f(A, 1), f(B, 2)], share: { maxLength: 2 } },
    script: (s) => s.connect().localLength(A, 5).request(A, B),
  },
  {
    id: 'want-policy-sees-recorded-offer',
    comment:
      'The want policy (here: length at least 3) is asked about the recorded offer, whose length is the highest advertised: A offered at 5 is requested and declined; offered again at 2, its recorded length is still 5, so it is requested again and added at 5. B offered at 2 is not requested.',
    covers: ['spec 7.6'],
    setup: { want: { minLength: 3 } },
    script: (s) =>
      s
        .connect()
        .manifest([[A, 5]], true)
        .replicate()
        .manifest([
          [A, 2],
          [B, 2],
        ])
        .replicate(A),
  },
  {
    id: 'block-between-acceptance-and-remote-feeds',
    comment:
      'A key accepted while the remote batch is still open, then blocked before the batch completes, is left out of the remote-feeds that follows (and stops replicating).',
    covers: ['spec 9.1', 'spec 7.9'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest(
          [
            [A, 1],
            [B, 1],
          ],
          true,
        )
        .replicate(A, B)
        .block(A)
        .manifest([]),
  },
  // ---- forks (spec 9.3) ----
  {
    id: 'fork-writer-re-offers',
    comment:
      'The writer of A offered it at 10, then truncated it to 7 (a Hypercore fork) and appended one block: after local-truncate, local-feed A at 8 is announced again, although 8 is below the 10 offered before. Truncating a key not in the view does nothing.',
    covers: ['spec 9.3', 'spec 7.5'],
    setup: { role: 'responder', feeds: [f(A, 10)] },
    script: (s) => s.connect().request(A).localTruncate(A, 7).localTruncate(X, 1).localFeed(A, 8),
  },
  {
    id: 'fork-replica-syncs',
    comment:
      'A accepted at the advertised 10, downloaded to 6, then the writer forked it and our copy was truncated to 5: the advertisement of the old fork is capped at 5 and the session becomes synced. A later offer at 7 (the new fork grew) is waited for as usual.',
    covers: ['spec 9.3', 'spec 9.2'],
    setup: {},
    script: (s) =>
      s
        .connect()
        .manifest([[A, 10]])
        .replicate(A)
        .localLength(A, 6)
        .localTruncate(A, 5)
        .manifest([[A, 7]])
        .localLength(A, 7),
  },
  // ---- 1.1: the negotiated minor and the hooks of minor 1 (spec 7.3, 7.4, 7.6, 7.9, 9.2) ----
  {
    id: 'minor1-negotiated',
    comment:
      'Both sides speak 1.1: the Handshake says minor 1 (nothing else changes in it) and the negotiated minor is 1. A message of type 4 (a Have) is passed up undecoded as an extension action, whatever its body; type 9 is still ignored; send-extension sends a message of type 5 as given.',
    covers: ['spec 7.3', 'spec 7.4', 'spec 11.1'],
    setup: { minor: 1 },
    script: (s) =>
      s
        .open()
        .remoteOpen({ minor: 1 })
        .sendBytes(4, '000000')
        .sendBytes(9, 'ff')
        .sendExtension(5, bytes(0, 0))
        .manifest([]),
  },
  {
    id: 'minor1-remote-speaks-1.0',
    comment:
      'We speak 1.1, the remote 1.0: the negotiated minor is 0, so a message of type 4 is ignored as 1.0 says, and send-extension is refused as a local misuse (changing nothing). A Close with code 10 is ERR_MINOR_REQUIRED, a code of our version.',
    covers: ['spec 11.1', 'spec 7.4', 'spec 10.2', 'ERR_MINOR_REQUIRED'],
    setup: { minor: 1 },
    script: (s) =>
      s
        .open()
        .remoteOpen({ minor: 0 })
        .sendBytes(4, '000000')
        .sendExtension(4, bytes(0, 0, 0))
        .closeMessage(10, 'this multifeed needs protocol 1.1'),
  },
  {
    id: 'minor0-close-code-of-1.1',
    comment:
      'A 1.0 peer (minor 0) receives a Close with code 10 from a 1.1 peer: a code of a later minor is unknown to it, ERR_REMOTE_UNKNOWN with wire number 10 (spec/membership.md 14.5).',
    covers: ['spec 10.2', 'ERR_REMOTE_UNKNOWN'],
    setup: { minor: 0 },
    script: (s) => s.connect().closeMessage(10, 'this multifeed needs protocol 1.1'),
  },
  {
    id: 'minor-required',
    comment:
      'A closed multifeed requires minor 1: the remote speaks 1.0, so after the capability is verified the session fails with ERR_MINOR_REQUIRED (wire 10) and offers nothing: no feed key reaches a 1.0 peer.',
    covers: ['spec 7.3', 'ERR_MINOR_REQUIRED'],
    setup: { minor: 1, requiredMinor: 1, feeds: [f(A, 3)] },
    script: (s) => s.open().remoteOpen({ minor: 0 }),
  },
  {
    id: 'minor-required-met',
    comment:
      'A session requiring minor 1 whose remote speaks 1.1 (or a newer minor: here 3) opens as usual and offers its feeds.',
    covers: ['spec 7.3'],
    setup: { minor: 1, requiredMinor: 1, feeds: [f(A, 3)] },
    script: (s) => s.open().remoteOpen({ minor: 3 }).request(A),
  },
  {
    id: 'violation-bad-operation',
    comment:
      'The layer above refused an operation the remote sent: the violation event fails the session as its own violations do: a Close with wire code 11, fail ERR_BAD_OPERATION, close.',
    covers: ['spec 10.1', 'ERR_BAD_OPERATION'],
    setup: { minor: 1 },
    script: (s) =>
      s
        .open()
        .remoteOpen({ minor: 1 })
        .violation('ERR_BAD_OPERATION', 'forged signature')
        .sendBytes(5, '0000'),
  },
  {
    id: 'violation-decode',
    comment:
      'A message of minor 1 did not decode: the violation carries the decode code, which fail reports as a detail (ERR_MALFORMED_MESSAGE with decodeCode).',
    covers: ['spec 10.1', 'ERR_MALFORMED_MESSAGE'],
    setup: { minor: 1 },
    script: (s) =>
      s
        .open()
        .remoteOpen({ minor: 1 })
        .sendBytes(4, '01')
        .violation('ERR_MALFORMED_MESSAGE', 'bad Have', 'ERR_DECODE_RESERVED_FLAGS'),
  },
  {
    id: 'minor1-misuse',
    comment:
      'Local misuse of the hooks, refused and changing nothing: send-extension and violation before the Handshake (ERR_INVALID_STATE); a type outside 4 to 8, a violation with code OK or an unknown code, a cut with a negative length (ERR_INVALID_ARGUMENT). A cut before the Handshake is recorded.',
    covers: ['spec 7.1'],
    setup: { minor: 1 },
    script: (s) =>
      s
        .open()
        .sendExtension(4, bytes(0, 0, 0))
        .violation('ERR_BAD_OPERATION', 'too early')
        .sendExtension(3, bytes(0))
        .sendExtension(9, bytes(0))
        .event({ type: 'violation', code: 'OK' as never, message: '' })
        .event({ type: 'violation', code: 'ERR_NOPE' as never, message: '' })
        .event({ type: 'cut', key: A, length: -1 })
        .cut(A, 2)
        .remoteOpen({ minor: 1 }),
  },
  {
    id: 'cut-caps-offers-and-synced',
    comment:
      'A removed writer A cut at 4: offered at 4 although held at 10, and not offered again as it grows. B accepted at the advertised 10 and then cut at 3: synced compares min(advertised, cut), so B held at 3 is synced, and a later offer of B at 20 keeps it synced.',
    covers: ['spec 7.5', 'spec 9.2'],
    setup: { minor: 1, feeds: [f(A, 10)] },
    script: (s) =>
      s
        .open()
        .cut(A, 4)
        .remoteOpen({ minor: 1 })
        .localFeed(A, 12)
        .manifest([[B, 10]])
        .replicate(B)
        .localLength(B, 2)
        .cut(B, 3)
        .localLength(B, 3)
        .manifest([[B, 20]]),
  },
  {
    id: 'cut-zero-and-reconsider',
    comment:
      'A writer not (or no longer) in the multifeed has cut 0: its offer (A) is recorded but not requested; once added (the cut lifted), reconsider requests it and remote-feeds reports it when the Replicate answers. A cut of 0 on an accepted feed stops its replication here (unreplicate); lifted again, reconsider requests it again. A feed of ours cut to 0 (C) is declined when the remote requests it.',
    covers: ['spec 7.6', 'spec 7.7', 'spec 7.9', 'spec 9.1'],
    setup: { minor: 1, role: 'responder', feeds: [f(C, 2)] },
    script: (s) =>
      s
        .open()
        .remoteOpen({ minor: 1 })
        .cut(A, 0)
        .manifest([
          [A, 5],
          [B, 1],
        ])
        .replicate(B)
        .cut(A, null)
        .reconsider(A, B, X)
        .replicate(A)
        .cut(A, 0)
        .cut(A, null)
        .reconsider(A)
        .replicate(A)
        .cut(C, 0)
        .request(C),
  },
]

/** Runs every scripted trace through a fresh session and returns the vector file content. */
export function buildTraceVectors() {
  const traces: Trace[] = DEFINITIONS.map((definition) => {
    const script = new Script({ role: 'initiator', ...definition.setup })
    definition.script(script)
    return {
      id: definition.id,
      comment: definition.comment,
      covers: definition.covers,
      role: script.config.role,
      config: script.config,
      steps: script.steps,
    }
  })
  return {
    schema: TRACE_SCHEMA,
    version: '1.1',
    notes: {
      replay:
        'For each trace: create a session with config (want/share null = default policies; otherwise an offer or feed passes when every listed condition holds: onlyKeys, minLength, maxLength), feed each step input in order and compare the actions with expect (or the refused local input with throws).',
      informative:
        'The reason of a Close we send is prose: check that its body decodes as a Close under the trace limits with the expected code. fail.message is prose too, except after a received Close (fail followed by close by remote), where it is the Close reason.',
      bytes:
        'All byte strings are lowercase hex. send.body is the encoded message (for the handshake: the channel-open payload).',
      decoded:
        'event.decoded is an annotation (decoded with annotationLimits, or {decodeError}); only body is input.',
    },
    multifeedKey: toHex(MULTIFEED_KEY),
    handshakeHash: toHex(HANDSHAKE_HASH),
    capabilities: {
      initiator: toHex(CAPABILITY.initiator),
      responder: toHex(CAPABILITY.responder),
    },
    defaultLimits: { ...DEFAULT_LIMITS },
    annotationLimits: { ...ANNOTATION_LIMITS },
    errorCodes: { ...ErrorCode },
    numberOfTraces: traces.length,
    traces,
  }
}

import { readFileSync } from 'node:fs'
import b4a from 'b4a'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type ChannelMessage,
  DecodeError,
  decodeHandshake,
  decodeMessage,
  EntryBlock,
  encodeHandshake,
  encodeMessage,
  type Handshake,
  KeyBlock,
  type Limits,
  MAX_UINT,
  MessageType,
} from '../../src/codec/index.js'
import type { buildCodecVectors } from '../vectors/gen/codec.js'
import { messageFromJson, messageToJson, vectorBytes } from '../vectors/gen/json-form.js'

// ---- arbitraries for valid messages (sizes kept small so runs are fast) ----

/** uints biased to the varint width edges, where encoders and decoders go wrong. */
const uintArb = fc.oneof(
  fc.constantFrom(0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff, 2 ** 32, MAX_UINT),
  fc.nat(300),
  fc.nat(),
  fc.maxSafeNat(),
)
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const bytesArb = (maxLength: number) => fc.uint8Array({ maxLength })
const optionalBytesArb = (maxLength: number) => fc.option(bytesArb(maxLength), { nil: null })
// At most 4 UTF-8 bytes per code point, so 16 code points always fit in 64 bytes.
const textArb = (maxCodePoints: number) => fc.string({ unit: 'binary', maxLength: maxCodePoints })

const handshakeArb: fc.Arbitrary<Handshake> = fc.record({
  type: fc.constant('handshake' as const),
  major: fc.constant(1),
  minor: uintArb,
  client: textArb(16),
  capability: keyArb,
  userData: optionalBytesArb(80),
})

const manifestArb: fc.Arbitrary<ChannelMessage> = fc.record({
  type: fc.constant('manifest' as const),
  more: fc.boolean(),
  entries: fc
    .array(fc.record({ key: keyArb, length: uintArb, data: optionalBytesArb(40) }), {
      maxLength: 6,
    })
    .map((entries) => EntryBlock.from(entries)),
})

const keysArb = (type: 'request' | 'replicate'): fc.Arbitrary<ChannelMessage> =>
  fc.record({
    type: fc.constant(type),
    keys: fc.array(keyArb, { maxLength: 6 }).map((keys) => KeyBlock.from(keys)),
  }) as fc.Arbitrary<ChannelMessage>

const closeArb: fc.Arbitrary<ChannelMessage> = fc.record({
  type: fc.constant('close' as const),
  code: uintArb,
  reason: textArb(64),
})

interface Kind {
  name: string
  arbitrary: fc.Arbitrary<Handshake | ChannelMessage>
  encode: (message: Handshake | ChannelMessage) => Uint8Array
  decode: (bytes: Uint8Array, limits?: Partial<Limits>) => unknown
}

const channelKind = (
  name: string,
  type: number,
  arbitrary: fc.Arbitrary<ChannelMessage>,
): Kind => ({
  name,
  arbitrary,
  encode: (message) => encodeMessage(message as ChannelMessage),
  decode: (bytes, limits) => decodeMessage(type, bytes, limits),
})

const KINDS: Kind[] = [
  {
    name: 'handshake',
    arbitrary: handshakeArb,
    encode: (message) => encodeHandshake(message as Handshake),
    decode: (bytes, limits) => decodeHandshake(bytes, limits),
  },
  channelKind('manifest', MessageType.Manifest, manifestArb),
  channelKind('request', MessageType.Request, keysArb('request')),
  channelKind('replicate', MessageType.Replicate, keysArb('replicate')),
  channelKind('close', MessageType.Close, closeArb),
]

// ---- hostile inputs: random bytes and mutations of valid encodings ----

type Mutation =
  | { op: 'flip'; at: number; xor: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'append'; bytes: Uint8Array }
  | { op: 'insert'; at: number; byte: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('flip' as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  // Varint prefixes and bool/flag edges are where strictness matters most.
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x00, 0x01, 0x02, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('append' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
)

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = input
  for (const m of mutations) {
    const at = bytes.byteLength === 0 ? 0 : 'at' in m ? m.at % (bytes.byteLength + 1) : 0
    switch (m.op) {
      case 'flip':
      case 'set':
        if (at < bytes.byteLength) {
          bytes = b4a.from(bytes)
          bytes[at] = m.op === 'flip' ? bytes[at]! ^ m.xor : m.byte
        }
        break
      case 'truncate':
        bytes = bytes.subarray(0, at)
        break
      case 'append':
        bytes = b4a.concat([bytes, m.bytes])
        break
      case 'insert':
        bytes = b4a.concat([bytes.subarray(0, at), b4a.from([m.byte]), bytes.subarray(at)])
        break
    }
  }
  return bytes
}

/** Mostly the defaults; sometimes small limits, so the limit checks are reachable with small inputs. */
const limitsArb: fc.Arbitrary<Partial<Limits> | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  {
    arbitrary: fc.record(
      {
        maxMessageBytes: fc.integer({ min: 0, max: 400 }),
        maxEntriesPerMessage: fc.nat(4),
        maxEntryDataBytes: fc.nat(8),
        maxUserDataBytes: fc.nat(8),
        maxClientBytes: fc.nat(8),
        maxReasonBytes: fc.nat(8),
      },
      { requiredKeys: [] },
    ),
    weight: 1,
  },
)

const hostileInputArb = (kind: Kind) =>
  fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 48 }), weight: 1 },
    {
      arbitrary: fc
        .tuple(kind.arbitrary, fc.array(mutationArb, { minLength: 1, maxLength: 2 }))
        .map(([message, mutations]) => mutate(kind.encode(message), mutations)),
      weight: 3,
    },
  )

const HOSTILE_RUNS = 100_000

describe.each(KINDS)('$name', (kind) => {
  test('decode(encode(m)) equals m', () => {
    fc.assert(
      fc.property(kind.arbitrary, (message) => {
        // Compared in the vectors' JSON form: decoded byte fields are Buffers in Node.
        const decoded = kind.decode(kind.encode(message)) as Handshake | ChannelMessage
        expect(messageToJson(decoded)).toEqual(messageToJson(message))
      }),
      { numRuns: 2_000 },
    )
  })

  test(`decoding ${HOSTILE_RUNS} random or mutated inputs returns a message or throws DecodeError`, () => {
    fc.assert(
      fc.property(hostileInputArb(kind), limitsArb, (bytes, limits) => {
        let decoded: unknown
        try {
          decoded = kind.decode(bytes, limits)
        } catch (err) {
          if (err instanceof DecodeError) return
          throw err
        }
        // Strict decoding accepts only canonical bytes, so whatever it accepts re-encodes to
        // the same bytes (a v1.0 handshake; newer minors and foreign majors keep unread parts).
        const message = decoded as Handshake | ChannelMessage | null
        if (message === null) return
        if (message.type === 'handshake' && message.minor !== 0) return
        if ((message as { type: string }).type === 'foreign-handshake') return
        expect(b4a.toString(kind.encode(message), 'hex')).toBe(b4a.toString(bytes, 'hex'))
      }),
      { numRuns: HOSTILE_RUNS },
    )
  })
})

test('re-encoding every valid vector that round-trips gives its bytes', () => {
  const file = JSON.parse(
    readFileSync(new URL('../vectors/codec.json', import.meta.url), 'utf8'),
  ) as ReturnType<typeof buildCodecVectors>
  let checked = 0
  for (const group of file.testGroups) {
    for (const vector of group.tests) {
      if (vector.result !== 'valid' || !vector.roundtrip) continue
      const message = messageFromJson(vector.decoded!)
      const bytes =
        group.typeNumber === null
          ? encodeHandshake(message as Handshake)
          : encodeMessage(message as ChannelMessage)
      expect(b4a.toString(bytes, 'hex'), `tcId ${vector.tcId}`).toBe(
        b4a.toString(vectorBytes(vector), 'hex'),
      )
      checked++
    }
  }
  expect(checked).toBeGreaterThan(30)
})

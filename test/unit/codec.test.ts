/**
 * Codec behaviour the vectors do not show: encoder input validation, limit overrides,
 * the API around decoding (unknown types, copies, offsets) and capability argument checks.
 * Wire behaviour itself is covered by test/vectors (codec.json, capability.json).
 */
import b4a from 'b4a'
import c from 'compact-encoding'
import { describe, expect, test } from 'vitest'
import {
  type ChannelMessage,
  type Close,
  capability,
  DEFAULT_LIMITS,
  DecodeError,
  decodeHandshake,
  decodeMessage,
  discoveryKey,
  EntryBlock,
  encodeHandshake,
  encodeMessage,
  encodingLength,
  type Handshake,
  handshakeEncoding,
  KeyBlock,
  MAX_UINT,
  type Manifest,
  type ManifestEntry,
  MessageType,
  manifestEntryEncodingLength,
  messageEncodings,
  messageTypeOf,
  type Request,
  resolveLimits,
} from '../../src/codec/index.js'

const key = (byte: number) => new Uint8Array(32).fill(byte)
const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')

const handshake = (fields: Partial<Handshake> = {}): Handshake => ({
  type: 'handshake',
  major: 1,
  minor: 0,
  client: 'multifeed',
  capability: key(0xcc),
  userData: null,
  ...fields,
})

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('encoders reject invalid messages with ERR_INVALID_MESSAGE', () => {
  const manifestOf =
    (...entries: { key: unknown; length: unknown; data: unknown }[]) =>
    () => ({
      type: 'manifest',
      more: false,
      entries: EntryBlock.from(entries as ManifestEntry[]),
    })
  // Each builds the message: a bad key is refused when its block is built, the rest by the encoder.
  const invalidMessages: [string, () => unknown][] = [
    ['unknown type', () => ({ type: 'hello' })],
    ['null', () => null],
    [
      'manifest more not boolean',
      () => ({ type: 'manifest', more: 1, entries: EntryBlock.from([]) }),
    ],
    ['manifest entries not an EntryBlock', () => ({ type: 'manifest', more: false, entries: {} })],
    [
      'manifest entries an array of entries',
      () => ({ type: 'manifest', more: false, entries: [{ key: key(1), length: 0, data: null }] }),
    ],
    [
      'manifest entries with fewer lengths than keys',
      () => ({
        type: 'manifest',
        more: false,
        entries: {
          keys: KeyBlock.from([key(1), key(2)]),
          lengths: new Float64Array(1),
          data: null,
        },
      }),
    ],
    ['entry key of 31 bytes', manifestOf({ key: new Uint8Array(31), length: 0, data: null })],
    ['entry key not bytes', manifestOf({ key: 'aa'.repeat(32), length: 0, data: null })],
    ['entry length negative', manifestOf({ key: key(1), length: -1, data: null })],
    ['entry length fractional', manifestOf({ key: key(1), length: 1.5, data: null })],
    ['entry length above 2^53 - 1', manifestOf({ key: key(1), length: MAX_UINT + 1, data: null })],
    ['entry length NaN', manifestOf({ key: key(1), length: Number.NaN, data: null })],
    ['entry length a string', manifestOf({ key: key(1), length: '1', data: null })],
    ['entry data of 257 bytes', manifestOf({ key: key(1), length: 0, data: new Uint8Array(257) })],
    [
      'entry data undefined instead of null',
      manifestOf(
        { key: key(1), length: 0, data: new Uint8Array(1) },
        { key: key(2), length: 0, data: undefined },
      ),
    ],
    [
      'request key of 33 bytes',
      () => ({ type: 'request', keys: KeyBlock.from([new Uint8Array(33)]) }),
    ],
    ['request keys an array of keys', () => ({ type: 'request', keys: [key(1)] })],
    ['replicate keys a single key', () => ({ type: 'replicate', keys: key(1) })],
    [
      'replicate key block of 33 bytes',
      () => ({ type: 'replicate', keys: { bytes: new Uint8Array(33) } }),
    ],
    ['close code negative', () => ({ type: 'close', code: -1, reason: '' })],
    ['close reason of 257 bytes', () => ({ type: 'close', code: 0, reason: 'r'.repeat(257) })],
    [
      'close reason of 129 two-byte characters (258 bytes)',
      () => ({ type: 'close', code: 0, reason: '\u00e9'.repeat(129) }),
    ],
    [
      'close reason with a lone surrogate',
      () => ({ type: 'close', code: 0, reason: 'bad \ud800' }),
    ],
    ['close reason not a string', () => ({ type: 'close', code: 0, reason: null })],
  ]
  test.each(invalidMessages)('%s', (_name, build) => {
    expect(codeOf(() => encodeMessage(build() as ChannelMessage))).toBe('ERR_INVALID_MESSAGE')
    expect(codeOf(() => encodingLength(build() as ChannelMessage))).toBe('ERR_INVALID_MESSAGE')
  })

  test('more entries or keys than maxEntriesPerMessage', () => {
    const keys = KeyBlock.from(Array.from({ length: 4097 }, () => key(1)))
    expect(codeOf(() => encodeMessage({ type: 'request', keys }))).toBe('ERR_INVALID_MESSAGE')
    expect(
      encodeMessage({ type: 'request', keys }, { maxEntriesPerMessage: 4097 }).byteLength,
    ).toBe(1 + 3 + 4097 * 32)
  })

  test('a message over maxMessageBytes', () => {
    const message: Request = { type: 'request', keys: KeyBlock.from([key(1), key(2)]) }
    expect(encodingLength(message)).toBe(66)
    expect(codeOf(() => encodeMessage(message, { maxMessageBytes: 65 }))).toBe(
      'ERR_INVALID_MESSAGE',
    )
    expect(encodeMessage(message, { maxMessageBytes: 66 }).byteLength).toBe(66)
  })

  const invalidHandshakes: [string, Partial<Handshake>][] = [
    ['capability of 31 bytes', { capability: new Uint8Array(31) }],
    ['client of 65 bytes', { client: 'c'.repeat(65) }],
    ['client with a lone surrogate', { client: '\udc00' }],
    ['userData of 1025 bytes', { userData: new Uint8Array(1025) }],
    ['minor fractional', { minor: 0.5 }],
    ['major negative', { major: -1 }],
  ]
  test.each(invalidHandshakes)('handshake: %s', (_name, fields) => {
    expect(codeOf(() => encodeHandshake(handshake(fields)))).toBe('ERR_INVALID_MESSAGE')
  })

  test('handshake limits follow the overrides', () => {
    const h = handshake({ client: 'c'.repeat(65), userData: new Uint8Array(2000) })
    const bytes = encodeHandshake(h, { maxClientBytes: 65, maxUserDataBytes: 2000 })
    expect(codeOf(() => decodeHandshake(bytes))).toBe('ERR_DECODE_FIELD_TOO_LONG')
    const decoded = decodeHandshake(bytes, { maxClientBytes: 65, maxUserDataBytes: 2000 })
    expect(decoded).toMatchObject({ client: h.client })
  })

  test('a handshake of another major encodes and decodes as foreign', () => {
    const bytes = encodeHandshake(handshake({ major: 2, minor: 3 }))
    expect(decodeHandshake(bytes)).toEqual({ type: 'foreign-handshake', major: 2, minor: 3 })
  })
})

describe('limits', () => {
  test('no override returns the frozen defaults', () => {
    expect(resolveLimits()).toBe(DEFAULT_LIMITS)
  })

  test('a resolved value is frozen and passes through unchanged', () => {
    const limits = resolveLimits({ maxFeeds: 3 })
    expect(Object.isFrozen(limits)).toBe(true)
    expect(resolveLimits(limits)).toBe(limits)
    expect(resolveLimits({ ...limits })).not.toBe(limits)
    expect(resolveLimits({ ...limits })).toEqual(limits)
  })

  test('an override replaces only the named limits', () => {
    const limits = resolveLimits({ maxEntriesPerMessage: 10, maxReasonBytes: undefined })
    expect(limits).toEqual({ ...DEFAULT_LIMITS, maxEntriesPerMessage: 10 })
  })

  test.each([
    ['negative', { maxMessageBytes: -1 }],
    ['NaN', { maxEntriesPerMessage: Number.NaN }],
    ['fractional', { maxClientBytes: 1.5 }],
    ['a string', { maxReasonBytes: '10' }],
    ['an unknown limit', { maxBananas: 1 }],
  ])('%s is rejected with ERR_INVALID_LIMITS', (_name, overrides) => {
    expect(codeOf(() => resolveLimits(overrides as never))).toBe('ERR_INVALID_LIMITS')
    expect(codeOf(() => decodeMessage(0, b4a.from('0000', 'hex'), overrides as never))).toBe(
      'ERR_INVALID_LIMITS',
    )
  })

  test('decode limits can be raised and lowered', () => {
    const count4097 = b4a.from(`00fd0110${'11'.repeat(32 * 4097)}`, 'hex')
    expect(codeOf(() => decodeMessage(MessageType.Request, count4097))).toBe(
      'ERR_DECODE_TOO_MANY_ENTRIES',
    )
    const request = decodeMessage(MessageType.Request, count4097, { maxEntriesPerMessage: 4097 })
    expect((request as Request).keys).toHaveLength(4097)

    const close = encodeMessage({ type: 'close', code: 5, reason: 'four' })
    expect(codeOf(() => decodeMessage(MessageType.Close, close, { maxReasonBytes: 3 }))).toBe(
      'ERR_DECODE_FIELD_TOO_LONG',
    )
    expect(codeOf(() => decodeMessage(MessageType.Close, close, { maxMessageBytes: 6 }))).toBe(
      'ERR_DECODE_MESSAGE_TOO_LARGE',
    )
    expect(decodeMessage(MessageType.Close, close, { maxMessageBytes: 7 })).toEqual({
      type: 'close',
      code: 5,
      reason: 'four',
    })
  })
})

describe('decoding', () => {
  test('an unknown type number gives null, whatever the bytes', () => {
    expect(decodeMessage(4, new Uint8Array([0xff, 0xff]))).toBeNull()
    expect(decodeMessage(-1, new Uint8Array(0))).toBeNull()
    expect(decodeMessage(4, new Uint8Array(DEFAULT_LIMITS.maxMessageBytes + 1))).toBeNull()
  })

  test('a non-Uint8Array input is a usage error, not a DecodeError', () => {
    expect(codeOf(() => decodeMessage(0, 'abcd' as never))).toBe('ERR_INVALID_ARGUMENT')
  })

  test('DecodeError carries the offset of the field that failed', () => {
    const bytes = b4a.from(`0001${'00'}${'11'.repeat(32)}fd0100`, 'hex') // entry length 1, 3-byte form
    let error: unknown
    try {
      decodeMessage(MessageType.Manifest, bytes)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DecodeError)
    expect((error as DecodeError).code).toBe('ERR_DECODE_NON_MINIMAL_VARINT')
    expect((error as DecodeError).offset).toBe(35)
  })

  test('decoded bytes are plain Uint8Arrays that do not alias the input', () => {
    const bytes = encodeMessage({
      type: 'manifest',
      more: false,
      entries: EntryBlock.from([{ key: key(7), length: 1, data: new Uint8Array([1, 2]) }]),
    })
    const manifest = decodeMessage(MessageType.Manifest, bytes) as Manifest
    bytes.fill(0)
    const entry = manifest.entries.at(0)!
    expect(Object.getPrototypeOf(entry.key)).toBe(Uint8Array.prototype)
    expect(hex(entry.key)).toBe('07'.repeat(32))
    expect(hex(entry.data!)).toBe('0102')
  })

  test('a Buffer slice at a non-zero offset decodes like its bytes', () => {
    const body = encodeMessage({ type: 'request', keys: KeyBlock.from([key(1), key(2)]) })
    const framed = b4a.concat([b4a.from([9, 9, 9]), body, b4a.from([9])])
    const slice = framed.subarray(3, 3 + body.byteLength)
    const request = decodeMessage(MessageType.Request, slice) as Request
    expect(request.keys.map(hex)).toEqual([hex(key(1)), hex(key(2))])
  })
})

describe('sizes and compact-encoding objects', () => {
  test('manifestEntryEncodingLength adds up to the encoded size', () => {
    const entries = [
      { key: key(1), length: 0, data: null },
      { key: key(2), length: 70_000, data: new Uint8Array(253) },
    ]
    const manifest: Manifest = { type: 'manifest', more: true, entries: EntryBlock.from(entries) }
    const total = 1 + 1 + entries.reduce((sum, e) => sum + manifestEntryEncodingLength(e), 0)
    expect(manifestEntryEncodingLength(entries[0]!)).toBe(34)
    expect(manifestEntryEncodingLength(entries[1]!)).toBe(1 + 32 + 5 + 3 + 253)
    expect(encodingLength(manifest)).toBe(total)
    expect(encodeMessage(manifest).byteLength).toBe(total)
  })

  test('messageTypeOf gives the protomux message index', () => {
    expect(messageTypeOf({ type: 'manifest', more: false, entries: EntryBlock.from([]) })).toBe(0)
    expect(messageTypeOf({ type: 'request', keys: KeyBlock.from([]) })).toBe(1)
    expect(messageTypeOf({ type: 'replicate', keys: KeyBlock.from([]) })).toBe(2)
    expect(messageTypeOf({ type: 'close', code: 0, reason: '' })).toBe(3)
    expect(codeOf(() => messageTypeOf({ type: 'x' } as never))).toBe('ERR_INVALID_MESSAGE')
  })

  test('messageEncodings and handshakeEncoding work with c.encode / c.decode', () => {
    const encodings = messageEncodings()
    const close: Close = { type: 'close', code: 7, reason: 'early' }
    const bytes = c.encode(encodings.close, close)
    expect(hex(bytes)).toBe(hex(encodeMessage(close)))
    expect(c.decode(encodings.close, bytes)).toEqual(close)

    const h = handshake({ userData: new Uint8Array([5]) })
    const hsBytes = c.encode(handshakeEncoding(), h)
    expect(hex(hsBytes)).toBe(hex(encodeHandshake(h)))
  })

  test('the encodings are bound to their limits', () => {
    const strict = messageEncodings({ maxEntriesPerMessage: 1 })
    const request: Request = { type: 'request', keys: KeyBlock.from([key(1), key(2)]) }
    expect(codeOf(() => c.encode(strict.request, request))).toBe('ERR_INVALID_MESSAGE')
    const bytes = encodeMessage(request)
    expect(codeOf(() => c.decode(strict.request, bytes))).toBe('ERR_DECODE_TOO_MANY_ENTRIES')
  })
})

describe('capability arguments', () => {
  const hash = new Uint8Array(64).fill(3)

  test('keys and hashes of the wrong size are ERR_INVALID_KEY', () => {
    expect(codeOf(() => discoveryKey(new Uint8Array(31)))).toBe('ERR_INVALID_KEY')
    expect(codeOf(() => discoveryKey('00'.repeat(32) as never))).toBe('ERR_INVALID_KEY')
    expect(codeOf(() => capability(new Uint8Array(33), hash, 'initiator'))).toBe('ERR_INVALID_KEY')
    expect(codeOf(() => capability(key(1), new Uint8Array(15), 'initiator'))).toBe(
      'ERR_INVALID_KEY',
    )
    expect(codeOf(() => capability(key(1), new Uint8Array(65), 'initiator'))).toBe(
      'ERR_INVALID_KEY',
    )
  })

  test('an unknown role is ERR_INVALID_ARGUMENT', () => {
    expect(codeOf(() => capability(key(1), hash, 'server' as never))).toBe('ERR_INVALID_ARGUMENT')
  })

  test('the roles give different capabilities, and the discovery key is not the key', () => {
    const initiator = capability(key(1), hash, 'initiator')
    const responder = capability(key(1), hash, 'responder')
    expect(hex(initiator)).not.toBe(hex(responder))
    expect(hex(discoveryKey(key(1)))).not.toBe(hex(key(1)))
  })
})

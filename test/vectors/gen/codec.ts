/**
 * Codec vectors (test/vectors/codec.json). Every byte string is spelled out here from the
 * spec's notation with the helpers in hex.ts; nothing is produced by the codec under test.
 */
import { DEFAULT_LIMITS } from '../../../src/codec/constants.js'
import type { DecodeErrorCodeName } from '../../../src/codec/errors.js'
import { buffer, byteLength, fill, key, raw, string, uint, utf8 } from './hex.js'
import type { HexRun, ManifestEntryJson, MessageJson } from './json-form.js'

export const CODEC_VECTORS_SCHEMA = 'multifeed_codec_vectors_v1'

/** Flags name the trap a vector sets; README.md repeats these notes. */
export const CODEC_FLAGS = {
  OptionalAbsent: 'An optional field is absent: its flag bit is clear and it decodes as null.',
  OptionalPresent: 'An optional field is present: its flag bit is set.',
  EmptyPresent:
    'An optional buffer is present but empty (flag bit set, length 0): it decodes as an empty byte string, not null.',
  EmptyArray: 'An array with zero elements.',
  DuplicateKeys:
    'The same key appears more than once. Valid for the codec; the session treats repeats as idempotent.',
  Limit: 'A field, count or message size exactly at its default limit, or one past it.',
  LimitInBytes:
    'A text limit counted in UTF-8 bytes, not characters: multi-byte characters reach it with fewer characters.',
  CheckOrder:
    'Several faults are present or the input is cut short after a fault; the first fault in reading order wins, and a length or count is checked against its limit before the bytes it announces are read.',
  VarintWidth: 'A uint at the edge of a varint width (1, 3, 5 or 9 bytes), minimally encoded.',
  NonMinimalVarint: 'A uint written in a longer form than its value needs.',
  VarintOverflow: 'A uint above 2^53 - 1.',
  Truncated: 'The input ends inside a field.',
  TrailingBytes: 'Bytes remain after the last field.',
  InvalidBool: 'A bool byte other than 0x00 or 0x01.',
  Utf8: 'Text with multi-byte UTF-8 characters, including a leading U+FEFF that must be kept.',
  InvalidUtf8: 'Text bytes that are not well-formed UTF-8.',
  ReservedFlags: 'A flag bit that is reserved at v1.0 is set.',
  ForeignMajor:
    'A handshake whose major version is not 1: only major and minor are decoded, the rest is not interpreted.',
  NewerMinor:
    'A v1 handshake of a newer minor: unknown flag bits and bytes after the known fields are ignored.',
  NoRoundtrip:
    'Valid, but encoding the decoded value gives different (canonical) bytes: the ignored parts are lost.',
  UnknownType:
    'A message type number v1.0 does not define: the receiver ignores the message (no error, no effect).',
  CompactForm:
    'Too large to spell out: the bytes are given as hexRepeat runs and long arrays of decoded as repeat runs (see README).',
  HighFlagBits:
    'A flags value with set bits at bit 32 or above (a 9-byte uint): a decoder that tests flags with 32-bit integer operations sees only the low bits. Added in 1.0.1.',
} as const
export type CodecFlag = keyof typeof CODEC_FLAGS

export interface CodecTest {
  tcId: number
  comment: string
  flags: CodecFlag[]
  hex?: string
  hexRepeat?: HexRun[]
  decoded?: MessageJson | null
  result: 'valid' | 'invalid' | 'ignored'
  roundtrip?: boolean
  error?: DecodeErrorCodeName
}

export interface CodecTestGroup {
  messageType: 'handshake' | 'manifest' | 'request' | 'replicate' | 'close' | 'unknown'
  /** The message's type number on the channel; null for the handshake (the channel-open payload). */
  typeNumber: number | null
  limits: typeof CODEC_LIMITS
  tests: CodecTest[]
}

/** The limits every vector is decoded with (the defaults). */
const CODEC_LIMITS = {
  maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes,
  maxEntriesPerMessage: DEFAULT_LIMITS.maxEntriesPerMessage,
  maxEntryDataBytes: DEFAULT_LIMITS.maxEntryDataBytes,
  maxUserDataBytes: DEFAULT_LIMITS.maxUserDataBytes,
  maxClientBytes: DEFAULT_LIMITS.maxClientBytes,
  maxReasonBytes: DEFAULT_LIMITS.maxReasonBytes,
}

type Bytes = string | HexRun[]
type TestBody = Omit<CodecTest, 'tcId'>

function bytesField(bytes: Bytes): { hex: string } | { hexRepeat: HexRun[] } {
  return typeof bytes === 'string' ? { hex: bytes } : { hexRepeat: bytes }
}

function valid(
  comment: string,
  flags: CodecFlag[],
  bytes: Bytes,
  decoded: MessageJson,
  roundtrip = true,
): TestBody {
  return { comment, flags, ...bytesField(bytes), decoded, result: 'valid', roundtrip }
}

function invalid(
  comment: string,
  flags: CodecFlag[],
  bytes: Bytes,
  error: DecodeErrorCodeName,
): TestBody {
  return { comment, flags, ...bytesField(bytes), result: 'invalid', error }
}

/** The decode codes by short name (spec 6.2), checked against the error family's. */
const E = {
  TRUNCATED: 'ERR_DECODE_TRUNCATED',
  TRAILING_BYTES: 'ERR_DECODE_TRAILING_BYTES',
  NON_MINIMAL_VARINT: 'ERR_DECODE_NON_MINIMAL_VARINT',
  VARINT_OVERFLOW: 'ERR_DECODE_VARINT_OVERFLOW',
  INVALID_BOOL: 'ERR_DECODE_INVALID_BOOL',
  INVALID_UTF8: 'ERR_DECODE_INVALID_UTF8',
  RESERVED_FLAGS: 'ERR_DECODE_RESERVED_FLAGS',
  MESSAGE_TOO_LARGE: 'ERR_DECODE_MESSAGE_TOO_LARGE',
  TOO_MANY_ENTRIES: 'ERR_DECODE_TOO_MANY_ENTRIES',
  FIELD_TOO_LONG: 'ERR_DECODE_FIELD_TOO_LONG',
} as const satisfies Record<string, DecodeErrorCodeName>
const MAX_UINT = 2n ** 53n - 1n

const K1 = key('11')
const K2 = key('22')
const K3 = key('33')
const CAPABILITY = key('cc')
const CLIENT = 'multifeed'

// ---------------------------------------------------------------- handshake

function handshakeJson(
  fields: Partial<{ minor: number; client: string; userData: string | null }> = {},
): MessageJson {
  return {
    type: 'handshake',
    major: 1,
    minor: fields.minor ?? 0,
    client: fields.client ?? CLIENT,
    capability: CAPABILITY,
    userData: fields.userData === undefined ? null : fields.userData,
  }
}

/** v1.0 handshake bytes: major 1, minor 0, flags, client, capability, userData if given. */
function handshakeHex(
  fields: Partial<{ minor: string; flags: string; client: string; userData: string }> = {},
): string {
  const flags = fields.flags ?? (fields.userData === undefined ? '00' : '01')
  return (
    uint(1) +
    (fields.minor ?? uint(0)) +
    flags +
    (fields.client ?? string(CLIENT)) +
    CAPABILITY +
    (fields.userData ?? '')
  )
}

function handshakeTests(): TestBody[] {
  const userData1024 = fill('5a', 1024)
  const client64 = 'm'.repeat(64)
  const eAcute32 = '\u00e9'.repeat(32) // 32 characters, 64 UTF-8 bytes
  return [
    valid('v1.0 handshake without userData', ['OptionalAbsent'], handshakeHex(), handshakeJson()),
    valid(
      'v1.0 handshake with 3 bytes of userData',
      ['OptionalPresent'],
      handshakeHex({ userData: buffer('010203') }),
      handshakeJson({ userData: '010203' }),
    ),
    valid(
      'userData present but empty is not the same as absent',
      ['EmptyPresent'],
      handshakeHex({ userData: buffer('') }),
      handshakeJson({ userData: '' }),
    ),
    valid(
      'empty client name',
      [],
      handshakeHex({ client: string('') }),
      handshakeJson({ client: '' }),
    ),
    valid(
      'client name with multi-byte UTF-8 (2, 3 and 4 bytes per character)',
      ['Utf8'],
      handshakeHex({ client: string('m\u00fcltifeed \u2713 \u{1f40b}') }),
      handshakeJson({ client: 'm\u00fcltifeed \u2713 \u{1f40b}' }),
    ),
    valid(
      'a leading byte-order mark is part of the client name and must be kept',
      ['Utf8'],
      handshakeHex({ client: string('\ufeffmultifeed') }),
      handshakeJson({ client: '\ufeffmultifeed' }),
    ),
    valid(
      'client name of exactly 64 bytes (maxClientBytes)',
      ['Limit'],
      handshakeHex({ client: string(client64) }),
      handshakeJson({ client: client64 }),
    ),
    valid(
      'client name of 32 two-byte characters is 64 bytes: at the limit',
      ['Limit', 'LimitInBytes', 'Utf8'],
      handshakeHex({ client: string(eAcute32) }),
      handshakeJson({ client: eAcute32 }),
    ),
    invalid(
      'client name of 65 bytes (maxClientBytes + 1)',
      ['Limit'],
      handshakeHex({ client: string('m'.repeat(65)) }),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'client name of 33 two-byte characters: 33 characters but 66 bytes',
      ['Limit', 'LimitInBytes', 'Utf8'],
      handshakeHex({ client: string('\u00e9'.repeat(33)) }),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'client length 65 and the input ends there: the limit is checked before the bytes',
      ['Limit', 'CheckOrder'],
      uint(1) + uint(0) + raw('00') + uint(65),
      E.FIELD_TOO_LONG,
    ),
    valid(
      'userData of exactly 1024 bytes (maxUserDataBytes)',
      ['Limit', 'OptionalPresent'],
      handshakeHex({ userData: buffer(userData1024) }),
      handshakeJson({ userData: userData1024 }),
    ),
    invalid(
      'userData of 1025 bytes (maxUserDataBytes + 1)',
      ['Limit', 'OptionalPresent'],
      handshakeHex({ userData: buffer(fill('5a', 1025)) }),
      E.FIELD_TOO_LONG,
    ),
    valid(
      'newer minor (1.1): unknown flag bits 1 and 2 are ignored, userData (bit 0) is read, appended bytes are ignored',
      ['NewerMinor', 'NoRoundtrip', 'OptionalPresent'],
      handshakeHex({ minor: uint(1), flags: uint(7), userData: buffer('0102') }) + raw('deadbeef'),
      handshakeJson({ minor: 1, userData: '0102' }),
      false,
    ),
    valid(
      'newer minor (1.7) with unknown flag bit 5 only and one appended field: userData absent',
      ['NewerMinor', 'NoRoundtrip', 'OptionalAbsent'],
      handshakeHex({ minor: uint(7), flags: uint(32) }) + buffer('abcdef'),
      handshakeJson({ minor: 7 }),
      false,
    ),
    valid(
      'newer minor with nothing appended and no unknown bits: re-encodes to the same bytes',
      ['NewerMinor'],
      handshakeHex({ minor: uint(3) }),
      handshakeJson({ minor: 3 }),
    ),
    invalid(
      'newer minor still enforces the limits of the known fields',
      ['NewerMinor', 'Limit'],
      handshakeHex({ minor: uint(1), client: string('m'.repeat(65)) }),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'newer minor still requires every known field: capability cut short',
      ['NewerMinor', 'Truncated'],
      handshakeHex({ minor: uint(2) }).slice(0, -2),
      E.TRUNCATED,
    ),
    invalid(
      'v1.0 handshake with reserved flag bit 1 set',
      ['ReservedFlags'],
      handshakeHex({ flags: uint(2) }),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'v1.0 handshake with userData and reserved flag bit 7 set',
      ['ReservedFlags'],
      handshakeHex({ flags: uint(0x81), userData: buffer('01') }),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'v1.0 handshake followed by one extra byte',
      ['TrailingBytes'],
      handshakeHex() + raw('00'),
      E.TRAILING_BYTES,
    ),
    valid(
      'foreign major 2: only major and minor are decoded, the rest is not interpreted',
      ['ForeignMajor', 'NoRoundtrip'],
      uint(2) + uint(0) + raw('ffffffff'),
      { type: 'foreign-handshake', major: 2, minor: 0 },
      false,
    ),
    valid(
      'foreign major 0 with nothing after the minor',
      ['ForeignMajor', 'NoRoundtrip'],
      uint(0) + uint(5),
      { type: 'foreign-handshake', major: 0, minor: 5 },
      false,
    ),
    valid(
      'foreign major 300 in a 3-byte varint, minor 70000 in a 5-byte varint',
      ['ForeignMajor', 'VarintWidth', 'NoRoundtrip'],
      uint(300) + uint(70000) + raw('00'),
      { type: 'foreign-handshake', major: 300, minor: 70000 },
      false,
    ),
    invalid(
      'foreign major whose minor is missing',
      ['ForeignMajor', 'Truncated'],
      uint(2),
      E.TRUNCATED,
    ),
    invalid(
      'major 1 written in the 3-byte form: varints are checked before the version is known',
      ['NonMinimalVarint'],
      uint(1, 3) + uint(0) + raw('00') + string(CLIENT) + CAPABILITY,
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'foreign major 2 with a non-minimal minor: the version prefix is strict too',
      ['ForeignMajor', 'NonMinimalVarint'],
      uint(2) + uint(0, 5),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'flags 0 written in the 3-byte form',
      ['NonMinimalVarint'],
      handshakeHex({ flags: uint(0, 3) }),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'minor 2^53 (above 2^53 - 1)',
      ['VarintOverflow'],
      uint(1) + uint(2n ** 53n, 9) + raw('00') + string(CLIENT) + CAPABILITY,
      E.VARINT_OVERFLOW,
    ),
    invalid('empty input', ['Truncated'], '', E.TRUNCATED),
    invalid('major only', ['Truncated'], uint(1), E.TRUNCATED),
    invalid('capability of 31 bytes', ['Truncated'], handshakeHex().slice(0, -2), E.TRUNCATED),
    invalid(
      'userData length 3 but only 2 bytes follow',
      ['Truncated', 'OptionalPresent'],
      handshakeHex({ userData: uint(3) + raw('0102') }),
      E.TRUNCATED,
    ),
    invalid(
      'client name is not UTF-8 (0xc3 followed by an ASCII byte)',
      ['InvalidUtf8'],
      handshakeHex({ client: buffer('6dc328') }),
      E.INVALID_UTF8,
    ),
    invalid(
      'client name with an overlong encoding of "/" (0xc0 0xaf)',
      ['InvalidUtf8'],
      handshakeHex({ client: buffer('c0af') }),
      E.INVALID_UTF8,
    ),
    invalid(
      'client name with an encoded UTF-16 surrogate (U+D800 as 0xed 0xa0 0x80)',
      ['InvalidUtf8'],
      handshakeHex({ client: buffer('eda080') }),
      E.INVALID_UTF8,
    ),
    invalid(
      'client name ends inside a 3-byte character',
      ['InvalidUtf8'],
      handshakeHex({ client: buffer(`${utf8('ok')}e282`) }),
      E.INVALID_UTF8,
    ),
    invalid(
      'handshake of 1048577 bytes (maxMessageBytes + 1): the size is checked before anything, even the major',
      ['Limit', 'CheckOrder', 'ForeignMajor', 'CompactForm'],
      [
        { hex: uint(2) + uint(0), count: 1 },
        { hex: '00', count: DEFAULT_LIMITS.maxMessageBytes + 1 - 2 },
      ],
      E.MESSAGE_TOO_LARGE,
    ),
  ]
}

/** Added in 1.0.1: flags values whose set bits are at bit 32 or above. */
function handshakeAddedTests(): TestBody[] {
  return [
    invalid(
      'v1.0 handshake with flags 2^32: the only set bit is bit 32, which is reserved',
      ['ReservedFlags', 'HighFlagBits'],
      handshakeHex({ flags: uint(2n ** 32n) }),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'v1.0 handshake with flags 2^32 + 1: bit 0 (userData) and reserved bit 32',
      ['ReservedFlags', 'HighFlagBits', 'OptionalPresent'],
      handshakeHex({ flags: uint(2n ** 32n + 1n), userData: buffer('01') }),
      E.RESERVED_FLAGS,
    ),
    valid(
      'newer minor (1.2) with flags 2^32 + 1: unknown bit 32 ignored, userData (bit 0) read',
      ['NewerMinor', 'NoRoundtrip', 'HighFlagBits', 'OptionalPresent'],
      handshakeHex({ minor: uint(2), flags: uint(2n ** 32n + 1n), userData: buffer('0102') }),
      handshakeJson({ minor: 2, userData: '0102' }),
      false,
    ),
    valid(
      'newer minor (1.2) with flags 2^52: unknown bit 52 ignored, userData absent',
      ['NewerMinor', 'NoRoundtrip', 'HighFlagBits', 'OptionalAbsent'],
      handshakeHex({ minor: uint(2), flags: uint(2n ** 52n) }),
      handshakeJson({ minor: 2 }),
      false,
    ),
  ]
}

// ---------------------------------------------------------------- manifest

interface EntrySpec {
  key?: string
  length?: number | bigint
  lengthHex?: string
  flags?: string
  data?: string | null
}

function entryHex(entry: EntrySpec): string {
  const data = entry.data ?? null
  const flags = entry.flags ?? (data === null ? '00' : '01')
  const length = entry.lengthHex ?? uint(entry.length ?? 0)
  return flags + (entry.key ?? K1) + length + (data === null ? '' : buffer(data))
}

function entryJson(entry: EntrySpec): ManifestEntryJson {
  return { key: entry.key ?? K1, length: Number(entry.length ?? 0), data: entry.data ?? null }
}

function manifestHex(more: boolean, entries: EntrySpec[]): string {
  return (more ? '01' : '00') + uint(entries.length) + entries.map(entryHex).join('')
}

function manifestJson(more: boolean, entries: EntrySpec[]): MessageJson {
  return { type: 'manifest', more, entries: entries.map(entryJson) }
}

function manifest(comment: string, flags: CodecFlag[], more: boolean, entries: EntrySpec[]) {
  return valid(comment, flags, manifestHex(more, entries), manifestJson(more, entries))
}

/**
 * A manifest of exactly `total` bytes with maxEntriesPerMessage entries: every entry but the
 * last is 256 bytes (data of 221 bytes), the last one takes the rest.
 */
function fullManifest(total: number): { bytes: HexRun[]; decoded: MessageJson | null } {
  const count = DEFAULT_LIMITS.maxEntriesPerMessage
  const header = raw('00') + uint(count)
  const entryOverhead = 1 + 32 + 1 + 1 // flags, key, length 1, data length (< 0xfd)
  const commonData = fill('ab', 256 - entryOverhead)
  const lastDataBytes = total - byteLength(header) - (count - 1) * 256 - entryOverhead
  const lastData = fill('cd', lastDataBytes)
  const common: EntrySpec = { key: K1, length: 1, data: commonData }
  const last: EntrySpec = { key: K2, length: 1, data: lastData }
  return {
    bytes: [
      { hex: header, count: 1 },
      { hex: entryHex(common), count: count - 1 },
      { hex: entryHex(last), count: 1 },
    ],
    decoded: {
      type: 'manifest',
      more: false,
      entries: {
        repeat: [
          { value: entryJson(common), count: count - 1 },
          { value: entryJson(last), count: 1 },
        ],
      },
    },
  }
}

function manifestTests(): TestBody[] {
  const data256 = fill('d0', 256)
  const atLimit = fullManifest(DEFAULT_LIMITS.maxMessageBytes)
  const overLimit = fullManifest(DEFAULT_LIMITS.maxMessageBytes + 1)
  return [
    manifest(
      'empty manifest ending a batch (the initial batch of a peer with no feeds)',
      ['EmptyArray'],
      false,
      [],
    ),
    manifest('empty manifest with more = true', ['EmptyArray'], true, []),
    manifest('one entry without data', ['OptionalAbsent'], false, [{ key: K1, length: 5 }]),
    manifest('one entry with 3 bytes of data', ['OptionalPresent'], false, [
      { key: K1, length: 5, data: 'aabbcc' },
    ]),
    manifest('entry data present but empty is not the same as absent', ['EmptyPresent'], false, [
      { key: K1, length: 5, data: '' },
    ]),
    manifest(
      'three entries, data on the middle one only, more = true',
      ['OptionalPresent', 'OptionalAbsent'],
      true,
      [
        { key: K1, length: 0 },
        { key: K2, length: 1, data: '00' },
        { key: K3, length: 2 },
      ],
    ),
    manifest('the same key twice with different lengths', ['DuplicateKeys'], false, [
      { key: K1, length: 3 },
      { key: K1, length: 7 },
    ]),
    manifest('entry length 252, the largest 1-byte varint', ['VarintWidth'], false, [
      { length: 0xfc },
    ]),
    manifest('entry length 253, the smallest 3-byte varint', ['VarintWidth'], false, [
      { length: 0xfd },
    ]),
    manifest('entry length 65535, the largest 3-byte varint', ['VarintWidth'], false, [
      { length: 0xffff },
    ]),
    manifest('entry length 65536, the smallest 5-byte varint', ['VarintWidth'], false, [
      { length: 0x10000 },
    ]),
    manifest('entry length 2^32 - 1, the largest 5-byte varint', ['VarintWidth'], false, [
      { length: 0xffffffff },
    ]),
    manifest('entry length 2^32, the smallest 9-byte varint', ['VarintWidth'], false, [
      { length: 2 ** 32 },
    ]),
    manifest('entry length 2^53 - 1, the largest uint', ['VarintWidth', 'Limit'], false, [
      { length: MAX_UINT },
    ]),
    manifest(
      'entry data of exactly 256 bytes (maxEntryDataBytes)',
      ['Limit', 'OptionalPresent'],
      false,
      [{ key: K1, length: 1, data: data256 }],
    ),
    invalid(
      'entry data of 257 bytes (maxEntryDataBytes + 1)',
      ['Limit', 'OptionalPresent'],
      manifestHex(false, [{ key: K1, length: 1, data: fill('d0', 257) }]),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'entry data length 257 and the input ends there: the limit is checked before the bytes',
      ['Limit', 'CheckOrder'],
      raw('00') + uint(1) + raw('01') + K1 + uint(1) + uint(257),
      E.FIELD_TOO_LONG,
    ),
    valid(
      'manifest of exactly 1048576 bytes (maxMessageBytes) with exactly 4096 entries (maxEntriesPerMessage)',
      ['Limit', 'CompactForm', 'DuplicateKeys', 'OptionalPresent'],
      atLimit.bytes,
      atLimit.decoded!,
    ),
    invalid(
      'manifest of 1048577 bytes (maxMessageBytes + 1), otherwise valid',
      ['Limit', 'CompactForm'],
      overLimit.bytes,
      E.MESSAGE_TOO_LARGE,
    ),
    invalid(
      'entry count 4097 (maxEntriesPerMessage + 1) and nothing else: the count is checked before any entry is read, so this is not TRUNCATED',
      ['Limit', 'CheckOrder'],
      raw('00') + uint(4097),
      E.TOO_MANY_ENTRIES,
    ),
    invalid(
      'entry count 2^53 - 1: a valid uint far over the limit, rejected before allocating',
      ['Limit', 'CheckOrder'],
      raw('00') + uint(MAX_UINT),
      E.TOO_MANY_ENTRIES,
    ),
    invalid('more byte 0x02', ['InvalidBool'], raw('02') + uint(0), E.INVALID_BOOL),
    invalid('more byte 0xff', ['InvalidBool'], raw('ff') + uint(0), E.INVALID_BOOL),
    invalid(
      'more byte 0x02 and a count over the limit: the first fault wins',
      ['InvalidBool', 'CheckOrder'],
      raw('02') + uint(4097),
      E.INVALID_BOOL,
    ),
    invalid(
      'entry flags with reserved bit 1',
      ['ReservedFlags'],
      manifestHex(false, [{ flags: '02', length: 1 }]),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'entry flags 256 (3-byte varint, reserved bit 8)',
      ['ReservedFlags'],
      manifestHex(false, [{ flags: uint(256), length: 1 }]),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'second entry has reserved flags and the input is cut inside it: the first fault in reading order wins',
      ['ReservedFlags', 'CheckOrder'],
      manifestHex(false, [
        { key: K1, length: 1 },
        { key: K2, length: 1, flags: '03' },
      ]).slice(0, -20),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'entry flags 1 written in the 3-byte form',
      ['NonMinimalVarint'],
      manifestHex(false, [{ flags: uint(1, 3), length: 1, data: '' }]),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry count 1 written in the 3-byte form',
      ['NonMinimalVarint'],
      raw('00') + uint(1, 3) + entryHex({ length: 1 }),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry length 252 in the 3-byte form',
      ['NonMinimalVarint'],
      manifestHex(false, [{ lengthHex: uint(0xfc, 3) }]),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry length 65535 in the 5-byte form',
      ['NonMinimalVarint'],
      manifestHex(false, [{ lengthHex: uint(0xffff, 5) }]),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry length 2^32 - 1 in the 9-byte form',
      ['NonMinimalVarint'],
      manifestHex(false, [{ lengthHex: uint(0xffffffff, 9) }]),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry length 0 in the 9-byte form',
      ['NonMinimalVarint'],
      manifestHex(false, [{ lengthHex: uint(0, 9) }]),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry data length 2 in the 3-byte form',
      ['NonMinimalVarint', 'OptionalPresent'],
      raw('00') + uint(1) + raw('01') + K1 + uint(1) + uint(2, 3) + raw('abcd'),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'entry length 2^53',
      ['VarintOverflow'],
      manifestHex(false, [{ lengthHex: uint(2n ** 53n, 9) }]),
      E.VARINT_OVERFLOW,
    ),
    invalid(
      'entry length 2^64 - 1',
      ['VarintOverflow'],
      manifestHex(false, [{ lengthHex: uint(2n ** 64n - 1n, 9) }]),
      E.VARINT_OVERFLOW,
    ),
    invalid('empty input', ['Truncated'], '', E.TRUNCATED),
    invalid('more byte only', ['Truncated'], '00', E.TRUNCATED),
    invalid('count 1 and no entry', ['Truncated'], raw('00') + uint(1), E.TRUNCATED),
    invalid(
      'count 2 and one entry',
      ['Truncated'],
      raw('00') + uint(2) + entryHex({ length: 1 }),
      E.TRUNCATED,
    ),
    invalid(
      'entry key of 31 bytes',
      ['Truncated'],
      raw('00') + uint(1) + raw('00') + fill('11', 31),
      E.TRUNCATED,
    ),
    invalid(
      'entry length is a 3-byte varint cut after 2 bytes',
      ['Truncated'],
      raw('00') + uint(1) + raw('00') + K1 + raw('fd01'),
      E.TRUNCATED,
    ),
    invalid(
      'entry length missing after the key',
      ['Truncated'],
      raw('00') + uint(1) + raw('00') + K1,
      E.TRUNCATED,
    ),
    invalid(
      'entry data flag set but the data is missing',
      ['Truncated', 'OptionalPresent'],
      raw('00') + uint(1) + raw('01') + K1 + uint(1),
      E.TRUNCATED,
    ),
    invalid(
      'entry data length 4, 3 bytes follow',
      ['Truncated', 'OptionalPresent'],
      raw('00') + uint(1) + raw('01') + K1 + uint(1) + uint(4) + raw('aabbcc'),
      E.TRUNCATED,
    ),
    invalid(
      'one byte after the last entry',
      ['TrailingBytes'],
      manifestHex(false, [{ length: 1 }]) + raw('00'),
      E.TRAILING_BYTES,
    ),
    invalid(
      'count 0 followed by an entry',
      ['TrailingBytes', 'EmptyArray'],
      raw('00') + uint(0) + entryHex({ length: 1 }),
      E.TRAILING_BYTES,
    ),
  ]
}

/** Added in 1.0.1. */
function manifestAddedTests(): TestBody[] {
  return [
    invalid(
      'entry flags 2^32 + 1: bit 0 (data) and reserved bit 32; the data follows as if valid',
      ['ReservedFlags', 'HighFlagBits', 'OptionalPresent'],
      manifestHex(false, [{ flags: uint(2n ** 32n + 1n), length: 1, data: 'aa' }]),
      E.RESERVED_FLAGS,
    ),
  ]
}

// ---------------------------------------------------------------- request / replicate

function keysTests(type: 'request' | 'replicate'): TestBody[] {
  const keysHex = (keys: string[]) => raw('00') + uint(keys.length) + keys.join('')
  const keysMessage = (comment: string, flags: CodecFlag[], keys: string[]) =>
    valid(comment, flags, keysHex(keys), { type, keys })
  const common = [
    keysMessage(`${type} with no keys`, ['EmptyArray'], []),
    keysMessage(`${type} with one key`, [], [K1]),
    keysMessage(`${type} with three keys`, [], [K1, K2, K3]),
    keysMessage(`${type} with the same key twice`, ['DuplicateKeys'], [K2, K1, K2]),
    invalid(
      `${type} flags with bit 0 set (every bit is reserved)`,
      ['ReservedFlags'],
      raw('01') + uint(0),
      E.RESERVED_FLAGS,
    ),
    invalid(
      `${type} with key count 4097 (maxEntriesPerMessage + 1) and no keys: not TRUNCATED`,
      ['Limit', 'CheckOrder'],
      raw('00') + uint(4097),
      E.TOO_MANY_ENTRIES,
    ),
    invalid(
      `${type} with a key of 31 bytes`,
      ['Truncated'],
      raw('00') + uint(1) + fill('11', 31),
      E.TRUNCATED,
    ),
    invalid(
      `${type}: one byte after the last key`,
      ['TrailingBytes'],
      keysHex([K1]) + raw('00'),
      E.TRAILING_BYTES,
    ),
    invalid(`${type}: empty input`, ['Truncated'], '', E.TRUNCATED),
  ]
  if (type === 'replicate') return common
  const maxKeys = DEFAULT_LIMITS.maxEntriesPerMessage
  return [
    ...common,
    valid(
      'request with exactly 4096 keys (maxEntriesPerMessage)',
      ['Limit', 'CompactForm', 'DuplicateKeys'],
      [
        { hex: raw('00') + uint(maxKeys), count: 1 },
        { hex: K3, count: maxKeys },
      ],
      { type, keys: { repeat: [{ value: K3, count: maxKeys }] } },
    ),
    invalid(
      'flags with reserved bits and a count over the limit: the flags are read first',
      ['ReservedFlags', 'CheckOrder'],
      raw('80') + uint(4097),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'flags 0 in the 3-byte form',
      ['NonMinimalVarint'],
      uint(0, 3) + uint(0),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'key count 1 in the 5-byte form',
      ['NonMinimalVarint'],
      raw('00') + uint(1, 5) + K1,
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'key count 2^64 - 1: the varint overflows before the count is compared with the limit',
      ['VarintOverflow', 'CheckOrder'],
      raw('00') + uint(2n ** 64n - 1n, 9),
      E.VARINT_OVERFLOW,
    ),
    invalid('key count 3 and two keys', ['Truncated'], raw('00') + uint(3) + K1 + K2, E.TRUNCATED),
    invalid('flags only', ['Truncated'], '00', E.TRUNCATED),
    invalid('flags as a cut 9-byte varint', ['Truncated'], 'ff00000000', E.TRUNCATED),
  ]
}

/** Added in 1.0.1. */
function keysAddedTests(type: 'request' | 'replicate'): TestBody[] {
  const high = type === 'request' ? 2n ** 32n : 2n ** 52n
  return [
    invalid(
      `${type} flags ${type === 'request' ? '2^32' : '2^52'}: every bit is reserved, including the high ones`,
      ['ReservedFlags', 'HighFlagBits'],
      uint(high) + uint(1) + K1,
      E.RESERVED_FLAGS,
    ),
  ]
}

// ---------------------------------------------------------------- close

function closeTests(): TestBody[] {
  const closeHex = (code: number | bigint, reasonHex: string, flags = '00') =>
    flags + uint(code) + reasonHex
  const close = (comment: string, flags: CodecFlag[], code: number, reason: string) =>
    valid(comment, flags, closeHex(code, string(reason)), { type: 'close', code, reason })
  const reason256 = 'r'.repeat(256)
  return [
    close('normal close: code 0, empty reason', [], 0, ''),
    close('ERR_MALFORMED_MESSAGE (5) with a reason', [], 5, 'malformed manifest'),
    close(
      'code 300, unknown to v1.0: valid for the codec (the session reports ERR_REMOTE_UNKNOWN)',
      ['VarintWidth'],
      300,
      'future',
    ),
    close('code 2^53 - 1', ['VarintWidth', 'Limit'], Number(MAX_UINT), ''),
    close('reason with multi-byte UTF-8', ['Utf8'], 9, 'n\u00e3o pedido \u{1f6ab}'),
    close('reason of exactly 256 bytes (maxReasonBytes)', ['Limit'], 6, reason256),
    invalid(
      'reason of 257 bytes (maxReasonBytes + 1)',
      ['Limit'],
      closeHex(6, string('r'.repeat(257))),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'reason length 257 followed by invalid UTF-8: the length is checked first',
      ['Limit', 'CheckOrder', 'InvalidUtf8'],
      closeHex(6, uint(257) + fill('ff', 257)),
      E.FIELD_TOO_LONG,
    ),
    invalid(
      'flags with bit 0 set (every bit is reserved)',
      ['ReservedFlags'],
      closeHex(0, string(''), '01'),
      E.RESERVED_FLAGS,
    ),
    invalid(
      'code 5 in the 5-byte form',
      ['NonMinimalVarint'],
      raw('00') + uint(5, 5) + string(''),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'reason length 3 in the 3-byte form',
      ['NonMinimalVarint'],
      closeHex(1, uint(3, 3) + utf8('bad')),
      E.NON_MINIMAL_VARINT,
    ),
    invalid(
      'code 2^53',
      ['VarintOverflow'],
      raw('00') + uint(2n ** 53n, 9) + string(''),
      E.VARINT_OVERFLOW,
    ),
    invalid(
      'reason with a lone continuation byte',
      ['InvalidUtf8'],
      closeHex(5, buffer('6f6b80')),
      E.INVALID_UTF8,
    ),
    invalid(
      'reason with the byte 0xff',
      ['InvalidUtf8'],
      closeHex(5, buffer('ff')),
      E.INVALID_UTF8,
    ),
    invalid(
      'reason with a 4-byte sequence above U+10FFFF',
      ['InvalidUtf8'],
      closeHex(5, buffer('f4908080')),
      E.INVALID_UTF8,
    ),
    invalid('empty input', ['Truncated'], '', E.TRUNCATED),
    invalid('no reason', ['Truncated'], raw('00') + uint(5), E.TRUNCATED),
    invalid(
      'reason length 5, 4 bytes follow',
      ['Truncated'],
      closeHex(5, uint(5) + utf8('oops')),
      E.TRUNCATED,
    ),
    invalid(
      'one byte after the reason',
      ['TrailingBytes'],
      closeHex(0, string('')) + raw('00'),
      E.TRAILING_BYTES,
    ),
  ]
}

/** Added in 1.0.1. */
function closeAddedTests(): TestBody[] {
  return [
    invalid(
      'flags 2^40: every bit is reserved, including the high ones',
      ['ReservedFlags', 'HighFlagBits'],
      uint(2n ** 40n) + uint(0) + string(''),
      E.RESERVED_FLAGS,
    ),
  ]
}

// ---------------------------------------------------------------- unknown types

function unknownTypeTests(typeNumber: number): TestBody {
  return {
    comment: `type ${typeNumber} is not defined in v1.0: ignored whatever its bytes`,
    flags: ['UnknownType'],
    hex: raw('ff') + uint(typeNumber) + raw('fd'),
    decoded: null,
    result: 'ignored',
  }
}

// ---------------------------------------------------------------- file

export function buildCodecVectors() {
  const groups: Omit<CodecTestGroup, 'tests'>[] = []
  const bodies: TestBody[][] = []
  const additions: TestBody[][] = []
  /** `tests` as in 1.0; `added` in a later revision, numbered after every earlier test. */
  const add = (
    messageType: CodecTestGroup['messageType'],
    typeNumber: number | null,
    tests: TestBody[],
    added: TestBody[] = [],
  ) => {
    groups.push({ messageType, typeNumber, limits: CODEC_LIMITS })
    bodies.push(tests)
    additions.push(added)
  }
  add('handshake', null, handshakeTests(), handshakeAddedTests())
  add('manifest', 0, manifestTests(), manifestAddedTests())
  add('request', 1, keysTests('request'), keysAddedTests('request'))
  add('replicate', 2, keysTests('replicate'), keysAddedTests('replicate'))
  add('close', 3, closeTests(), closeAddedTests())
  for (const typeNumber of [4, 255]) add('unknown', typeNumber, [unknownTypeTests(typeNumber)])

  // tcIds are stable across revisions: the 1.0 tests keep their numbers (file order), and
  // tests added later get the next numbers, listed at the end of their group.
  let tcId = 0
  const numbered = bodies.map((tests) => tests.map((body) => ({ tcId: ++tcId, ...body })))
  const numberedAdded = additions.map((tests) => tests.map((body) => ({ tcId: ++tcId, ...body })))
  const testGroups: CodecTestGroup[] = groups.map((group, i) => ({
    ...group,
    tests: [...numbered[i]!, ...numberedAdded[i]!],
  }))
  return {
    schema: CODEC_VECTORS_SCHEMA,
    version: '1.0.1',
    algorithm: 'multifeed wire codec v1.0 (compact-encoding, strict decoding)',
    notes: CODEC_FLAGS,
    numberOfTests: tcId,
    testGroups,
  }
}

/**
 * The JSON form of decoded messages used by the vector files (bytes as lowercase hex,
 * absent optional fields as null), the "repeat" compact forms for huge vectors, and the
 * conversions between that form and the codec's message objects.
 */
import { EntryBlock } from '../codec/entry-block.js'
import type { ChannelMessage, ForeignHandshake, Handshake } from '../codec/index.js'
import { KeyBlock } from '../codec/key-block.js'
import { fromHex, toHex } from '../state/hex.js'

/** Bytes given as consecutive runs: `hex` repeated `count` times. */
export interface HexRun {
  hex: string
  count: number
}

/** An array given as consecutive runs: `value` repeated `count` times. */
export interface RepeatForm<T> {
  repeat: { value: T; count: number }[]
}

export type JsonArray<T> = T[] | RepeatForm<T>

export interface HandshakeJson {
  type: 'handshake'
  major: number
  minor: number
  client: string
  capability: string
  userData: string | null
}
export interface ForeignHandshakeJson {
  type: 'foreign-handshake'
  major: number
  minor: number
}
export interface ManifestEntryJson {
  key: string
  length: number
  data: string | null
}
export interface ManifestJson {
  type: 'manifest'
  more: boolean
  entries: JsonArray<ManifestEntryJson>
}
export interface KeysJson {
  type: 'request' | 'replicate'
  keys: JsonArray<string>
}
export interface CloseJson {
  type: 'close'
  code: number
  reason: string
}
export type MessageJson = HandshakeJson | ForeignHandshakeJson | ManifestJson | KeysJson | CloseJson

export type DecodedMessage = Handshake | ForeignHandshake | ChannelMessage

export function expandArray<T>(array: JsonArray<T>): T[] {
  if (Array.isArray(array)) return array
  const out: T[] = []
  for (const run of array.repeat) for (let i = 0; i < run.count; i++) out.push(run.value)
  return out
}

/** The bytes of a vector, from `hex` or from `hexRepeat` runs. */
export function vectorBytes(test: { hex?: string; hexRepeat?: HexRun[] }): Uint8Array {
  if (test.hex !== undefined) return fromHex(test.hex)
  if (test.hexRepeat === undefined) throw new Error('vector has neither hex nor hexRepeat')
  return fromHex(test.hexRepeat.map((run) => run.hex.repeat(run.count)).join(''))
}

export function messageToJson(message: DecodedMessage): MessageJson {
  switch (message.type) {
    case 'handshake':
      return {
        type: 'handshake',
        major: message.major,
        minor: message.minor,
        client: message.client,
        capability: toHex(message.capability),
        userData: message.userData === null ? null : toHex(message.userData),
      }
    case 'foreign-handshake':
      return { type: 'foreign-handshake', major: message.major, minor: message.minor }
    case 'manifest':
      return {
        type: 'manifest',
        more: message.more,
        entries: message.entries.map((entry) => ({
          key: toHex(entry.key),
          length: entry.length,
          data: entry.data === null ? null : toHex(entry.data),
        })),
      }
    case 'request':
    case 'replicate':
      return { type: message.type, keys: message.keys.map(toHex) }
    case 'close':
      return { type: 'close', code: message.code, reason: message.reason }
  }
}

export function messageFromJson(json: MessageJson): DecodedMessage {
  switch (json.type) {
    case 'handshake':
      return {
        type: 'handshake',
        major: json.major,
        minor: json.minor,
        client: json.client,
        capability: fromHex(json.capability),
        userData: json.userData === null ? null : fromHex(json.userData),
      }
    case 'foreign-handshake':
      return { type: 'foreign-handshake', major: json.major, minor: json.minor }
    case 'manifest':
      return {
        type: 'manifest',
        more: json.more,
        entries: EntryBlock.from(
          expandArray(json.entries).map((entry) => ({
            key: fromHex(entry.key),
            length: entry.length,
            data: entry.data === null ? null : fromHex(entry.data),
          })),
        ),
      }
    case 'request':
    case 'replicate':
      return { type: json.type, keys: KeyBlock.from(expandArray(json.keys).map(fromHex)) }
    case 'close':
      return { type: 'close', code: json.code, reason: json.reason }
  }
}

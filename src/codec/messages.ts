/**
 * Decoded message shapes. Keys are 32-byte Uint8Arrays; lists of keys are one KeyBlock and lists
 * of Manifest entries one EntryBlock (columns, not an object per item); optional fields are
 * `null` when absent.
 */
import type { EntryBlock } from './entry-block.js'
import type { KeyBlock } from './key-block.js'

export type Key = Uint8Array

/** Channel-open payload (spec: Handshake). */
export interface Handshake {
  type: 'handshake'
  major: number
  minor: number
  client: string
  /** 32-byte keyed hash proving knowledge of the multifeed key (spec: Capability). */
  capability: Uint8Array
  userData: Uint8Array | null
}

/**
 * A handshake whose major version differs from ours: only the version prefix is decoded,
 * the rest of the bytes are not interpreted (spec: Versioning).
 */
export interface ForeignHandshake {
  type: 'foreign-handshake'
  major: number
  minor: number
}

export interface ManifestEntry {
  key: Key
  /** Length of the feed the sender holds. */
  length: number
  /** Opaque per-entry data a want policy may select on. */
  data: Uint8Array | null
}

export interface Manifest {
  type: 'manifest'
  /** True when the sender continues this offer batch in its next Manifest. */
  more: boolean
  entries: EntryBlock
}

export interface Request {
  type: 'request'
  keys: KeyBlock
}

export interface Replicate {
  type: 'replicate'
  keys: KeyBlock
}

export interface Close {
  type: 'close'
  /** Wire error number (spec: Error codes); 0 is a normal close. */
  code: number
  reason: string
}

/** Messages that have a type number (everything but the handshake). */
export type ChannelMessage = Manifest | Request | Replicate | Close
export type Message = Handshake | ChannelMessage

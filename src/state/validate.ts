/**
 * Checks of locally supplied event fields (spec section 7.1, malformed local input): misuse
 * throws ERR_INVALID_ARGUMENT (fault 'local'), never an action, in every phase.
 */
import type { Limits } from '../codec/constants.js'
import type { Key } from '../codec/messages.js'
import { encodableUtf8Length } from '../codec/primitives.js'
import { largestOneEntryManifestBytes } from './chunk.js'
import type { LocalFeed } from './types.js'
import { invalidArgument } from './usage-error.js'

const KEY_BYTES = 32

/** A 32-byte Uint8Array. */
export function checkKey(key: unknown, what: string): asserts key is Key {
  if (!(key instanceof Uint8Array) || key.byteLength !== KEY_BYTES) {
    throw invalidArgument(`${what} must be a 32-byte Uint8Array`)
  }
}

/** A non-negative safe integer (lengths, type numbers). */
export function checkLength(length: unknown, what: string): asserts length is number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw invalidArgument(`${what} must be a non-negative safe integer`)
  }
}

/**
 * A message type number as a carrier delivers it: any non-negative integer. Numbers above 3 are
 * the remote's to choose and are ignored by the session, even above 2^53 - 1, so they must not
 * be refused here.
 */
export function checkTypeNumber(type: unknown): asserts type is number {
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0) {
    throw invalidArgument('messageType must be a non-negative integer')
  }
}

/** A finite number of milliseconds. */
export function checkTime(now: unknown): asserts now is number {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw invalidArgument('now must be a finite number')
  }
}

/** A Uint8Array. */
export function checkBytes(bytes: unknown, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument(`${what} must be a Uint8Array`)
}

/** null, or a Uint8Array of at most maxBytes. */
export function checkOptionalBytes(
  bytes: unknown,
  maxBytes: number,
  what: string,
): asserts bytes is Uint8Array | null {
  if (bytes === null) return
  checkBytes(bytes, what)
  if (bytes.byteLength > maxBytes) throw invalidArgument(`${what} is over ${maxBytes} bytes`)
}

/**
 * A LocalFeed whose key, length and data the wire can carry under `limits`: a Manifest holding
 * only this feed, at any length it may reach, fits maxMessageBytes and maxEntriesPerMessage.
 */
export function checkFeed(feed: LocalFeed, limits: Readonly<Limits>): void {
  if (feed === null || typeof feed !== 'object') throw invalidArgument('feed must be an object')
  checkKey(feed.key, 'feed.key')
  checkLength(feed.length, 'feed.length')
  checkOptionalBytes(feed.data, limits.maxEntryDataBytes, 'feed.data')
  if (limits.maxEntriesPerMessage < 1) {
    throw invalidArgument('no feed can be offered with maxEntriesPerMessage 0')
  }
  const bytes = largestOneEntryManifestBytes(feed.data)
  if (bytes > limits.maxMessageBytes) {
    throw invalidArgument(
      `a Manifest of this feed alone can reach ${bytes} bytes, over maxMessageBytes ${limits.maxMessageBytes}`,
    )
  }
}

/** A client name the Handshake can carry: at most maxClientBytes of UTF-8, no lone surrogate. */
export function checkClient(client: unknown, limits: Readonly<Limits>): asserts client is string {
  if (typeof client !== 'string') throw invalidArgument('client must be a string')
  const length = encodableUtf8Length(client)
  if (length < 0) throw invalidArgument('client contains a lone surrogate')
  if (length > limits.maxClientBytes) {
    throw invalidArgument(`client is over ${limits.maxClientBytes} bytes of UTF-8`)
  }
}

/** Parsing of user-given keys (Uint8Array or hex) into 32-byte keys. */
import b4a from 'b4a'
import { LocalErrorCode, MultifeedError } from '../errors.js'

const KEY_BYTES = 32
const HEX_KEY = /^[0-9a-fA-F]{64}$/

/** Returns `key` as 32 bytes, or null if it is neither 32 bytes nor 64 hex characters. */
export function parseKey(key: unknown): Uint8Array | null {
  if (key instanceof Uint8Array) return key.byteLength === KEY_BYTES ? key : null
  if (typeof key === 'string' && HEX_KEY.test(key)) return b4a.from(key, 'hex')
  return null
}

/** Like {@link parseKey} but throws a MultifeedError ERR_INVALID_KEY. */
export function requireKey(key: unknown, what: string): Uint8Array {
  const parsed = parseKey(key)
  if (parsed === null) {
    throw new MultifeedError(
      LocalErrorCode.ERR_INVALID_KEY,
      `${what} must be 32 bytes or 64 hex characters`,
    )
  }
  return parsed
}

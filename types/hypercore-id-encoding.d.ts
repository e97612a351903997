/** Types for hypercore-id-encoding (untyped CommonJS): keys as z-base-32 ids and back. */

/** The z-base-32 id of a 32-byte key; throws on anything else. */
export function encode(key: Uint8Array): string
/** 32 bytes from an id (52 z-base-32 or 64 hex characters) or a 32-byte key; throws otherwise. */
export function decode(id: string | Uint8Array): Uint8Array
/** The z-base-32 id of any accepted form of a key. */
export function normalize(id: string | Uint8Array): string
/** True when decode() would succeed. */
export function isValid(id: unknown): boolean

declare const HypercoreId: {
  encode: typeof encode
  decode: typeof decode
  normalize: typeof normalize
  isValid: typeof isValid
}
export default HypercoreId

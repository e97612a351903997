/**
 * Map keys for feed keys. A key's 32 bytes become a 32-character string with one character per
 * byte (codes 0-255): a bijection, so distinct keys never collide, and half the length of hex,
 * which halves the hashing and comparing every Map lookup does (the brief's "key hex, or a
 * faster equivalent"). Strings are hashed by the engine with a per-process seed, so a remote
 * cannot choose keys that collide (no hash flooding). Use toHex for anything a human reads.
 */

const KEY_BYTES = 32
const fromCharCode = String.fromCharCode

/** The Map key of a feed key (normally 32 bytes). */
export function keyId(key: Uint8Array): string {
  if (key.length === KEY_BYTES) return keyIdAt(key, 0)
  return fromCharCode.apply(null, Array.from(key))
}

/**
 * The Map key of the 32-byte key at bytes[at, at + 32), read in place (no view, no copy).
 * Explicit arguments: faster than fromCharCode.apply on a scratch array.
 */
export function keyIdAt(b: Uint8Array, at: number): string {
  // biome-ignore format: one row per 8 bytes
  return fromCharCode(
    b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!,
    b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!,
    b[at + 16]!, b[at + 17]!, b[at + 18]!, b[at + 19]!, b[at + 20]!, b[at + 21]!, b[at + 22]!, b[at + 23]!,
    b[at + 24]!, b[at + 25]!, b[at + 26]!, b[at + 27]!, b[at + 28]!, b[at + 29]!, b[at + 30]!, b[at + 31]!,
  )
}

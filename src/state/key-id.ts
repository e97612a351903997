/**
 * Map keys for feed keys. A key's 32 bytes become a 32-character string with one character per
 * byte (codes 0-255): a bijection, so distinct keys never collide, and half the length of hex,
 * which halves the hashing and comparing every Map lookup does (the design's "key hex, or a
 * faster equivalent"). Strings are hashed by the engine with a per-process seed, so a remote
 * cannot choose keys that collide (no hash flooding). Use toHex for anything a human reads.
 */

const CODES: number[] = new Array(32).fill(0)

/** The Map key of a 32-byte feed key. */
export function keyId(key: Uint8Array): string {
  if (key.length !== 32) return String.fromCharCode.apply(null, Array.from(key))
  for (let i = 0; i < 32; i++) CODES[i] = key[i]!
  return String.fromCharCode.apply(null, CODES)
}

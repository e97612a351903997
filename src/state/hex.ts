/**
 * Fast lowercase hex of byte arrays, used to key Maps and Sets by feed key. A precomputed
 * byte -> two-character table keeps this one string concatenation per byte.
 */

const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0'),
)

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]!]
  return out
}

const HEX_DIGIT = /^(?:[0-9a-f]{2})*$/i

/** Bytes of a hex string (either case). Throws a TypeError on anything that is not hex. */
export function fromHex(hex: string): Uint8Array {
  if (!HEX_DIGIT.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 20)}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

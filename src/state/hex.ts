/**
 * Fast lowercase hex of byte arrays, used to key Maps and Sets by feed key. Each byte's two
 * ASCII digits come from a precomputed table into a scratch buffer that one TextDecoder call
 * turns into a flat string: string concatenation would build a rope that every Map lookup
 * must flatten first, several times slower at 100,000 keys.
 */

const DIGITS = '0123456789abcdef'
/** DIGIT_CODES[2b], DIGIT_CODES[2b + 1]: the ASCII codes of byte b's two hex digits. */
const DIGIT_CODES = new Uint8Array(512)
for (let byte = 0; byte < 256; byte++) {
  DIGIT_CODES[byte * 2] = DIGITS.charCodeAt(byte >> 4)
  DIGIT_CODES[byte * 2 + 1] = DIGITS.charCodeAt(byte & 15)
}

// Only ASCII digits are decoded, so 'latin1' (windows-1252 in browsers) is exact here.
const asciiDecoder = new TextDecoder('latin1')
let scratch = new Uint8Array(64)

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  const size = bytes.length * 2
  if (scratch.length < size) scratch = new Uint8Array(size)
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    scratch[i * 2] = DIGIT_CODES[byte * 2]!
    scratch[i * 2 + 1] = DIGIT_CODES[byte * 2 + 1]!
  }
  return asciiDecoder.decode(scratch.subarray(0, size))
}

const HEX = /^(?:[0-9a-f]{2})*$/i

/** Bytes of a hex string (either case). Throws a TypeError on anything that is not hex. */
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 20)}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

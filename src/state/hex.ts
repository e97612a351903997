/**
 * Fast lowercase hex of byte arrays, used to key Maps and Sets by feed key. Each byte's two
 * ASCII digit codes come from a precomputed table into a reused array that one
 * String.fromCharCode call turns into a flat string. (String concatenation would build a rope
 * that every Map lookup must flatten first; a TextDecoder call costs more per 32-byte key.)
 */

const DIGITS = '0123456789abcdef'
/** DIGIT_CODES[2b], DIGIT_CODES[2b + 1]: the character codes of byte b's two hex digits. */
const DIGIT_CODES = new Uint16Array(512)
for (let byte = 0; byte < 256; byte++) {
  DIGIT_CODES[byte * 2] = DIGITS.charCodeAt(byte >> 4)
  DIGIT_CODES[byte * 2 + 1] = DIGITS.charCodeAt(byte & 15)
}

/** Bytes per fromCharCode call: keeps the argument count far below engine limits. */
const CHUNK_BYTES = 1024
/** Reused digit-code array for the common 32-byte key. */
const KEY_CODES: number[] = new Array(64).fill(0)

function digitCodes(bytes: Uint8Array, start: number, end: number, codes: number[]): number[] {
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const index = bytes[i]! * 2
    codes[j] = DIGIT_CODES[index]!
    codes[j + 1] = DIGIT_CODES[index + 1]!
  }
  return codes
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length === 32)
    return String.fromCharCode.apply(null, digitCodes(bytes, 0, 32, KEY_CODES))
  let out = ''
  for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
    const end = Math.min(bytes.length, start + CHUNK_BYTES)
    out += String.fromCharCode.apply(
      null,
      digitCodes(bytes, start, end, new Array((end - start) * 2)),
    )
  }
  return out
}

const HEX = /^(?:[0-9a-f]{2})*$/i

/** Bytes of a hex string (either case). Throws a TypeError on anything that is not hex. */
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 20)}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

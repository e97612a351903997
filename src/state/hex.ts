/** Lowercase hex of feed keys, for messages, traces and tests (the tables key on bytes). */
import b4a from 'b4a'

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return b4a.toString(bytes, 'hex')
}

const HEX = /^(?:[0-9a-f]{2})*$/i

/** Bytes of a hex string (either case). Throws a TypeError on anything that is not hex. */
export function fromHex(hex: string): Uint8Array {
  // b4a would silently stop at the first non-hex character; a key must not be half-read.
  if (!HEX.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 20)}`)
  const bytes = b4a.from(hex, 'hex')
  // A plain Uint8Array, as in a browser: Node's b4a returns a Buffer.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

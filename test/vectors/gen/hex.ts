/**
 * Byte-level helpers for writing vectors by hand, independently of src/codec: a vector's
 * bytes are spelled out from the spec's notation, never produced by the encoder under test.
 */

/** `n` as `bytes` little-endian bytes, hex. */
export function littleEndian(n: bigint, bytes: number): string {
  let out = ''
  let rest = n
  for (let i = 0; i < bytes; i++) {
    out += Number(rest & 0xffn)
      .toString(16)
      .padStart(2, '0')
    rest >>= 8n
  }
  if (rest !== 0n) throw new Error(`${n} does not fit in ${bytes} bytes`)
  return out
}

export type VarintWidth = 1 | 3 | 5 | 9

/** A compact-encoding uint, hex: the shortest form unless a (longer, non-minimal) width is forced. */
export function uint(value: number | bigint, width?: VarintWidth): string {
  const n = BigInt(value)
  const form = width ?? (n <= 0xfcn ? 1 : n <= 0xffffn ? 3 : n <= 0xffffffffn ? 5 : 9)
  switch (form) {
    case 1:
      return littleEndian(n, 1)
    case 3:
      return `fd${littleEndian(n, 2)}`
    case 5:
      return `fe${littleEndian(n, 4)}`
    case 9:
      return `ff${littleEndian(n, 8)}`
  }
}

/** Literal bytes, written as hex. */
export function raw(hex: string): string {
  return hex
}

/** UTF-8 bytes of a string, hex, without a length prefix. */
export function utf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex')
}

/** A `string` field: uint byte length then the UTF-8 bytes. */
export function string(text: string): string {
  const hex = utf8(text)
  return uint(hex.length / 2) + hex
}

/** A `buffer` field: uint byte length then the bytes. */
export function buffer(hex: string): string {
  return uint(hex.length / 2) + hex
}

/** `count` copies of one byte (two hex digits). */
export function fill(byteHex: string, count: number): string {
  return byteHex.repeat(count)
}

/** A 32-byte key made of one repeated byte, so key boundaries stay visible in the hex. */
export function key(byteHex: string): string {
  return fill(byteHex, 32)
}

export function byteLength(hex: string): number {
  return hex.length / 2
}

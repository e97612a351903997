/** Types for sodium-universal (untyped CommonJS); only what this package uses (shipped, see scripts/build.mjs). */
export const crypto_generichash_BYTES: number
export const crypto_generichash_KEYBYTES: number
export const crypto_secretbox_KEYBYTES: number
export const crypto_secretbox_NONCEBYTES: number
export const crypto_secretbox_MACBYTES: number
export function crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void
export function crypto_generichash_batch(
  out: Uint8Array,
  inputs: Uint8Array[],
  key?: Uint8Array,
): void
export function crypto_secretbox_easy(
  out: Uint8Array,
  message: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
): void
export function crypto_secretbox_open_easy(
  out: Uint8Array,
  cipher: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
): boolean
export function randombytes_buf(out: Uint8Array): void
export function sodium_memzero(buf: Uint8Array): void
declare const sodium: {
  crypto_generichash_BYTES: number
  crypto_generichash_KEYBYTES: number
  crypto_secretbox_KEYBYTES: number
  crypto_secretbox_NONCEBYTES: number
  crypto_secretbox_MACBYTES: number
  crypto_generichash: typeof crypto_generichash
  crypto_generichash_batch: typeof crypto_generichash_batch
  crypto_secretbox_easy: typeof crypto_secretbox_easy
  crypto_secretbox_open_easy: typeof crypto_secretbox_open_easy
  randombytes_buf: typeof randombytes_buf
  sodium_memzero: typeof sodium_memzero
}
export default sodium

// Minimal types for the parts of sodium-universal (a CommonJS module without its own types)
// that the codec uses. Declared as mergeable function declarations so that other
// declarations of the same module add overloads instead of conflicting.
declare module 'sodium-universal' {
  /** BLAKE2b of `input` into `output` (16..64 bytes), keyed when `key` (16..64 bytes) is given. */
  export function crypto_generichash(
    output: Uint8Array,
    input: Uint8Array,
    key?: Uint8Array | null,
  ): void
  /** BLAKE2b of the concatenation of `inputs`. */
  export function crypto_generichash_batch(
    output: Uint8Array,
    inputs: Uint8Array[],
    key?: Uint8Array | null,
  ): void
}

/** Types for hypercore-crypto (untyped CommonJS) (shipped, see scripts/build.mjs). */
export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}
export function keyPair(seed?: Uint8Array): KeyPair
export function validateKeyPair(keyPair: KeyPair): boolean
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array
export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
export function randomBytes(n: number): Uint8Array
export function discoveryKey(key: Uint8Array): Uint8Array
export function hash(data: Uint8Array | Uint8Array[], out?: Uint8Array): Uint8Array
export function data(data: Uint8Array): Uint8Array
/** `count` 32-byte namespaces derived from `name` (BLAKE2b). */
export function namespace(name: string | Uint8Array, count: number): Uint8Array[]
export function namespace(name: string | Uint8Array, ids: number[]): Uint8Array[]
declare const crypto: {
  keyPair: typeof keyPair
  validateKeyPair: typeof validateKeyPair
  sign: typeof sign
  verify: typeof verify
  randomBytes: typeof randomBytes
  discoveryKey: typeof discoveryKey
  hash: typeof hash
  data: typeof data
  namespace: typeof namespace
}
export default crypto

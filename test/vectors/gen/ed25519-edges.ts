/**
 * Ed25519 at the edges, for the membership vectors (spec/membership.md 4.3): signatures that
 * Ed25519 libraries disagree on, made with plain BigInt arithmetic (RFC 8032 section 5.1), and
 * the verification rule of 4.3 written out independently of libsodium. The generator keeps a
 * vector only when this rule gives the answer its construction intends; the vector tests then
 * check that this package (libsodium) agrees with every answer.
 */
import { createHash } from 'node:crypto'

const P = 2n ** 255n - 19n
export const L = 2n ** 252n + 27742317777372353535851937790883648493n
const D = mod(-121665n * inverse(121666n))
const SQRT_M1 = power(2n, (P - 1n) / 4n)

/** The encodings 4.3 names as small order (compared with the top bit of the last byte cleared). */
export const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]

type Point = [bigint, bigint, bigint, bigint]
const IDENTITY: Point = [0n, 1n, 1n, 0n]

function mod(x: bigint, m = P): bigint {
  const r = x % m
  return r < 0n ? r + m : r
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = mod(base)
  let e = exponent
  while (e > 0n) {
    if (e & 1n) result = mod(result * b)
    b = mod(b * b)
    e >>= 1n
  }
  return result
}

function inverse(x: bigint): bigint {
  return power(x, P - 2n)
}

function add(p: Point, q: Point): Point {
  const [x1, y1, z1, t1] = p
  const [x2, y2, z2, t2] = q
  const a = mod((y1 - x1) * (y2 - x2))
  const b = mod((y1 + x1) * (y2 + x2))
  const c = mod(2n * t1 * t2 * D)
  const d = mod(2n * z1 * z2)
  const e = b - a
  const f = d - c
  const g = d + c
  const h = b + a
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)]
}

function multiply(scalar: bigint, point: Point): Point {
  let result = IDENTITY
  let p = point
  let s = scalar
  while (s > 0n) {
    if (s & 1n) result = add(result, p)
    p = add(p, p)
    s >>= 1n
  }
  return result
}

function negate([x, y, z, t]: Point): Point {
  return [mod(-x), y, z, mod(-t)]
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

function toBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))

function decode(encoding: Uint8Array): Point | null {
  const y = littleEndian(encoding) & ((1n << 255n) - 1n)
  if (y >= P) return null
  const x2 = mod((y * y - 1n) * inverse(D * y * y + 1n))
  if (x2 === 0n) return [0n, y, 1n, 0n]
  let x = power(x2, (P + 3n) / 8n)
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1)
  if (mod(x * x - x2) !== 0n) return null
  if ((x & 1n) !== BigInt(encoding[31]! >> 7)) x = P - x
  return [x, y, 1n, mod(x * y)]
}

function encode([x, y, z]: Point): Uint8Array {
  const zi = inverse(z)
  const ax = mod(x * zi)
  const ay = mod(y * zi)
  return toBytes(ay | ((ax & 1n) << 255n))
}

const BASE = decode(toBytes(mod(4n * inverse(5n))))!

function sha512(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha512')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}

function isSmallOrder(encoding: Uint8Array): boolean {
  const cleared = Uint8Array.from(encoding)
  cleared[31]! &= 0x7f
  return SMALL_ORDER.includes(hex(cleared))
}

/** The rule of spec/membership.md 4.3, step by step; `public` and `signature` in hex. */
export function verifyRule(publicKey: string, message: Uint8Array, signature: string): boolean {
  const a = fromHex(publicKey)
  const sig = fromHex(signature)
  if (a.length !== 32 || sig.length !== 64) return false
  const r = sig.subarray(0, 32)
  const s = littleEndian(sig.subarray(32))
  if (s >= L) return false // 1: S canonical
  if (isSmallOrder(r)) return false // 2: R not of small order
  if ((littleEndian(a) & ((1n << 255n) - 1n)) >= P || isSmallOrder(a)) return false // 3
  const point = decode(a) // 4: A on the curve
  if (point === null) return false
  const k = mod(littleEndian(sha512(r, a, message)), L)
  const check = add(multiply(s, BASE), multiply(k, negate(point)))
  return hex(encode(check)) === hex(r) // 5: cofactorless, byte for byte
}

/** The secret scalar and nonce prefix RFC 8032 derives from a 32-byte seed. */
function expand(seed: Uint8Array): { scalar: bigint; prefix: Uint8Array } {
  const h = sha512(seed)
  const low = Uint8Array.from(h.subarray(0, 32))
  low[0]! &= 248
  low[31]! &= 127
  low[31]! |= 64
  return { scalar: littleEndian(low), prefix: h.subarray(32) }
}

/**
 * An RFC 8032 signature by the seed's secret scalar, but hashing `publicKey` (any encoding) as
 * the public key: with the honest key it is the ordinary signature; with a key that differs
 * from [a]B by a small-order point it is what a key holder can craft for a mixed-order key.
 */
export function signAs(seed: string, publicKey: string, message: Uint8Array): string {
  const { scalar, prefix } = expand(fromHex(seed))
  const r = mod(littleEndian(sha512(prefix, message)), L)
  const rEncoded = encode(multiply(r, BASE))
  const k = mod(littleEndian(sha512(rEncoded, fromHex(publicKey), message)), L)
  const s = mod(r + k * scalar, L)
  return hex(rEncoded) + hex(toBytes(s))
}

/** The seed's public key plus a point of order 8: canonical, not small order, mixed order. */
export function mixedOrderKey(seed: string): string {
  const { scalar } = expand(fromHex(seed))
  const torsion = decode(fromHex(SMALL_ORDER[2]!))!
  return hex(encode(add(multiply(scalar, BASE), torsion)))
}

/** k mod 8 for a signature: with a mixed-order key, cofactorless verification needs 0. */
export function challengeModEight(publicKey: string, message: Uint8Array, signature: string) {
  const r = fromHex(signature).subarray(0, 32)
  return Number(mod(littleEndian(sha512(r, fromHex(publicKey), message)), L) % 8n)
}

/** S + L in place of S: the same equation modulo L, but not canonical. */
export function withNonCanonicalS(signature: string): string {
  const s = littleEndian(fromHex(signature.slice(64)))
  return signature.slice(0, 64) + hex(toBytes(s + L))
}

/** A 32-byte encoding of `y` (sign bit clear), hex. */
export function encodingOfY(y: bigint): string {
  return hex(toBytes(y))
}

export const FIELD_PRIME = P

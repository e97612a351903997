/**
 * Builds membership operations byte by byte from spec/membership.md's notation, with libsodium
 * (through sodium-universal and hypercore-crypto) for hashes and signatures: independent of
 * src/state/membership, whose codec and hashing the vectors test.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import sodium from 'sodium-universal'
import { uint } from './hex.js'

export const TYPE_NUMBERS = {
  genesis: 0,
  'add-writer': 1,
  'remove-writer': 2,
  'grant-admin': 3,
  'revoke-admin': 4,
} as const
export type OpTypeName = keyof typeof TYPE_NUMBERS

const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')
const fromHex = (text: string) => b4a.from(text, 'hex')

export function blake2b(input: Uint8Array, key?: Uint8Array): Uint8Array {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, input, key)
  return out
}

/** base = BLAKE2b-256("multifeed/membership"), NS[i] = BLAKE2b-256(base || byte(i)). */
export const NAMESPACE_NAME = 'multifeed/membership'
const BASE = blake2b(b4a.from(NAMESPACE_NAME))
export const NS = [0, 1, 2].map((i) => blake2b(b4a.concat([BASE, b4a.from([i])])))
export const NAMESPACE_BASE = BASE

/** A fixed 32-byte value: BLAKE2b-256 of "multifeed test vector: <label>". */
export function labelled(label: string): Uint8Array {
  return blake2b(b4a.from(`multifeed test vector: ${label}`))
}

export interface TestKey {
  name: string
  seed: string
  publicKey: string
  keyPair: { publicKey: Uint8Array; secretKey: Uint8Array }
}

/** An Ed25519 key pair from the seed labelled `key <name>`. */
export function testKey(name: string): TestKey {
  const seed = labelled(`key ${name}`)
  const keyPair = crypto.keyPair(seed)
  return { name, seed: hex(seed), publicKey: hex(keyPair.publicKey), keyPair }
}

/** What a test writes down; `unsorted` keeps the dependencies in the given order. */
export interface OpSpec {
  type: OpTypeName
  /** Wire type number instead of the type's (for unknown-type vectors). */
  typeNumber?: number
  author: TestKey
  deps: string[]
  unsorted?: boolean
  flags?: number
  rules?: number
  discoveryKey?: string
  feed?: string
  cut?: number
  admin?: string
  /** Sign with this key instead of the author's (a forged signature). */
  signer?: TestKey
  /**
   * These signature bytes (hex) instead of a libsodium signature: an edge case made by hand
   * (ed25519-edges.ts), whose validity is `signatureValid`.
   */
  signature?: { hex: string; valid: boolean }
}

export interface BuiltOp {
  type: OpTypeName
  author: string
  deps: string[]
  rules?: number
  discoveryKey?: string
  feed?: string
  cut?: number
  admin?: string
  signable: string
  signature: string
  hex: string
  id: string
  /** Whether the signature is the author's. */
  signatureValid: boolean
}

/** The signable bytes, hex, spelled from the field table. */
export function signableHex(spec: OpSpec): string {
  const deps = spec.unsorted ? spec.deps : [...spec.deps].sort()
  let out = uint(spec.typeNumber ?? TYPE_NUMBERS[spec.type])
  out += uint(spec.flags ?? 0)
  out += spec.author.publicKey
  out += uint(deps.length) + deps.join('')
  switch (spec.type) {
    case 'genesis':
      out += uint(spec.rules ?? 1) + spec.discoveryKey!
      break
    case 'add-writer':
      out += spec.feed!
      break
    case 'remove-writer':
      out += spec.feed! + uint(spec.cut!)
      break
    case 'grant-admin':
    case 'revoke-admin':
      out += spec.admin!
      break
  }
  return out
}

/** What an operation's signature signs: NSM[0] || signable. */
export function signedMessage(signable: string): Uint8Array {
  return b4a.concat([NS[0]!, fromHex(signable)])
}

/** id = BLAKE2b-256(message = signable, key = NS[1]). */
export function operationIdHex(signable: string): string {
  return hex(blake2b(fromHex(signable), NS[1]!))
}

export function buildOp(spec: OpSpec): BuiltOp {
  const signable = signableHex(spec)
  const signer = spec.signer ?? spec.author
  const signature =
    spec.signature?.hex ??
    hex(crypto.sign(b4a.concat([NS[0]!, fromHex(signable)]), signer.keyPair.secretKey))
  const deps = spec.unsorted ? spec.deps : [...spec.deps].sort()
  const built: BuiltOp = {
    type: spec.type,
    author: spec.author.publicKey,
    deps,
    signable,
    signature,
    hex: signable + signature,
    id: operationIdHex(signable),
    signatureValid: spec.signature?.valid ?? signer === spec.author,
  }
  if (spec.rules !== undefined || spec.type === 'genesis') built.rules = spec.rules ?? 1
  if (spec.discoveryKey !== undefined) built.discoveryKey = spec.discoveryKey
  if (spec.feed !== undefined) built.feed = spec.feed
  if (spec.cut !== undefined) built.cut = spec.cut
  if (spec.admin !== undefined) built.admin = spec.admin
  return built
}

/** The 1.0 discovery key: BLAKE2b-256("multifeed", key = multifeedKey). */
export function discoveryKeyHex(multifeedKey: Uint8Array): string {
  return hex(blake2b(b4a.from('multifeed'), multifeedKey))
}

/** closedKey = BLAKE2b-256(NS[2] || genesisId, key = multifeedKey). */
export function closedKeyHex(multifeedKey: Uint8Array, genesisId: string): string {
  return hex(blake2b(b4a.concat([NS[2]!, fromHex(genesisId)]), multifeedKey))
}

/** A feed key that reads as its label in hex dumps: one repeated byte. */
export function feedKey(byte: number): string {
  return byte.toString(16).padStart(2, '0').repeat(32)
}

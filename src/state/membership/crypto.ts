/**
 * Hashes and signatures of the membership extension (spec/membership.md, "Identity and
 * hashes"). Pure functions over libsodium (through hypercore-crypto and sodium-universal, both
 * with browser builds); nothing here generates keys or reads randomness.
 *
 *   NSM[i]      = namespace('multifeed/membership', 3)[i]   (as hypercore-crypto computes it)
 *   id          = BLAKE2b-256(message = signable, key = NSM[1])
 *   signature   = Ed25519-sign(NSM[0] || signable, author's secret key)
 *   closedKey   = BLAKE2b-256(NSM[2] || genesisId, key = multifeedKey)
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import sodium from 'sodium-universal'
import { discoveryKey } from '../../codec/capability.js'
import { invalidArgument } from '../usage-error.js'
import {
  ID_BYTES,
  KEY_BYTES,
  MEMBERSHIP_RULES_VERSION,
  type MembershipLimits,
  SIGNATURE_BYTES,
} from './constants.js'
import { encodeOperation, encodeSignable, type UnsignedOperation } from './operation.js'

/** The namespace name; its three values are listed in the spec. */
export const MEMBERSHIP_NAMESPACE_NAME = 'multifeed/membership'

const [SIGN_NS, ID_NS, CLOSED_KEY_NS] = crypto.namespace(MEMBERSHIP_NAMESPACE_NAME, 3) as [
  Uint8Array,
  Uint8Array,
  Uint8Array,
]

/** Copies of [signature, operation id, closed key] namespaces. */
export function membershipNamespace(): [Uint8Array, Uint8Array, Uint8Array] {
  return [b4a.from(SIGN_NS), b4a.from(ID_NS), b4a.from(CLOSED_KEY_NS)]
}

/**
 * The operation id: BLAKE2b-256(message = signable, key = NSM[1]). Keyed rather than
 * prefixed: one libsodium call, no concatenation; the public key still separates domains.
 */
export function operationId(signable: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES)
  sodium.crypto_generichash(out, signable, ID_NS)
  return out
}

/** Whether `signature` is the author's Ed25519 signature of NSM[0] || signable. */
export function verifySignature(
  signable: Uint8Array,
  signature: Uint8Array,
  author: Uint8Array,
): boolean {
  if (signature.byteLength !== SIGNATURE_BYTES || author.byteLength !== KEY_BYTES) return false
  return crypto.verify(b4a.concat([SIGN_NS, signable]), signature, author)
}

/** An Ed25519 key pair (libsodium layout: the secret key is 64 bytes, seed then public key). */
export interface SigningKeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/**
 * Encodes and signs an operation: the helper for whoever holds a secret key (the adapter,
 * tests). The secret key is passed in; nothing is generated here. Ed25519 is deterministic, so
 * the same inputs give the same bytes.
 */
export function signOperation(
  op: Omit<UnsignedOperation, 'author'>,
  keyPair: SigningKeyPair,
  limits: Readonly<MembershipLimits>,
): Uint8Array {
  if (!(keyPair?.secretKey instanceof Uint8Array) || keyPair.secretKey.byteLength !== 64) {
    throw invalidArgument('keyPair.secretKey must be a 64-byte Ed25519 secret key')
  }
  if (!crypto.validateKeyPair(keyPair)) {
    throw invalidArgument('keyPair.publicKey does not belong to keyPair.secretKey')
  }
  const signable = encodeSignable({ ...op, author: keyPair.publicKey } as UnsignedOperation, limits)
  const signature = crypto.sign(b4a.concat([SIGN_NS, signable]), keyPair.secretKey)
  return encodeOperation(signable, signature, limits)
}

/** A closed multifeed is named by its multifeed key and its founder's public key. */
export interface Invitation {
  multifeedKey: Uint8Array
  founder: Uint8Array
}

/** The genesis every peer of this closed multifeed expects (without its signature). */
export function expectedGenesis(founder: Uint8Array, multifeedDiscoveryKey: Uint8Array) {
  return {
    type: 'genesis' as const,
    rules: MEMBERSHIP_RULES_VERSION,
    discoveryKey: multifeedDiscoveryKey,
    author: founder,
    dependencies: [] as Uint8Array[],
  }
}

/** The genesis id of an invitation: computable before the genesis itself arrives. */
export function genesisId(invitation: Invitation, limits: Readonly<MembershipLimits>): Uint8Array {
  const dk = discoveryKey(invitation.multifeedKey)
  return operationId(encodeSignable(expectedGenesis(invitation.founder, dk), limits))
}

/**
 * The key a closed multifeed uses where 1.0 uses the multifeed key (discovery key and
 * capability): BLAKE2b-256(NSM[2] || genesisId, key = multifeedKey). An open multifeed with the
 * same key, and a closed one with another founder, get other channels and topics.
 */
export function closedMultifeedKey(multifeedKey: Uint8Array, genesis: Uint8Array): Uint8Array {
  if (!(multifeedKey instanceof Uint8Array) || multifeedKey.byteLength !== KEY_BYTES) {
    throw invalidArgument('multifeedKey must be 32 bytes')
  }
  if (!(genesis instanceof Uint8Array) || genesis.byteLength !== ID_BYTES) {
    throw invalidArgument('genesisId must be 32 bytes')
  }
  const out = new Uint8Array(KEY_BYTES)
  sodium.crypto_generichash_batch(out, [CLOSED_KEY_NS, genesis], multifeedKey)
  return out
}

/**
 * Discovery key and handshake capability (spec: Identity and capability).
 * Same constructions as hypercore's discovery key and replication capability, with the
 * name "multifeed".
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import sodium from 'sodium-universal'
import { MultifeedError } from '../errors.js'

export type Role = 'initiator' | 'responder'

const MULTIFEED = b4a.from('multifeed')
const KEY_BYTES = 32
const HASH_BYTES = 32
// BLAKE2b key sizes libsodium accepts for the handshake hash (secret-stream's is 64 bytes).
const HANDSHAKE_HASH_MIN_BYTES = 16
const HANDSHAKE_HASH_MAX_BYTES = 64

/**
 * NS = namespace('multifeed', 2): base = BLAKE2b-256("multifeed");
 * NS[i] = BLAKE2b-256(base || byte(i)). NS[0] is the initiator's, NS[1] the responder's.
 */
const [INITIATOR_NS, RESPONDER_NS] = crypto.namespace('multifeed', 2) as [Uint8Array, Uint8Array]

/** The two namespace values: [initiator, responder] (copies). */
export function capabilityNamespace(): [Uint8Array, Uint8Array] {
  return [b4a.from(INITIATOR_NS), b4a.from(RESPONDER_NS)]
}

function assertBytes(value: unknown, min: number, max: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength < min || value.byteLength > max) {
    const size = min === max ? `${min}` : `${min}..${max}`
    throw MultifeedError.INVALID_KEY(`${name} must be a Uint8Array of ${size} bytes`)
  }
  return value
}

/** discoveryKey = BLAKE2b-256(message = "multifeed", key = multifeedKey). Safe to publish. */
export function discoveryKey(multifeedKey: Uint8Array): Uint8Array {
  const key = assertBytes(multifeedKey, KEY_BYTES, KEY_BYTES, 'multifeed key')
  const out = b4a.alloc(HASH_BYTES)
  sodium.crypto_generichash(out, MULTIFEED, key)
  return out
}

/**
 * capability = BLAKE2b-256(message = NS[role] || multifeedKey, key = handshakeHash).
 * A sender computes it with its own role; a receiver checks the remote's against the
 * remote's role (the opposite of its own).
 */
export function capability(
  multifeedKey: Uint8Array,
  handshakeHash: Uint8Array,
  role: Role,
): Uint8Array {
  const key = assertBytes(multifeedKey, KEY_BYTES, KEY_BYTES, 'multifeed key')
  const hash = assertBytes(
    handshakeHash,
    HANDSHAKE_HASH_MIN_BYTES,
    HANDSHAKE_HASH_MAX_BYTES,
    'handshake hash',
  )
  if (role !== 'initiator' && role !== 'responder') {
    throw MultifeedError.INVALID_ARGUMENT(
      `role must be 'initiator' or 'responder', got ${String(role)}`,
    )
  }
  const out = b4a.alloc(HASH_BYTES)
  sodium.crypto_generichash_batch(
    out,
    [role === 'initiator' ? INITIATOR_NS : RESPONDER_NS, key],
    hash,
  )
  return out
}

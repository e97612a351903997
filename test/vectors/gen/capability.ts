/**
 * Capability vectors (test/vectors/capability.json), computed here straight from libsodium's
 * BLAKE2b (sodium-universal), independently of src/codec/capability.ts.
 * Inputs are derived from labels, so the file is reproducible without randomness.
 */
import b4a from 'b4a'
import sodium from 'sodium-universal'

export const CAPABILITY_VECTORS_SCHEMA = 'multifeed_capability_vectors_v1'

const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')

function blake2b(bytes: number, input: Uint8Array, key?: Uint8Array): Uint8Array {
  const out = b4a.alloc(bytes)
  sodium.crypto_generichash(out, input, key)
  return out
}

/** A fixed input: BLAKE2b of the label, `bytes` long. */
function labelled(label: string, bytes: number): Uint8Array {
  return blake2b(bytes, b4a.from(`multifeed test vector: ${label}`))
}

const MULTIFEED = b4a.from('multifeed')
const BASE = blake2b(32, MULTIFEED)
const NAMESPACE = [0, 1].map((index) => blake2b(32, b4a.concat([BASE, b4a.from([index])])))

function capability(key: Uint8Array, handshakeHash: Uint8Array, role: 'initiator' | 'responder') {
  const out = b4a.alloc(32)
  const ns = NAMESPACE[role === 'initiator' ? 0 : 1]!
  sodium.crypto_generichash_batch(out, [ns, key], handshakeHash)
  return out
}

export function buildCapabilityVectors() {
  const keys = [
    { comment: 'key of 32 zero bytes', key: b4a.alloc(32) },
    { comment: 'key derived from the label "key A"', key: labelled('key A', 32) },
    { comment: 'key derived from the label "key B"', key: labelled('key B', 32) },
  ]
  let tcId = 0
  const discoveryKeyTests = keys.map(({ comment, key }) => ({
    tcId: ++tcId,
    comment,
    multifeedKey: hex(key),
    discoveryKey: hex(blake2b(32, MULTIFEED, key)),
  }))

  const hashA = labelled('handshake hash A', 64)
  const hashB = labelled('handshake hash B', 64)
  const cases = [
    { comment: 'key A, hash A', key: keys[1]!.key, hash: hashA },
    {
      comment: 'key A, another connection (hash B): a capability is bound to its connection',
      key: keys[1]!.key,
      hash: hashB,
    },
    { comment: 'key B, hash A: a capability is bound to the key', key: keys[2]!.key, hash: hashA },
    { comment: 'zero key, hash of 64 zero bytes', key: keys[0]!.key, hash: b4a.alloc(64) },
    {
      comment: 'key A with a 32-byte handshake hash (a transport whose Noise hash is SHA-256)',
      key: keys[1]!.key,
      hash: labelled('handshake hash C', 32),
    },
  ]
  const capabilityTests = cases.flatMap(({ comment, key, hash }) =>
    (['initiator', 'responder'] as const).map((role) => ({
      tcId: ++tcId,
      comment: `${comment}; ${role}`,
      multifeedKey: hex(key),
      handshakeHash: hex(hash),
      role,
      capability: hex(capability(key, hash, role)),
    })),
  )

  // Added in 1.0.1 (numbered after the 1.0 tests): the namespace values as tests of their own.
  const namespaceTests = [
    { which: 'base', comment: 'base = BLAKE2b-256("multifeed")', value: BASE },
    { which: 'initiator', comment: 'NS[0] = BLAKE2b-256(base || 00)', value: NAMESPACE[0]! },
    { which: 'responder', comment: 'NS[1] = BLAKE2b-256(base || 01)', value: NAMESPACE[1]! },
  ].map(({ which, comment, value }) => ({
    tcId: ++tcId,
    comment,
    name: 'multifeed',
    which,
    value: hex(value),
  }))

  return {
    schema: CAPABILITY_VECTORS_SCHEMA,
    version: '1.0.1',
    algorithm: 'BLAKE2b-256 (libsodium crypto_generichash)',
    notes: {
      discoveryKey: 'BLAKE2b-256(message = ASCII "multifeed", key = multifeedKey)',
      namespace:
        'base = BLAKE2b-256(ASCII "multifeed"); NS[i] = BLAKE2b-256(base || byte(i)); NS[0] = initiator, NS[1] = responder (hypercore-crypto namespace("multifeed", 2))',
      capability:
        'BLAKE2b-256(message = NS[role] || multifeedKey, key = handshakeHash); the sender uses its own role',
    },
    numberOfTests: tcId,
    /** The same values as namespaceTests, in one object (kept from 1.0). */
    namespace: {
      name: 'multifeed',
      base: hex(BASE),
      initiator: hex(NAMESPACE[0]!),
      responder: hex(NAMESPACE[1]!),
    },
    discoveryKeyTests,
    capabilityTests,
    namespaceTests,
  }
}

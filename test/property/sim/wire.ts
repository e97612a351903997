/**
 * Test helpers shared by unit tests, vectors, properties and the bench: fixed identities,
 * deterministic keys, and the conversion of a `send` action into the event the other side
 * receives (through the real codec, so every exchange crosses real bytes).
 */
import { capability } from '../../../src/codec/capability.js'
import type { Limits } from '../../../src/codec/constants.js'
import { EntryBlock } from '../../../src/codec/entry-block.js'
import { KeyBlock } from '../../../src/codec/key-block.js'
import type { Key } from '../../../src/codec/messages.js'
import { encodeOutgoing } from '../../../src/state/outgoing.js'
import type {
  LocalFeed,
  OpenEvent,
  Role,
  SendAction,
  SessionEvent,
} from '../../../src/state/types.js'

/** A fixed multifeed key for tests (never a real one). */
export const TEST_MULTIFEED_KEY: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
/** A fixed stand-in for a Noise handshake hash (64 bytes like secret-stream's). */
export const TEST_HANDSHAKE_HASH: Uint8Array = Uint8Array.from({ length: 64 }, (_, i) => 0xa0 ^ i)

export function otherRole(role: Role): Role {
  return role === 'initiator' ? 'responder' : 'initiator'
}

/** The capabilities a peer of `role` sends and expects, for a multifeed key and handshake hash. */
export function capabilities(
  role: Role,
  multifeedKey: Uint8Array = TEST_MULTIFEED_KEY,
  handshakeHash: Uint8Array = TEST_HANDSHAKE_HASH,
): { localCapability: Uint8Array; remoteCapability: Uint8Array } {
  return {
    localCapability: capability(multifeedKey, handshakeHash, role),
    remoteCapability: capability(multifeedKey, handshakeHash, otherRole(role)),
  }
}

/** Deterministic distinct 32-byte key number `n`: tag byte, n as 4 bytes big-endian, then a pattern. */
export function testKey(n: number, tag = 0xfe): Key {
  const key = new Uint8Array(32)
  key[0] = tag
  key[1] = (n >>> 24) & 0xff
  key[2] = (n >>> 16) & 0xff
  key[3] = (n >>> 8) & 0xff
  key[4] = n & 0xff
  for (let i = 5; i < 32; i++) key[i] = (i * 7 + n) & 0xff
  return key
}

export function feed(key: Key, length: number, data: Uint8Array | null = null): LocalFeed {
  return { key, length, data }
}

export interface OpenOptions {
  role: Role
  now?: number
  client?: string
  userData?: Uint8Array | null
  feeds?: LocalFeed[]
  blocked?: Key[]
  limits?: Partial<Limits>
  multifeedKey?: Uint8Array
  handshakeHash?: Uint8Array
}

export function openEvent(options: OpenOptions): OpenEvent {
  return {
    type: 'open',
    now: options.now ?? 0,
    role: options.role,
    client: options.client ?? 'multifeed',
    userData: options.userData ?? null,
    ...capabilities(options.role, options.multifeedKey, options.handshakeHash),
    feeds: options.feeds ?? [],
    blocked: options.blocked ?? [],
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  }
}

/** The event the remote receives for one of our `send` actions (encoded with the real codec). */
export function deliveredEvent(action: SendAction, limits?: Partial<Limits>): SessionEvent {
  const { messageType, body } = encodeOutgoing(action.message, limits)
  if (messageType === null) return { type: 'remote-open', body }
  return { type: 'message', messageType, body }
}

/**
 * Deep copy with every byte array as a plain Uint8Array: decoded keys are views (Node Buffers
 * under b4a), and test equality should not depend on the subclass. A KeyBlock or EntryBlock
 * becomes the array of keys or entries it lists, so expectations can be written as arrays
 * (the result's type says block; tests compare it with toEqual only).
 */
export function plain<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T
  if (value instanceof KeyBlock) return value.map((key) => new Uint8Array(key)) as T
  if (value instanceof EntryBlock) return value.map((entry) => plain(entry)) as T
  if (Array.isArray(value)) return value.map(plain) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [name, field] of Object.entries(value)) out[name] = plain(field)
    return out as T
  }
  return value
}

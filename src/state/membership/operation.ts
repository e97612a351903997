/**
 * Membership operations and their strict encoding (spec/membership.md, "Operations").
 *
 * Wire form: type (uint), flags (flags, none defined), author (fixed32), dependencies
 * (array<fixed32>, strictly increasing), the body of the type, signature (fixed64). The
 * **signable** is every byte before the signature. Decoding is strict like the 1.0 codec: one
 * valid encoding per value, the first fault in reading order wins.
 */
import c from 'compact-encoding'
import { DecodeError } from '../../codec/errors.js'
import {
  assertKey,
  assertUint,
  beginDecode,
  checkNoTrailingBytes,
  type DecodeState,
  readCount,
  readFlags,
  readKey,
  readUint,
  truncated,
  uintEncodingLength,
} from '../../codec/primitives.js'
import { MultifeedError } from '../../errors.js'
import { invalidArgument } from '../usage-error.js'
import {
  KEY_BYTES,
  type MembershipLimits,
  OPERATION_TYPE_NAMES,
  OperationType,
  type OperationTypeName,
  SIGNATURE_BYTES,
} from './constants.js'
import { isMembershipError, type MembershipError } from './errors.js'

/** What an operation does; the wire type number follows from `type`. */
export type OperationBody =
  | { type: 'genesis'; rules: number; discoveryKey: Uint8Array }
  | { type: 'add-writer'; feed: Uint8Array }
  | { type: 'remove-writer'; feed: Uint8Array; cut: number }
  | { type: 'grant-admin'; admin: Uint8Array }
  | { type: 'revoke-admin'; admin: Uint8Array }

/** An operation before it is signed: author and dependencies added to the body. */
export type UnsignedOperation = OperationBody & {
  /** Ed25519 public key of the signer. */
  author: Uint8Array
  /** Ids of the operations the author had applied (its heads), strictly increasing. */
  dependencies: Uint8Array[]
}

export type Operation = UnsignedOperation & { signature: Uint8Array }

/** A decoded operation with the bytes it came from. */
export type DecodedOperation = Operation & {
  bytes: Uint8Array
  /** Bytes before the signature: what is hashed and signed. */
  signable: Uint8Array
}

const TYPE_NUMBERS: Record<OperationTypeName, number> = {
  genesis: OperationType.Genesis,
  'add-writer': OperationType.AddWriter,
  'remove-writer': OperationType.RemoveWriter,
  'grant-admin': OperationType.GrantAdmin,
  'revoke-admin': OperationType.RevokeAdmin,
}

/** -1, 0 or 1 as `a` sorts before, equal to or after `b`, byte by byte (equal lengths). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.byteLength === b.byteLength ? 0 : a.byteLength < b.byteLength ? -1 : 1
}

// ---------------------------------------------------------------- encoding

function checkUnsigned(op: UnsignedOperation, limits: Readonly<MembershipLimits>): void {
  if (op === null || typeof op !== 'object') throw invalidArgument('operation must be an object')
  if (!(op.type in TYPE_NUMBERS)) throw invalidArgument(`unknown operation type ${String(op.type)}`)
  assertKey(op.author, 'operation author')
  const deps = op.dependencies
  if (!Array.isArray(deps)) throw invalidArgument('operation dependencies must be an array')
  if (deps.length > limits.maxDependencies) {
    throw invalidArgument(`${deps.length} dependencies, limit ${limits.maxDependencies}`)
  }
  for (let i = 0; i < deps.length; i++) {
    assertKey(deps[i], 'operation dependency')
    if (i > 0 && compareBytes(deps[i - 1]!, deps[i]!) >= 0) {
      throw invalidArgument('dependencies must be in strictly increasing byte order')
    }
  }
  if ((op.type === 'genesis') !== (deps.length === 0)) {
    throw invalidArgument('a genesis has no dependencies and every other operation has some')
  }
  switch (op.type) {
    case 'genesis':
      assertUint(op.rules, 'genesis rules')
      assertKey(op.discoveryKey, 'genesis discoveryKey')
      break
    case 'add-writer':
      assertKey(op.feed, 'add-writer feed')
      break
    case 'remove-writer':
      assertKey(op.feed, 'remove-writer feed')
      assertUint(op.cut, 'remove-writer cut')
      break
    case 'grant-admin':
    case 'revoke-admin':
      assertKey(op.admin, `${op.type} admin`)
      break
  }
}

/** The signable bytes of an operation (every field but the signature). */
export function encodeSignable(
  op: UnsignedOperation,
  limits: Readonly<MembershipLimits>,
): Uint8Array {
  checkUnsigned(op, limits)
  const type = TYPE_NUMBERS[op.type]
  const length =
    uintEncodingLength(type) +
    1 + // flags: 0
    KEY_BYTES +
    uintEncodingLength(op.dependencies.length) +
    op.dependencies.length * KEY_BYTES +
    bodyLength(op)
  if (length + SIGNATURE_BYTES > limits.maxOperationBytes) {
    throw invalidArgument(
      `operation would be ${length + SIGNATURE_BYTES} bytes, limit ${limits.maxOperationBytes}`,
    )
  }
  const buffer = new Uint8Array(length)
  const out = { start: 0, end: length, buffer }
  c.uint.encode(out, type)
  c.uint.encode(out, 0)
  putKey(out, op.author)
  c.uint.encode(out, op.dependencies.length)
  for (const dep of op.dependencies) putKey(out, dep)
  encodeBody(out, op)
  return buffer
}

function bodyLength(op: OperationBody): number {
  switch (op.type) {
    case 'genesis':
      return uintEncodingLength(op.rules) + KEY_BYTES
    case 'remove-writer':
      return KEY_BYTES + uintEncodingLength(op.cut)
    default:
      return KEY_BYTES
  }
}

function encodeBody(state: { start: number; end: number; buffer: Uint8Array }, op: OperationBody) {
  switch (op.type) {
    case 'genesis':
      c.uint.encode(state, op.rules)
      putKey(state, op.discoveryKey)
      break
    case 'add-writer':
      putKey(state, op.feed)
      break
    case 'remove-writer':
      putKey(state, op.feed)
      c.uint.encode(state, op.cut)
      break
    case 'grant-admin':
    case 'revoke-admin':
      putKey(state, op.admin)
      break
  }
}

function putKey(state: { start: number; buffer: Uint8Array }, key: Uint8Array): void {
  state.buffer.set(key, state.start)
  state.start += key.byteLength
}

/** The whole operation: signable then the 64-byte signature. */
export function encodeOperation(
  signable: Uint8Array,
  signature: Uint8Array,
  limits: Readonly<MembershipLimits>,
): Uint8Array {
  if (!(signature instanceof Uint8Array) || signature.byteLength !== SIGNATURE_BYTES) {
    throw invalidArgument(`signature must be ${SIGNATURE_BYTES} bytes`)
  }
  if (signable.byteLength + SIGNATURE_BYTES > limits.maxOperationBytes) {
    throw invalidArgument(`operation over ${limits.maxOperationBytes} bytes`)
  }
  const bytes = new Uint8Array(signable.byteLength + SIGNATURE_BYTES)
  bytes.set(signable, 0)
  bytes.set(signature, signable.byteLength)
  return bytes
}

// ---------------------------------------------------------------- decoding

/**
 * Decodes one operation strictly. Throws DecodeError (ERR_DECODE_*) for bytes that break the
 * notation, ERR_MEMBERSHIP_* for an unknown type, unsorted or misplaced dependencies. Does not
 * check the signature or anything that needs other operations.
 */
export function decodeOperation(
  bytes: Uint8Array,
  limits: Readonly<MembershipLimits>,
): DecodedOperation {
  const state = beginDecode(bytes, limits.maxOperationBytes)
  const typeAt = state.start
  const typeNumber = readUint(state, 'operation type')
  const type = OPERATION_TYPE_NAMES[typeNumber]
  if (type === undefined) {
    throw MultifeedError.MEMBERSHIP_UNKNOWN_TYPE(
      `operation type ${typeNumber} is not defined (at byte ${typeAt})`,
    )
  }
  readFlags(state, 0, 'operation flags')
  const author = readKey(state, 'operation author')
  const count = readCount(state, limits.maxDependencies, 'operation dependencies')
  const dependencies: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const at = state.start
    const dep = readKey(state, 'operation dependency')
    if (i > 0 && compareBytes(dependencies[i - 1]!, dep) >= 0) {
      throw MultifeedError.MEMBERSHIP_UNSORTED_DEPENDENCIES(
        `dependency ${i} does not sort after dependency ${i - 1} (at byte ${at})`,
      )
    }
    dependencies.push(dep)
  }
  if ((type === 'genesis') !== (count === 0)) {
    throw MultifeedError.MEMBERSHIP_BAD_DEPENDENCIES(
      type === 'genesis' ? 'a genesis has dependencies' : `a ${type} has no dependencies`,
    )
  }
  const op = decodeBody(state, type) as DecodedOperation
  const signableLength = state.start
  op.signature = readFixed(state, SIGNATURE_BYTES, 'operation signature')
  checkNoTrailingBytes(state)
  const copy = state.buffer
  op.author = author
  op.dependencies = dependencies
  op.bytes = copy
  op.signable = new Uint8Array(copy.buffer, copy.byteOffset, signableLength)
  return op
}

function decodeBody(state: DecodeState, type: OperationTypeName): OperationBody {
  switch (type) {
    case 'genesis': {
      const rules = readUint(state, 'genesis rules')
      return { type, rules, discoveryKey: readKey(state, 'genesis discoveryKey') }
    }
    case 'add-writer':
      return { type, feed: readKey(state, 'add-writer feed') }
    case 'remove-writer': {
      const feed = readKey(state, 'remove-writer feed')
      return { type, feed, cut: readUint(state, 'remove-writer cut') }
    }
    case 'grant-admin':
    case 'revoke-admin':
      return { type, admin: readKey(state, `${type} admin`) }
  }
}

function readFixed(state: DecodeState, length: number, field: string): Uint8Array {
  const at = state.start
  if (state.end - at < length) throw truncated(at, field)
  state.start = at + length
  return new Uint8Array(state.buffer.buffer, state.buffer.byteOffset + at, length)
}

/** Whether `err` is a refusal of an operation (as opposed to a bug or a usage error). */
export function isRefusal(err: unknown): err is DecodeError | MembershipError {
  return err instanceof DecodeError || isMembershipError(err)
}

/**
 * Asking to join a closed multifeed (spec/membership.md 14.4): the JoinRequest and JoinResponse
 * messages (types 7 and 8 at minor 1) and the request's proof. A request is never a membership
 * operation and changes no state: an admin that says yes signs an add-writer, which travels
 * like any operation.
 *
 *   proof = Ed25519(secret key of signer, NSM[3] || closedDiscoveryKey || feed)
 *
 * The proof shows that the requester holds the secret key of `signer` and binds the request to
 * one closed multifeed. Whether `signer` signs `feed` is in the feed's manifest, which is
 * Hypercore's: the application deciding gets both (for the default manifest,
 * `feed = Hypercore.key(signer)`).
 */
import b4a from 'b4a'
import c from 'compact-encoding'
import crypto from 'hypercore-crypto'
import {
  assertKey,
  assertUint,
  beginDecode,
  bytesField,
  checkNoTrailingBytes,
  readBytes,
  readFlags,
  readKey,
  readUint,
  truncated,
  uintEncodingLength,
} from '../../codec/primitives.js'
import { invalidArgument } from '../usage-error.js'
import { KEY_BYTES, SIGNATURE_BYTES } from './constants.js'
import { MEMBERSHIP_NAMESPACE_NAME, type SigningKeyPair } from './crypto.js'

/** NSM[3]: the namespace of join proofs (spec/membership.md 4.1). */
const JOIN_NS = crypto.namespace(MEMBERSHIP_NAMESPACE_NAME, 4)[3] as Uint8Array

/** A JoinResponse's answer. A value above 2 is read as undecided (neither grant nor denial). */
export const JoinAnswer = { Granted: 0, Denied: 1, Undecided: 2 } as const
export type JoinAnswerName = 'granted' | 'denied' | 'undecided'

export function joinAnswerName(answer: number): JoinAnswerName {
  return answer === JoinAnswer.Granted
    ? 'granted'
    : answer === JoinAnswer.Denied
      ? 'denied'
      : 'undecided'
}

export interface JoinRequest {
  /** The sender's number for this request; the response repeats it. */
  request: number
  /** The feed to be added. */
  feed: Uint8Array
  /** Ed25519 public key that signs `feed`. */
  signer: Uint8Array
  /** Ed25519 by `signer` over NSM[3] || closed discovery key || feed. */
  proof: Uint8Array
  /** Opaque application data (at most maxEntryDataBytes), or null. */
  data: Uint8Array | null
}

export interface JoinResponse {
  request: number
  /** 0 granted, 1 denied, 2 undecided; other values are read as undecided. */
  answer: number
}

/** The limits the join messages are decoded with (those of the session). */
export interface JoinMessageLimits {
  maxMessageBytes: number
  maxEntryDataBytes: number
}

const DATA_PRESENT = 1

function proofMessage(closedDiscoveryKey: Uint8Array, feed: Uint8Array): Uint8Array {
  return b4a.concat([JOIN_NS, closedDiscoveryKey, feed])
}

/** The proof a requester signs with the key pair of its feed's signer. */
export function signJoinProof(
  closedDiscoveryKey: Uint8Array,
  feed: Uint8Array,
  keyPair: SigningKeyPair,
): Uint8Array {
  assertKey(closedDiscoveryKey, 'closedDiscoveryKey')
  assertKey(feed, 'feed')
  if (!(keyPair?.secretKey instanceof Uint8Array) || keyPair.secretKey.byteLength !== 64) {
    throw invalidArgument('keyPair.secretKey must be a 64-byte Ed25519 secret key')
  }
  return crypto.sign(proofMessage(closedDiscoveryKey, feed), keyPair.secretKey)
}

/** Whether a request's proof is its signer's signature for this closed multifeed and feed. */
export function verifyJoinProof(closedDiscoveryKey: Uint8Array, request: JoinRequest): boolean {
  return crypto.verify(
    proofMessage(closedDiscoveryKey, request.feed),
    request.proof,
    request.signer,
  )
}

/** JoinRequest: flags (bit 0: data), request uint, feed, signer, proof fixed64, data buffer. */
export function encodeJoinRequest(message: JoinRequest, limits: JoinMessageLimits): Uint8Array {
  assertUint(message.request, 'request')
  assertKey(message.feed, 'feed')
  assertKey(message.signer, 'signer')
  if (!(message.proof instanceof Uint8Array) || message.proof.byteLength !== SIGNATURE_BYTES) {
    throw invalidArgument(`proof must be ${SIGNATURE_BYTES} bytes`)
  }
  const data = message.data
  if (
    data !== null &&
    (!(data instanceof Uint8Array) || data.byteLength > limits.maxEntryDataBytes)
  ) {
    throw invalidArgument(`data must be at most ${limits.maxEntryDataBytes} bytes`)
  }
  const length =
    1 +
    uintEncodingLength(message.request) +
    2 * KEY_BYTES +
    SIGNATURE_BYTES +
    (data === null ? 0 : uintEncodingLength(data.byteLength) + data.byteLength)
  if (length > limits.maxMessageBytes) {
    throw invalidArgument(`a JoinRequest is ${length} bytes, limit ${limits.maxMessageBytes}`)
  }
  const state = { start: 0, end: length, buffer: new Uint8Array(length) }
  c.uint.encode(state, data === null ? 0 : DATA_PRESENT)
  c.uint.encode(state, message.request)
  for (const bytes of [message.feed, message.signer, message.proof]) {
    state.buffer.set(bytes, state.start)
    state.start += bytes.byteLength
  }
  if (data !== null) bytesField.encode(state, data)
  return state.buffer
}

export function decodeJoinRequest(bytes: Uint8Array, limits: JoinMessageLimits): JoinRequest {
  const state = beginDecode(bytes, limits.maxMessageBytes)
  const flags = readFlags(state, DATA_PRESENT, 'join request flags')
  const request = readUint(state, 'join request number')
  const feed = readKey(state, 'join request feed')
  const signer = readKey(state, 'join request signer')
  const at = state.start
  if (state.end - at < SIGNATURE_BYTES) throw truncated(at, 'join request proof')
  const proof = state.buffer.subarray(at, at + SIGNATURE_BYTES)
  state.start = at + SIGNATURE_BYTES
  const data =
    (flags & DATA_PRESENT) === 0 ? null : readBytes(state, limits.maxEntryDataBytes, 'join data')
  checkNoTrailingBytes(state)
  return { request, feed, signer, proof, data }
}

/** JoinResponse: flags (0), request uint, answer uint. */
export function encodeJoinResponse(message: JoinResponse): Uint8Array {
  assertUint(message.request, 'request')
  assertUint(message.answer, 'answer')
  const length = 1 + uintEncodingLength(message.request) + uintEncodingLength(message.answer)
  const state = { start: 0, end: length, buffer: new Uint8Array(length) }
  c.uint.encode(state, 0)
  c.uint.encode(state, message.request)
  c.uint.encode(state, message.answer)
  return state.buffer
}

export function decodeJoinResponse(bytes: Uint8Array, limits: JoinMessageLimits): JoinResponse {
  const state = beginDecode(bytes, limits.maxMessageBytes)
  readFlags(state, 0, 'join response flags')
  const request = readUint(state, 'join response number')
  const answer = readUint(state, 'join response answer')
  checkNoTrailingBytes(state)
  return { request, answer }
}

/**
 * This package's answers to the conformance operations (test/vectors/README.md, "The line
 * protocol"), each through src/codec and src/state: reference-server.ts serves them on stdin
 * and stdout. Another implementation's server does the same with its own codec and session.
 */
import b4a from 'b4a'
import sodium from 'sodium-universal'
import { capability, capabilityNamespace, discoveryKey, type Role } from '../codec/capability.js'
import { decodeMessage, encodeMessage } from '../codec/channel-message.js'
import type { Limits } from '../codec/constants.js'
import { DecodeError } from '../codec/errors.js'
import { decodeHandshake, encodeHandshake } from '../codec/handshake.js'
import type { ChannelMessage, Handshake } from '../codec/messages.js'
import { MultifeedError } from '../errors.js'
import { fromHex, toHex } from '../state/hex.js'
import { Session } from '../state/session.js'
import { type MessageJson, messageFromJson, messageToJson } from './json-form.js'
import { LINE_PROTOCOL, type LineRequest } from './protocol.js'
import { answerMembership } from './reference-membership.js'
import {
  actionToJson,
  type EventJson,
  eventFromJson,
  sessionOptionsOf,
  type TraceConfig,
} from './trace-form.js'

export type Result = Record<string, unknown>

/** Unkeyed BLAKE2b-256, the namespace base (spec section 4.3). */
function blake2b(text: string): Uint8Array {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, b4a.from(text))
  return out
}

/** The trace being replayed. */
let trace: { session: Session; config: TraceConfig } | null = null

function decode(request: LineRequest): Result {
  const bytes = fromHex(request.hex as string)
  const limits = request.limits as Partial<Limits>
  try {
    const decoded =
      request.typeNumber === null
        ? decodeHandshake(bytes, limits)
        : decodeMessage(request.typeNumber as number, bytes, limits)
    return { decoded: decoded === null ? null : messageToJson(decoded) }
  } catch (err) {
    if (err instanceof DecodeError) return { error: err.code }
    throw err
  }
}

function encode(request: LineRequest): Result {
  const message = messageFromJson(request.message as MessageJson)
  const limits = request.limits as Partial<Limits>
  try {
    const bytes =
      request.typeNumber === null
        ? encodeHandshake(message as Handshake, limits)
        : encodeMessage(message as ChannelMessage, limits)
    return { hex: toHex(bytes) }
  } catch (err) {
    if (isMisuse(err)) return { refused: err.code }
    throw err
  }
}

/** The caller's misuse (refused local input), as opposed to a bug of this implementation. */
function isMisuse(err: unknown): err is MultifeedError {
  return err instanceof MultifeedError && err.fault === 'local' && err.code !== 'ERR_INTERNAL'
}

function traceEvent(request: LineRequest): Result {
  if (trace === null) throw new Error('event before start')
  const event = eventFromJson(request.event as EventJson, trace.config)
  try {
    return { actions: trace.session.handle(event).map(actionToJson) }
  } catch (err) {
    if (isMisuse(err)) return { refused: err.code }
    throw err
  }
}

/** The result of one request, or null when this implementation does not do it (skip). */
export function answer(request: LineRequest): Result | null {
  if (request.suite === 'membership') return answerMembership(request)
  switch (`${request.suite}/${request.op}`) {
    case 'runner/hello':
      return {
        implementation: 'multifeed-protocol (TypeScript reference)',
        protocol: LINE_PROTOCOL,
      }
    case 'codec/decode':
      return decode(request)
    case 'codec/encode':
      return encode(request)
    case 'capability/namespace': {
      const [initiator, responder] = capabilityNamespace()
      return {
        base: toHex(blake2b(request.name as string)),
        initiator: toHex(initiator),
        responder: toHex(responder),
      }
    }
    case 'capability/discovery-key':
      return { discoveryKey: toHex(discoveryKey(fromHex(request.multifeedKey as string))) }
    case 'capability/capability':
      return {
        capability: toHex(
          capability(
            fromHex(request.multifeedKey as string),
            fromHex(request.handshakeHash as string),
            request.role as Role,
          ),
        ),
      }
    case 'traces/start': {
      const config = request.config as TraceConfig
      trace = { session: new Session(sessionOptionsOf(config)), config }
      return {}
    }
    case 'traces/event':
      return traceEvent(request)
    default:
      return null // not implemented: the runner reports the vector as skipped
  }
}

/**
 * This package's answers to the membership suite's operations (test/vectors/README.md, "The
 * line protocol"), each a call into src/state/membership: no rule of its own.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { discoveryKey } from '../codec/capability.js'
import { DecodeError } from '../codec/errors.js'
import { fromHex, toHex } from '../state/hex.js'
import {
  closedMultifeedKey,
  type DecodedOperation,
  decodeOperation,
  encodeOperation,
  encodeSignable,
  genesisId,
  isMembershipError,
  MEMBERSHIP_NAMESPACE_NAME,
  type MembershipLimits,
  MembershipState,
  membershipNamespace,
  operationId,
  resolveMembershipLimits,
  verifySignature,
} from '../state/membership/index.js'
import {
  type OperationJson,
  operationFromJson,
  operationToJson,
  receiveToJson,
} from './membership-form.js'
import type { LineRequest } from './protocol.js'

type Result = Record<string, unknown>

/** The state of the vector being replayed (`start` replaces it). */
let state: MembershipState | null = null

const limitsOf = (request: LineRequest) =>
  resolveMembershipLimits(request.limits as Partial<MembershipLimits> | undefined)

const decode = (request: LineRequest): DecodedOperation =>
  decodeOperation(fromHex(request.hex as string), limitsOf(request))

function invitation(request: LineRequest): Result {
  const multifeedKey = fromHex(request.multifeedKey as string)
  const founder = fromHex(request.founder as string)
  const id = genesisId({ multifeedKey, founder }, resolveMembershipLimits())
  const closedKey = closedMultifeedKey(multifeedKey, id)
  return {
    discoveryKey: toHex(discoveryKey(multifeedKey)),
    genesisId: toHex(id),
    closedKey: toHex(closedKey),
    closedDiscoveryKey: toHex(discoveryKey(closedKey)),
  }
}

function encode(request: LineRequest): Result {
  const limits = limitsOf(request)
  const { signature, ...unsigned } = operationFromJson(request.operation as OperationJson)
  return { hex: toHex(encodeOperation(encodeSignable(unsigned, limits), signature, limits)) }
}

function receive(request: LineRequest): Result {
  if (state === null) throw new Error('receive before start')
  const operations = (request.operations as string[]).map(fromHex)
  return { ...receiveToJson(state.receive(operations)) }
}

/** The result of one membership request, or null for an operation this server does not know. */
export function answerMembership(request: LineRequest): Result | null {
  switch (request.op) {
    case 'namespace': {
      if (request.name !== MEMBERSHIP_NAMESPACE_NAME) {
        throw new Error(`only the ${MEMBERSHIP_NAMESPACE_NAME} namespace is defined`)
      }
      const [signature, operationIdNs, closedKey] = membershipNamespace().map(toHex)
      return {
        base: toHex(crypto.hash(b4a.from(MEMBERSHIP_NAMESPACE_NAME))),
        signature,
        operationId: operationIdNs,
        closedKey,
      }
    }
    case 'invitation':
      return invitation(request)
    case 'decode':
      try {
        return { decoded: operationToJson(decode(request)) }
      } catch (err) {
        if (err instanceof DecodeError || isMembershipError(err)) return { error: err.code }
        throw err
      }
    case 'id': {
      const { signable } = decode(request)
      return { signable: toHex(signable), id: toHex(operationId(signable)) }
    }
    case 'verify': {
      const op = decode(request)
      return { signatureValid: verifySignature(op.signable, op.signature, op.author) }
    }
    case 'encode':
      return encode(request)
    case 'start':
      state = new MembershipState({
        founder: fromHex(request.founder as string),
        discoveryKey: discoveryKey(fromHex(request.multifeedKey as string)),
        limits: limitsOf(request),
      })
      return {}
    case 'receive':
      return receive(request)
    case 'resolution': {
      if (state === null) throw new Error('resolution before start')
      return { ...state.snapshot() }
    }
    default:
      return null
  }
}

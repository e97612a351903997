/**
 * The JSON forms of the membership suite (test/vectors/membership.json, README "membership.json"
 * and "The line protocol"): an operation's fields with bytes as lowercase hex, and what became
 * of each operation given to a membership state. Conversions to and from the plain data of
 * src/state/membership, for the reference server.
 */
import { fromHex, toHex } from '../state/hex.js'
import type {
  DecodedOperation,
  Operation,
  OperationOutcome,
  ReceiveResult,
} from '../state/membership/index.js'

/** An operation's fields: `type` by name, the body's fields by name (spec/membership.md 5.1). */
export interface OperationJson {
  type: Operation['type']
  author: string
  dependencies: string[]
  signature: string
  /** genesis */
  rules?: number
  discoveryKey?: string
  /** add-writer, remove-writer */
  feed?: string
  /** remove-writer */
  cut?: number
  /** grant-admin, revoke-admin */
  admin?: string
}

/** One operation given to `receive`: its id (null when it did not decode) and its fate. */
export interface OutcomeJson {
  id: string | null
  /** `stored`, `pending` or the refusal's error code. */
  outcome: string
}

export interface ReceiveJson {
  /** One per operation given, in order. */
  outcomes: OutcomeJson[]
  /** Ids stored during the call, in storage order (operations that waited included). */
  stored: string[]
  /** Operations given earlier that waited and were refused or dropped during the call. */
  refused: { id: string; error: string }[]
}

/** The resolution (spec/membership.md section 8), as membership.json's `expected` lists it. */
export interface ResolutionJson {
  members: string[]
  removed: { feed: string; cut: number }[]
  admins: string[]
}

export function operationToJson(op: DecodedOperation): OperationJson {
  const json: OperationJson = {
    type: op.type,
    author: toHex(op.author),
    dependencies: op.dependencies.map(toHex),
    signature: toHex(op.signature),
  }
  switch (op.type) {
    case 'genesis':
      json.rules = op.rules
      json.discoveryKey = toHex(op.discoveryKey)
      break
    case 'add-writer':
      json.feed = toHex(op.feed)
      break
    case 'remove-writer':
      json.feed = toHex(op.feed)
      json.cut = op.cut
      break
    case 'grant-admin':
    case 'revoke-admin':
      json.admin = toHex(op.admin)
      break
  }
  return json
}

/** The operation of a JSON form; a field the type needs and the form lacks is a TypeError. */
export function operationFromJson(json: OperationJson): Operation {
  const bytes = (name: 'discoveryKey' | 'feed' | 'admin') => {
    const value = json[name]
    if (typeof value !== 'string') throw new TypeError(`a ${json.type} needs ${name}`)
    return fromHex(value)
  }
  const number = (name: 'rules' | 'cut') => {
    const value = json[name]
    if (typeof value !== 'number') throw new TypeError(`a ${json.type} needs ${name}`)
    return value
  }
  const common = {
    author: fromHex(json.author),
    dependencies: json.dependencies.map(fromHex),
    signature: fromHex(json.signature),
  }
  switch (json.type) {
    case 'genesis':
      return {
        ...common,
        type: json.type,
        rules: number('rules'),
        discoveryKey: bytes('discoveryKey'),
      }
    case 'add-writer':
      return { ...common, type: json.type, feed: bytes('feed') }
    case 'remove-writer':
      return { ...common, type: json.type, feed: bytes('feed'), cut: number('cut') }
    case 'grant-admin':
    case 'revoke-admin':
      return { ...common, type: json.type, admin: bytes('admin') }
    default:
      throw new TypeError(`unknown operation type ${String((json as { type: unknown }).type)}`)
  }
}

function outcomeToJson(outcome: OperationOutcome): OutcomeJson {
  return {
    id: outcome.id === null ? null : toHex(outcome.id),
    outcome: outcome.status === 'refused' ? outcome.error.code : outcome.status,
  }
}

export function receiveToJson(result: ReceiveResult): ReceiveJson {
  return {
    outcomes: result.outcomes.map(outcomeToJson),
    stored: result.stored.map(toHex),
    refused: result.refused.map((r) => ({ id: toHex(r.id), error: r.error.code })),
  }
}

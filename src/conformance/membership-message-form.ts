/**
 * The JSON form of the messages of minor 1 (types 4 to 8, spec/membership.md 14.2), for the
 * annotations of trace vectors: what a Have, Operations, Want, JoinRequest or JoinResponse
 * body says, decoded with generous limits. Only annotations: the bytes are what is compared.
 */
import { DecodeError } from '../codec/errors.js'
import { toHex } from '../state/hex.js'
import { decodeJoinRequest, decodeJoinResponse } from '../state/membership/join.js'
import { decodeHave, decodeOperationsMessage, decodeWant } from '../state/membership/sync.js'

export type MembershipMessageJson =
  | { type: 'have'; heads: string[]; known: string[] }
  | { type: 'operations'; operations: string[] }
  | { type: 'want'; ids: string[] }
  | {
      type: 'join-request'
      request: number
      feed: string
      signer: string
      proof: string
      data: string | null
    }
  | { type: 'join-response'; request: number; answer: number }
  | { decodeError: string }

const GENEROUS = {
  maxMessageBytes: 1 << 24,
  maxEntriesPerMessage: 1 << 20,
  maxOperationBytes: 1 << 16,
  maxEntryDataBytes: 1 << 16,
}

/** The message of type `messageType` (4 to 8) as JSON, or null for another type. */
export function membershipMessageToJson(
  messageType: number,
  body: Uint8Array,
): MembershipMessageJson | null {
  try {
    switch (messageType) {
      case 4: {
        const have = decodeHave(body, GENEROUS)
        return { type: 'have', heads: have.heads.map(toHex), known: have.known.map(toHex) }
      }
      case 5:
        return {
          type: 'operations',
          operations: decodeOperationsMessage(body, GENEROUS).map(toHex),
        }
      case 6:
        return { type: 'want', ids: decodeWant(body, GENEROUS).map(toHex) }
      case 7: {
        const request = decodeJoinRequest(body, GENEROUS)
        return {
          type: 'join-request',
          request: request.request,
          feed: toHex(request.feed),
          signer: toHex(request.signer),
          proof: toHex(request.proof),
          data: request.data === null ? null : toHex(request.data),
        }
      }
      case 8:
        return { type: 'join-response', ...decodeJoinResponse(body, GENEROUS) }
      default:
        return null
    }
  } catch (err) {
    if (err instanceof DecodeError) return { decodeError: err.code }
    throw err
  }
}

/**
 * Membership of closed multifeeds (spec/membership.md, draft for protocol 1.1): signed
 * operations in a hash-linked DAG, resolved by fixed rules into members, cuts and admins.
 * Sans-IO: operations in, state and changes out.
 * @module
 */
export {
  DEFAULT_MEMBERSHIP_LIMITS,
  MEMBERSHIP_RULES_VERSION,
  type MembershipLimits,
  OPERATION_TYPE_NAMES,
  OperationType,
  type OperationTypeName,
  resolveMembershipLimits,
} from './constants.js'
export {
  closedMultifeedKey,
  expectedGenesis,
  genesisId,
  type Invitation,
  MEMBERSHIP_NAMESPACE_NAME,
  membershipNamespace,
  operationId,
  type SigningKeyPair,
  signOperation,
  verifySignature,
} from './crypto.js'
export {
  isMembershipError,
  type MembershipError,
  type MembershipErrorCodeName,
} from './errors.js'
export {
  decodeJoinRequest,
  decodeJoinResponse,
  encodeJoinRequest,
  encodeJoinResponse,
  JoinAnswer,
  type JoinAnswerName,
  type JoinMessageLimits,
  type JoinRequest,
  type JoinResponse,
  joinAnswerName,
  signJoinProof,
  verifyJoinProof,
} from './join.js'
export {
  compareBytes,
  type DecodedOperation,
  decodeOperation,
  encodeOperation,
  encodeSignable,
  type Operation,
  type OperationBody,
  type UnsignedOperation,
} from './operation.js'
export {
  type MembershipChange,
  type MembershipConfig,
  type MembershipSnapshot,
  MembershipState,
  type OperationOutcome,
  type ReceiveResult,
  type Refusal,
  type WriterEntry,
} from './state.js'
export type { WriterStatus } from './store.js'
export {
  DEFAULT_KNOWN,
  decodeHave,
  decodeOperationsMessage,
  decodeWant,
  encodeHave,
  encodeOperationsMessages,
  encodeWant,
  type Have,
  haveOf,
  operationsFor,
  operationsWanted,
  type SyncMessageLimits,
} from './sync.js'

/**
 * The sans-IO multifeed session state machine (spec: Session rules): events in, actions out.
 * @module
 */

export { DEFAULT_LIMITS, type Limits } from '../codec/constants.js'
export { EntryBlock } from '../codec/entry-block.js'
export { KeyBlock } from '../codec/key-block.js'
// The error family (the same classes as the package root's): local misuse throws a
// MultifeedError with fault 'local'.
export {
  type Fault,
  MULTIFEED_ERRORS,
  MultifeedError,
  type MultifeedErrorCode,
  type SessionErrorCode,
} from '../errors.js'
export { fromHex, toHex } from './hex.js'
export {
  type ChannelId,
  type ChannelOutcome,
  channelOutcome,
  DEFAULT_IDLE_GRACE,
  IdleConnections,
  type IdleConnectionsAction,
  type IdleConnectionsEvent,
  type IdleConnectionsOptions,
} from './idle-connections.js'
/** Closed multifeeds (spec/membership.md): the membership state, operations and messages. */
export * as membership from './membership/index.js'
export { shareEverything, wantEverything } from './policies.js'
export { createSession, Session, type SessionPhase } from './session.js'
export * from './types.js'

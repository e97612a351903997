/**
 * The sans-IO multifeed session state machine (spec: Session rules): events in, actions out.
 * @module
 */

export { DEFAULT_LIMITS, type Limits } from '../codec/constants.js'
export { EntryBlock } from '../codec/entry-block.js'
export { KeyBlock } from '../codec/key-block.js'
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
export { shareEverything, wantEverything } from './policies.js'
export { createSession, Session, type SessionPhase } from './session.js'
export * from './types.js'
export {
  SessionUsageError,
  SessionUsageErrorCode,
  type SessionUsageErrorCodeName,
} from './usage-error.js'

/** Corestore adapter: the Multifeed class. */

export type { Invitation } from '../../state/membership/crypto.js'
export type { MembershipChange } from '../../state/membership/state.js'
export { FEED_LIST_CORE_NAME } from './feed-list.js'
export {
  type AuthHandler,
  type AuthRequest,
  type FeedInfo,
  Multifeed,
  type MultifeedOptions,
  type ReplicateOptions,
} from './multifeed.js'
export type { ReplicationStream, ReplicationStreamListeners } from './streams.js'

/** Default want and share policies. */
import type { SharePolicy, WantPolicy } from './types.js'

/** Request everything the remote offers (blocked keys and limits are checked separately). */
export const wantEverything: WantPolicy = () => true

/** Offer every local feed (blocked keys are checked separately). */
export const shareEverything: SharePolicy = () => true

/**
 * Decoding of the remote's channel messages into the shapes the session reads: Manifests,
 * Requests and Replicates keep their keys in the message bytes (no object per key), since the
 * session only looks keys up and keeps the few it has not seen. Same checks and errors as
 * decodeMessage.
 */
import { decodeMessage } from '../codec/channel-message.js'
import { type Limits, MessageType } from '../codec/constants.js'
import { decodeKeyList, type KeyList } from '../codec/keys-message.js'
import { decodeManifestLayout, type ManifestLayout } from '../codec/manifest.js'
import type { Close } from '../codec/messages.js'

export type IncomingMessage = ManifestLayout | KeyList | Close

/** Returns null for a type number this version does not define (ignored, spec section 7.4). */
export function decodeIncoming(
  type: number,
  body: Uint8Array,
  limits: Readonly<Limits>,
): IncomingMessage | null {
  switch (type) {
    case MessageType.Manifest:
      return decodeManifestLayout(body, limits)
    case MessageType.Request:
      return decodeKeyList('request', body, limits)
    case MessageType.Replicate:
      return decodeKeyList('replicate', body, limits)
    default:
      // Close, or null for an unknown type.
      return decodeMessage(type, body, limits) as Close | null
  }
}

/**
 * The bytes of what a session sends: the Handshake (the opening payload, no type number), a
 * message of 1.0 encoded by the codec, or a message of minor 1 whose body the layer above
 * encoded. For carriers and test harnesses.
 */
import { encodeMessage, messageTypeOf } from '../codec/channel-message.js'
import type { Limits } from '../codec/constants.js'
import { encodeHandshake } from '../codec/handshake.js'
import type { ChannelMessage, Handshake } from '../codec/messages.js'
import type { ExtensionMessage } from './types.js'

/** A message as it travels: its type number (null for the Handshake) and body. */
export interface OutgoingBytes {
  messageType: number | null
  body: Uint8Array
}

export function encodeOutgoing(
  message: Handshake | ChannelMessage | ExtensionMessage,
  limits?: Partial<Limits>,
): OutgoingBytes {
  if (message.type === 'handshake') {
    return { messageType: null, body: encodeHandshake(message, limits) }
  }
  if (message.type === 'extension') return { messageType: message.messageType, body: message.body }
  return { messageType: messageTypeOf(message), body: encodeMessage(message, limits) }
}

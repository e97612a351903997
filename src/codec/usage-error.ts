/**
 * The encoders' shorthand for ERR_INVALID_MESSAGE (they raise it in many places): a caller passed
 * a message a strict decoder would reject. Never raised for bad bytes (those are DecodeErrors).
 * @internal
 */
import { MultifeedError } from '../errors.js'

/** `MultifeedError.INVALID_MESSAGE(message)`. */
export function invalidMessage(message: string): MultifeedError<'ERR_INVALID_MESSAGE'> {
  return MultifeedError.INVALID_MESSAGE(message)
}

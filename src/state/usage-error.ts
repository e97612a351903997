/**
 * The state machines' shorthands for local misuse (they raise these in many places): the caller
 * did something wrong, the peer did nothing. A misuse is never turned into an action: nothing is
 * sent and the state is unchanged. Both are MultifeedErrors (src/errors.ts) with fault 'local'.
 * @internal
 */
import { MultifeedError } from '../errors.js'

/** `MultifeedError.INVALID_STATE(message)`: an event the current phase does not accept. */
export function invalidState(message: string): MultifeedError<'ERR_INVALID_STATE'> {
  return MultifeedError.INVALID_STATE(message)
}

/** `MultifeedError.INVALID_ARGUMENT(message)`: an invalid local value. */
export function invalidArgument(message: string): MultifeedError<'ERR_INVALID_ARGUMENT'> {
  return MultifeedError.INVALID_ARGUMENT(message)
}

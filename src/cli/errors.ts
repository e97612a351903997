/**
 * The command's errors: each has a `code` (the library's own codes pass through unchanged; the
 * codes below are the command's) and an exit status: 1 when the command failed, 2 when it was
 * called wrongly.
 */

/** Exit statuses other than the signal ones (128 + signal number). */
export const ExitStatus = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
} as const

/** Codes of failures that are the command's, not the library's. */
export const CliErrorCode = {
  /** Unknown command, flag or argument, or a missing or malformed value. */
  ERR_USAGE: 'ERR_USAGE',
  /** The storage directory holds no multifeed (neither its record nor a key file). */
  ERR_NO_MULTIFEED: 'ERR_NO_MULTIFEED',
  /** `create` in a storage directory that already holds a multifeed. */
  ERR_EXISTS: 'ERR_EXISTS',
  /** The storage holds a multifeed, but its key file (or the `--key-file` given) is missing. */
  ERR_KEY_FILE_MISSING: 'ERR_KEY_FILE_MISSING',
  /** The key is valid but belongs to another multifeed than the one in the storage directory. */
  ERR_KEY_MISMATCH: 'ERR_KEY_MISMATCH',
  /** Another process has the storage directory open. */
  ERR_STORAGE_IN_USE: 'ERR_STORAGE_IN_USE',
  /** No feed of this multifeed has that id, key or writer name. */
  ERR_UNKNOWN_FEED: 'ERR_UNKNOWN_FEED',
  /** `cat`: some blocks of the feed are not stored here yet. */
  ERR_NOT_HELD: 'ERR_NOT_HELD',
  /** `sync --once`: not synced with a peer before the timeout. */
  ERR_SYNC_TIMEOUT: 'ERR_SYNC_TIMEOUT',
} as const

export type CliErrorCodeName = keyof typeof CliErrorCode

/** A failure of the command, with a code and the exit status it ends the process with. */
export class CliError extends Error {
  readonly code: string
  readonly exitStatus: number

  constructor(code: string, message: string, exitStatus: number = ExitStatus.FAILED) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitStatus = exitStatus
  }
}

/** A usage error: exit status 2. */
export function usageError(message: string): CliError {
  return new CliError(CliErrorCode.ERR_USAGE, message, ExitStatus.USAGE)
}

/** The code and message to show for any error (a library error's message starts with its code). */
export function describeError(err: unknown): { code: string; message: string; exitStatus: number } {
  const code = (err as { code?: unknown })?.code
  const message = err instanceof Error ? err.message : String(err)
  if (typeof code !== 'string') {
    return { code: 'ERR_UNEXPECTED', message, exitStatus: ExitStatus.FAILED }
  }
  const exitStatus = err instanceof CliError ? err.exitStatus : ExitStatus.FAILED
  const prefix = `${code}: `
  return {
    code,
    message: message.startsWith(prefix) ? message.slice(prefix.length) : message,
    exitStatus,
  }
}

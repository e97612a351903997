/**
 * Checks of the arguments a multifeed 6 user may still pass. multifeed 6 took callbacks, spelled
 * `keypair` in lower case, had a `live` replication option and used `encryptionKey` as the shared
 * secret; here each of those gets an error (or, where the call still works, a warning) that names
 * the replacement, instead of being silently ignored. See docs/migration.md.
 */
import { MultifeedError } from '../../errors.js'

const KEY_BYTES = 32
const SECRET_KEY_BYTES = 64
const MIGRATION = 'see docs/migration.md'

/** Warnings already printed: each is printed once per process. */
const warned = new Set<string>()

/** Prints a process warning (`node --no-warnings` hides it) once per process. */
function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return
  warned.add(code)
  process.emitWarning(message, { type: 'MultifeedWarning', code })
}

function invalid(message: string): MultifeedError {
  return MultifeedError.INVALID_ARGUMENT(`${message} (${MIGRATION})`)
}

/**
 * Throws on Multifeed constructor options that meant something else in multifeed 6; warns on an
 * encryptionKey given without a key (multifeed 6's way of naming the shared secret).
 */
export function checkMultifeedOptions(opts: unknown): void {
  if (opts === undefined) return
  if (typeof opts !== 'object' || opts === null) throw invalid('options must be an object')
  const given = opts as Record<string, unknown>
  if (given['hypercore'] !== undefined) {
    throw invalid('the hypercore option is gone: feeds are the Corestore’s own Hypercores')
  }
  const { encryptionKey } = given
  if (encryptionKey === undefined) return
  if (!(encryptionKey instanceof Uint8Array) || encryptionKey.byteLength !== KEY_BYTES) {
    throw MultifeedError.INVALID_KEY(
      'encryptionKey is Hypercore block encryption and must be 32 bytes; the shared secret that ' +
        `multifeed 6 called encryptionKey is now the key option (${MIGRATION})`,
    )
  }
  if (given['key'] === undefined) {
    warnOnce(
      'MULTIFEED_ENCRYPTION_KEY_WITHOUT_KEY',
      'encryptionKey without key: a new multifeed with a fresh random key and encrypted blocks. ' +
        'If this encryptionKey is the shared secret of multifeed 6, pass it as key instead; ' +
        `to mean block encryption, pass key as well to silence this (${MIGRATION})`,
    )
  }
}

/** The error for writer(name, opts) arguments written for multifeed 6, or null when fine. */
export function writerMisuse(name: unknown, opts: unknown): MultifeedError | null {
  if (typeof name === 'function' || typeof opts === 'function') {
    return invalid('writer() takes no callback: it returns a promise of the core')
  }
  if (typeof opts !== 'object' || opts === null) return invalid('writer options must be an object')
  const given = opts as Record<string, unknown>
  if (given['keypair'] !== undefined) {
    return invalid('writer option keypair is multifeed 6’s spelling: pass keyPair')
  }
  const keyPair = given['keyPair'] as { publicKey?: unknown; secretKey?: unknown } | undefined
  if (keyPair === undefined) return null
  const ok =
    typeof keyPair === 'object' &&
    keyPair !== null &&
    keyPair.publicKey instanceof Uint8Array &&
    keyPair.publicKey.byteLength === KEY_BYTES &&
    keyPair.secretKey instanceof Uint8Array &&
    keyPair.secretKey.byteLength === SECRET_KEY_BYTES
  return ok ? null : invalid('keyPair must be { publicKey: 32 bytes, secretKey: 64 bytes }')
}

/** Throws on replicate(isInitiator, opts) arguments written for multifeed 6. */
export function checkReplicateArguments(isInitiator: unknown, opts: unknown): void {
  if (isInitiator === undefined) {
    throw invalid('replicate(isInitiator): pass true on one peer and false on the other')
  }
  if (typeof opts !== 'object' || opts === null)
    throw invalid('replicate options must be an object')
  const { live } = opts as Record<string, unknown>
  if (live === false) {
    throw invalid(
      "replication is always live: to stop once synced, wait for 'synced' and destroy the stream",
    )
  }
  if (live !== undefined) {
    warnOnce(
      'MULTIFEED_LIVE_OPTION',
      `the replicate option live is ignored: replication is always live (${MIGRATION})`,
    )
  }
}

/** Throws when a callback is passed to a method that returns a promise (multifeed 6 took one). */
export function refuseCallback(method: 'ready' | 'close', callback: unknown): void {
  if (callback === undefined) return
  throw invalid(
    `${method}() takes no callback, it returns a promise: use await mf.${method}() or ` +
      `mf.${method}().then(onDone, onError)`,
  )
}

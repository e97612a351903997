/**
 * Debug logging through the `debug` package: `DEBUG=multifeed:*` prints everything, or one area:
 * multifeed:store (feeds joining, block, remove, storage failures), multifeed:channel (channels
 * opening, closing and failing), multifeed:swarm (connections and their failures). Every failure
 * that is emitted is logged once, where it happens. Disabled loggers cost one call and a flag
 * check.
 *
 * Keys are logged with `%k`, as their z-base-32 id (like `core.id`), encoded only when the
 * logger is enabled. Never log a multifeed key: it is the secret. Its `discoveryKey` is safe.
 * @internal
 * @module
 */
import createDebug from 'debug'
import HypercoreId from 'hypercore-id-encoding'

/** A logger of one area: printf-style, like `debug`'s. */
export type Log = ((format: string, ...args: unknown[]) => void) & { readonly enabled: boolean }

// `debug` formatters are shared by every user of the module; `k` is ours and only formats
// 32-byte keys, anything else as with %s.
createDebug.formatters['k'] = (value: unknown) =>
  value instanceof Uint8Array && value.byteLength === 32 ? HypercoreId.encode(value) : String(value)

/** Feeds joining the collection, block, remove; storage failures and bugs caught (ERR_INTERNAL). */
export const logStore: Log = createDebug('multifeed:store')
/** Channels opening, closing and failing. */
export const logChannel: Log = createDebug('multifeed:channel')
/** Connections the Networker carries. */
export const logSwarm: Log = createDebug('multifeed:swarm')

import b4a from 'b4a'
import type { Multifeed } from '../../../src/index.js'
import { WAIT_MS } from './wait.js'

export type Core = Awaited<ReturnType<Multifeed['writer']>>

export const hex = (key: Uint8Array): string => b4a.toString(key, 'hex')

/** Keys of mf.feeds() as hex, in collection order. */
export const feedKeys = (mf: Multifeed): string[] => mf.feeds().map((f) => hex(f.key))

/** mf.writer(name) with `values` appended. */
export async function writerWith(mf: Multifeed, name: string | undefined, ...values: unknown[]) {
  const w = await mf.writer(name)
  if (values.length > 0) await w.append(values)
  return w
}

/** Block `index` of `core`, waiting for replication at most WAIT_MS. */
export function getBlock(core: Core, index: number, timeout = WAIT_MS): Promise<unknown> {
  return core.get(index, { timeout })
}

/** Records every 'feed' event of `mf` as { key hex, local }. */
export function recordFeedEvents(mf: Multifeed): Array<{ key: string; local: boolean }> {
  const events: Array<{ key: string; local: boolean }> = []
  mf.on('feed', (core: Core, info: { local: boolean }) => {
    events.push({ key: hex(core.key), local: info.local })
  })
  return events
}

/** Records every session-error of `mf` (as { code, remote }) so a test can assert there was none. */
export function recordSessionErrors(mf: Multifeed): Array<{ code: string; remote: boolean }> {
  const errors: Array<{ code: string; remote: boolean }> = []
  mf.on('session-error', (err: { code: string; remote: boolean }) => {
    errors.push({ code: err.code, remote: err.remote })
  })
  return errors
}

/**
 * Block `index` only if it is already stored locally (no network wait): after 'synced' the data
 * must be there, so reading with wait: false checks what synced promises.
 */
export function heldBlock(core: Core, index: number): Promise<unknown> {
  return core.get(index, { wait: false })
}

import { setTimeout as sleep } from 'node:timers/promises'
import Hypercore from 'hypercore'

/**
 * Corestore 7 keeps everything in RocksDB (hypercore-storage), so multifeed 6's
 * random-access-latency trick has no equivalent. Instead this takes the real on-disk
 * CorestoreStorage and adds latency to the operations a multifeed waits on:
 * - store level: ready, seed, core lookup (hasCore, getAlias), core open (resumeCore, createCore);
 * - core level: every write batch flush (appends, downloaded blocks, headers).
 * Reads stay at native speed. The result is a slow-to-open, slow-to-write store, the situation
 * multifeed 6's "replicate slow-to-open multifeeds" test covered.
 */
const STORE_OPERATIONS = [
  'ready',
  'getSeed',
  'setSeed',
  'hasCore',
  'getAlias',
  'resumeCore',
  'createCore',
] as const

type AnyFn = (...args: unknown[]) => unknown
type Untyped = Record<string, unknown>

export function slowStorage(dir: string, delayMs: number): unknown {
  const storage = Hypercore.defaultStorage(dir) as Untyped
  for (const name of STORE_OPERATIONS) {
    const original = storage[name] as AnyFn
    storage[name] = async (...args: unknown[]) => {
      await sleep(delayMs)
      const result = await original.apply(storage, args)
      return name === 'resumeCore' || name === 'createCore'
        ? slowCoreWrites(result as Untyped | null, delayMs)
        : result
    }
  }
  return storage
}

function slowCoreWrites(core: Untyped | null, delayMs: number) {
  if (!core) return core
  const write = core['write'] as AnyFn
  core['write'] = (...args: unknown[]) => {
    const tx = write.apply(core, args) as Untyped
    const flush = tx.flush as AnyFn
    tx.flush = async () => {
      await sleep(delayMs)
      return flush.call(tx)
    }
    return tx
  }
  return core
}

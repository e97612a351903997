/** Fixtures of the adapter-level tests: temp Corestores, Noise pairs, teardown in reverse order. */
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import Corestore from 'corestore'
import { onTestFinished } from 'vitest'
import { Multifeed, type MultifeedOptions } from '../../src/index.js'

interface Resource {
  close(): Promise<unknown>
}

/** Registers `resource` to be closed when the current test finishes (last opened, first closed). */
function closeAtEnd<T extends Resource>(resource: T): T {
  onTestFinished(async () => {
    await resource.close()
  })
  return resource
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-adapter-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function tempStore(dir?: string): Promise<Corestore> {
  const store = closeAtEnd(new Corestore(dir ?? (await tempDir())))
  await store.ready()
  return store
}

export function multifeed(storeOrPath: Corestore | string, opts?: MultifeedOptions): Multifeed {
  return closeAtEnd(new Multifeed(storeOrPath, opts))
}

/** Two Noise streams piped together in memory; destroyed at the end of the test. */
export function noisePair(): [NoiseSecretStream, NoiseSecretStream] {
  const a = new NoiseSecretStream(true)
  const b = new NoiseSecretStream(false)
  for (const stream of [a, b]) {
    stream.on('error', () => {}) // a teardown mid-flight errors; tests assert on state instead
    onTestFinished(() => {
      stream.destroy()
    })
  }
  a.rawStream.pipe(b.rawStream).pipe(a.rawStream)
  return [a, b]
}

/** Corestore replication of `a` and `b` over a Noise pair; returns the pair. */
export function replicateStores(
  a: Corestore,
  b: Corestore,
): [NoiseSecretStream, NoiseSecretStream] {
  const [sa, sb] = noisePair()
  a.replicate(sa)
  b.replicate(sb)
  return [sa, sb]
}

/** Resolves with the first emission of `event` (its arguments). */
export async function next<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  timeoutMs = 15_000,
): Promise<T> {
  try {
    return (await once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) })) as T
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err
    throw new Error(`no '${event}' event within ${timeoutMs} ms`)
  }
}

/** Waits until `core` holds `length` blocks from the start. */
export async function contiguous(
  core: {
    contiguousLength: number
    on: NodeJS.EventEmitter['on']
    off: NodeJS.EventEmitter['off']
  },
  length: number,
): Promise<void> {
  if (core.contiguousLength >= length) return
  await new Promise<void>((resolve) => {
    const check = () => {
      if (core.contiguousLength < length) return
      core.off('download', check)
      core.off('append', check)
      resolve()
    }
    core.on('download', check)
    core.on('append', check)
  })
}

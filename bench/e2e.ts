import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { Multifeed } from '../src/index.js'
import { FirstBlockWatch, floorRun, pipeStreams } from './floor.js'
import type { BenchSection } from './report.js'

export interface E2eOptions {
  sizes: number[]
  repetitions: number
  log?: (line: string) => void
}

/** Limits raised so that one connection may carry the largest N (the defaults stop at 16384). */
export function limitsFor(feeds: number) {
  return { maxRemoteFeeds: Math.max(16_384, feeds), maxFeeds: Math.max(65_536, feeds + 1) }
}

/**
 * Section (a): two peers over a piped replication stream pair, N feeds of one block each on one
 * side; time from connecting to the last block present on the other side, multifeed vs the floor
 * (the same cores replicated by plain Corestore with their keys handed over out of band).
 * Piped streams, not a swarm: the DHT's discovery and holepunch time would be the same for both
 * and only add noise to the ratio; the Noise handshake and protomux are still included.
 */
export async function run(opts: E2eOptions): Promise<BenchSection> {
  const log = opts.log ?? (() => {})
  const rows: Record<string, string | number>[] = []
  for (const n of opts.sizes) {
    const dir = await mkdtemp(join(tmpdir(), `multifeed-bench-e2e-${n}-`))
    try {
      const source = await createSource(dir, n)
      log(`e2e N=${n}: source ready in ${source.setupMs.toFixed(0)} ms`)
      const floor: number[] = []
      const multifeed: number[] = []
      const synced: number[] = []
      for (let r = 0; r < opts.repetitions; r++) {
        // Alternate the order so warm-up and store growth do not favour one side.
        const order = r % 2 === 0 ? ['floor', 'multifeed'] : ['multifeed', 'floor']
        for (const which of order) {
          const target = join(dir, `${which}-${r}`)
          if (which === 'floor') {
            floor.push(await floorRun(source.store, source.keys, target))
          } else {
            const result = await multifeedRun(source, target)
            multifeed.push(result.lastBlockMs)
            if (result.syncedMs !== null) synced.push(result.syncedMs)
          }
          await rm(target, { recursive: true, force: true })
        }
        log(
          `e2e N=${n} rep ${r + 1}/${opts.repetitions}: floor ${floor.at(-1)?.toFixed(0)} ms, multifeed ${multifeed.at(-1)?.toFixed(0)} ms`,
        )
      }
      const floorMedian = median(floor)
      const multifeedMedian = median(multifeed)
      rows.push({
        feeds: n,
        repetitions: opts.repetitions,
        'floor ms (median)': round(floorMedian),
        'multifeed ms (median)': round(multifeedMedian),
        'synced event ms (median)': synced.length > 0 ? round(median(synced)) : 'n/a',
        ratio: Number((multifeedMedian / floorMedian).toFixed(3)),
        target: '<= 1.15',
        'floor ms (all)': floor.map(round).join(' '),
        'multifeed ms (all)': multifeed.map(round).join(' '),
      })
      await source.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return {
    name: 'e2e: multifeed vs raw Corestore replication (floor), piped streams',
    rows,
    notes: [
      'N feeds of one block each on one side; time from connecting the streams to the last block stored on the other side.',
      'floor: same cores, keys handed over out of band, each opened and downloaded in full (live), as a non-sparse multifeed does.',
      'ratio = multifeed median / floor median; repetitions alternate which side runs first.',
    ],
  }
}

interface Source {
  store: Corestore
  multifeed: Multifeed
  keys: Uint8Array[]
  setupMs: number
  close(): Promise<void>
}

async function createSource(dir: string, n: number): Promise<Source> {
  const start = performance.now()
  const store = new Corestore(join(dir, 'source'))
  const multifeed = new Multifeed(store, { limits: limitsFor(n) })
  await multifeed.ready()
  const batch = 256
  for (let i = 0; i < n; i += batch) {
    const names = Array.from({ length: Math.min(batch, n - i) }, (_, j) => `feed-${i + j}`)
    await Promise.all(
      names.map(async (name) => {
        const core = await multifeed.writer(name)
        await core.append(new TextEncoder().encode(name))
      }),
    )
  }
  const keys = multifeed.feeds().map((core) => core.key as Uint8Array)
  if (keys.length !== n) throw new Error(`source has ${keys.length} feeds, expected ${n}`)
  return {
    store,
    multifeed,
    keys,
    setupMs: performance.now() - start,
    async close() {
      await multifeed.close()
      await store.close()
    },
  }
}

async function multifeedRun(
  source: Source,
  dir: string,
): Promise<{ lastBlockMs: number; syncedMs: number | null }> {
  const store = new Corestore(dir)
  const multifeed = new Multifeed(store, {
    key: source.multifeed.key,
    limits: limitsFor(source.keys.length),
  })
  await multifeed.ready()
  const watch = new FirstBlockWatch(source.keys.length)
  multifeed.on('feed', (core: Hypercore, info: { local: boolean }) => {
    if (!info.local) watch.watch(core)
  })
  let syncedMs: number | null = null
  const start = performance.now()
  multifeed.once('synced', () => {
    syncedMs = performance.now() - start
  })
  const initiator = source.store.replicate(true)
  const responder = store.replicate(false)
  const sourceChannel = source.multifeed.attach(initiator)
  multifeed.attach(responder)
  const stop = pipeStreams(initiator, responder)
  await watch.wait()
  const lastBlockMs = performance.now() - start
  sourceChannel.close()
  stop()
  await multifeed.close()
  await store.close()
  return { lastBlockMs, syncedMs }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { Multifeed } from '../src/index.js'
import {
  FirstBlockWatch,
  floorRun,
  pipeStreams,
  type RunTiming,
  runTimeoutMs,
  startTiming,
} from './floor.js'
import { type BenchSection, judge } from './report.js'

export interface E2eOptions {
  sizes: number[]
  /** Repetitions for a given N. */
  repetitions: (feeds: number) => number
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
  const rows: BenchSection['rows'] = []
  for (const n of opts.sizes) {
    const dir = await mkdtemp(join(tmpdir(), `multifeed-bench-e2e-${n}-`))
    try {
      const source = await createSource(dir, n)
      try {
        log(`e2e N=${n}: source ready in ${source.setupMs.toFixed(0)} ms`)
        const floor: RunTiming[] = []
        const multifeed: RunTiming[] = []
        const synced: number[] = []
        const repetitions = opts.repetitions(n)
        for (let r = 0; r < repetitions; r++) {
          // Alternate the order so warm-up and store growth do not favour one side.
          const order = r % 2 === 0 ? ['floor', 'multifeed'] : ['multifeed', 'floor']
          for (const which of order) {
            const target = join(dir, `${which}-${r}`)
            if (which === 'floor') {
              floor.push(await floorRun(source.store, source.keys, target))
            } else {
              const result = await multifeedRun(source, target)
              multifeed.push(result)
              if (result.syncedMs !== null) synced.push(result.syncedMs)
            }
            await rm(target, { recursive: true, force: true })
          }
          log(
            `e2e N=${n} rep ${r + 1}/${repetitions}: floor ${show(floor.at(-1)!)}, multifeed ${show(multifeed.at(-1)!)}`,
          )
        }
        const wall = {
          floor: median(floor.map((t) => t.wallMs)),
          mf: median(multifeed.map((t) => t.wallMs)),
        }
        const cpu = {
          floor: median(floor.map((t) => t.cpuMs)),
          mf: median(multifeed.map((t) => t.cpuMs)),
        }
        rows.push({
          feeds: n,
          repetitions,
          'floor ms': round(wall.floor),
          'multifeed ms': round(wall.mf),
          ratio: judge(pairedRatio(multifeed, floor, 'wallMs'), 'ratio <= 1.10'),
          'floor cpu ms': round(cpu.floor),
          'multifeed cpu ms': round(cpu.mf),
          'cpu ratio': pairedRatio(multifeed, floor, 'cpuMs'),
          'synced event ms': synced.length > 0 ? round(median(synced)) : 'n/a',
          'floor ms (all)': floor.map((t) => round(t.wallMs)).join(' '),
          'multifeed ms (all)': multifeed.map((t) => round(t.wallMs)).join(' '),
        })
      } finally {
        await source.close()
      }
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
      'ms columns are medians of wall time. ratio: median over repetitions of multifeed / floor within the repetition',
      '(the two run back to back, alternating which goes first), so that load drifting on a shared machine cancels out.',
      'cpu: CPU time of this process (both peers run in it) over the same interval; steadier than wall time on a busy machine.',
      'synced event ms: when the receiving Multifeed emitted synced (after the last block, lengths are reported once per tick).',
      'target: ratio <= 1.10 at every N (issue 10 item 2); the redesign of issue 14 must hold 1.15 (its item 8).',
    ],
  }
}

function show(t: RunTiming): string {
  return `${t.wallMs.toFixed(0)} ms (cpu ${t.cpuMs.toFixed(0)})`
}

/** Median over repetitions of the per-repetition ratio (runs of one repetition are adjacent). */
export function pairedRatio<K extends string>(
  subject: Record<K, number>[],
  floor: Record<K, number>[],
  field: K,
): number {
  const ratios = subject.map((run, i) => run[field] / floor[i]![field])
  return Number(median(ratios).toFixed(3))
}

/**
 * The writer side: a store holding N one-block writers of one multifeed. The multifeed is open
 * only during a multifeed run: while it is open it keeps its feeds from plain Corestore
 * replication (the store's gate), which would stop the floor.
 */
export interface Source {
  store: Corestore
  /** The multifeed key. */
  key: Uint8Array
  keys: Uint8Array[]
  setupMs: number
  close(): Promise<void>
}

/**
 * Corestore 7.12 can leave a remote's channel for a stored core unanswered, most likely when it
 * arrives while that core is being closed as idle (its GC closes cores a few seconds after their
 * last session). Seen with plain Corestore: 10,000 one-block cores, sessions closed, then a peer
 * asking for every key right away: 43 were never served (timing-dependent; see
 * scripts/repro-corestore-idle-race.ts). A floor run right after the source was built (or after
 * a multifeed run closed its sessions) met it at N = 10,000 and hung the bench. So by default
 * the source holds a session of every core for as long as it is open, and neither side meets it.
 * The multifeed is not exposed to it: it attaches each agreed core itself instead of waiting for
 * Corestore to open it on the remote's request.
 */
export interface SourceOptions {
  /** Hold a session of every core until close() (default true; the scale fixture does not). */
  holdCores?: boolean
}

export async function createSource(
  dir: string,
  n: number,
  { holdCores = true }: SourceOptions = {},
): Promise<Source> {
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
  const keys = multifeed.keys()
  if (keys.length !== n) throw new Error(`source has ${keys.length} feeds, expected ${n}`)
  const key = multifeed.key
  await multifeed.close()
  const held = holdCores ? await Promise.all(keys.map((k) => openSession(store, k))) : []
  return {
    store,
    key,
    keys,
    setupMs: performance.now() - start,
    async close() {
      await Promise.all(held.map((core) => core.close()))
      await store.close()
    },
  }
}

async function openSession(store: Corestore, key: Uint8Array): Promise<Hypercore> {
  const core = store.get({ key })
  await core.ready()
  return core
}

export async function multifeedRun(
  source: Source,
  dir: string,
): Promise<RunTiming & { syncedMs: number | null }> {
  const writers = new Multifeed(source.store, {
    key: source.key,
    limits: limitsFor(source.keys.length),
  })
  await writers.ready()
  const store = new Corestore(dir)
  const multifeed = new Multifeed(store, {
    key: source.key,
    limits: limitsFor(source.keys.length),
  })
  await multifeed.ready()
  const watch = new FirstBlockWatch(source.keys.length)
  multifeed.on('feed', (core: Hypercore, info: { local: boolean }) => {
    if (!info.local) watch.watch(core)
  })
  const timer = startTiming()
  const synced = new Promise<number>((resolve) => {
    multifeed.once('synced', () => resolve(timer().wallMs))
  })
  const initiator = source.store.replicate(true)
  const responder = store.replicate(false)
  const sourceChannel = writers.attach(initiator)
  multifeed.attach(responder)
  const stop = pipeStreams(initiator, responder)
  try {
    await watch.wait(runTimeoutMs(source.keys.length), 'multifeed')
    const timing = timer()
    const syncedMs = await Promise.race([synced, sleep(10_000).then(() => null)])
    return { ...timing, syncedMs }
  } finally {
    sourceChannel.close()
    stop()
    await multifeed.close()
    await writers.close()
    await store.close()
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

/**
 * Section `swarm` (issue 10 item 3): the e2e comparison over a real swarm. Two peers on a
 * loopback @hyperswarm/testnet (UDP through UDX, Noise): A holds N feeds of one block, B starts
 * empty. Multifeed: both run a Networker and join the multifeed. Floor: raw Corestore
 * replication over the same kind of swarm on a random topic, B given the N keys out of band
 * (it opens each key and downloads it, as a non-sparse multifeed does). Timed from B's join to
 * the last block stored at B, so both include the same discovery, holepunch and handshake.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import createTestnet, { type Testnet } from '@hyperswarm/testnet'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { Multifeed, Networker } from '../src/index.js'
import { createSource, limitsFor, median, pairedRatio, round, type Source } from './e2e.js'
import { FirstBlockWatch, type RunTiming, runTimeoutMs, startTiming } from './floor.js'
import { type BenchSection, judge } from './report.js'

export interface SwarmOptions {
  sizes: number[]
  repetitions: (feeds: number) => number
  log?: (line: string) => void
}

/** One run: the timing from B's join, and when B's first connection came up. */
interface SwarmTiming extends RunTiming {
  connectedMs: number
  /** Wall time from the connection to the last block. */
  afterConnectMs: number
}

export async function run(opts: SwarmOptions): Promise<BenchSection> {
  const log = opts.log ?? (() => {})
  const rows: BenchSection['rows'] = []
  for (const n of opts.sizes) {
    const dir = await mkdtemp(join(tmpdir(), `multifeed-bench-swarm-${n}-`))
    try {
      const source = await createSource(dir, n)
      try {
        log(`swarm N=${n}: source ready in ${source.setupMs.toFixed(0)} ms`)
        const floor: SwarmTiming[] = []
        const multifeed: SwarmTiming[] = []
        const repetitions = opts.repetitions(n)
        for (let r = 0; r < repetitions; r++) {
          const order = r % 2 === 0 ? ['floor', 'multifeed'] : ['multifeed', 'floor']
          for (const which of order) {
            const target = join(dir, `${which}-${r}`)
            // A fresh testnet per run: no announcement of an earlier run's (destroyed) peers
            // can send B's lookup to a dead address.
            const testnet = await createTestnet(3, { host: '127.0.0.1' })
            try {
              if (which === 'floor') floor.push(await floorRun(testnet, source, target))
              else multifeed.push(await multifeedRun(testnet, source, target))
            } finally {
              await testnet.destroy()
              await rm(target, { recursive: true, force: true })
            }
          }
          log(
            `swarm N=${n} rep ${r + 1}/${repetitions}: floor ${show(floor.at(-1)!)}, multifeed ${show(multifeed.at(-1)!)}`,
          )
        }
        const wall = (runs: SwarmTiming[]) => round(median(runs.map((t) => t.wallMs)))
        const connect = (runs: SwarmTiming[]) => round(median(runs.map((t) => t.connectedMs)))
        rows.push({
          feeds: n,
          repetitions,
          'floor ms': wall(floor),
          'multifeed ms': wall(multifeed),
          ratio: judge(pairedRatio(multifeed, floor, 'wallMs'), 'ratio <= 1.10'),
          'floor connect ms': connect(floor),
          'multifeed connect ms': connect(multifeed),
          'ratio after connect': pairedRatio(multifeed, floor, 'afterConnectMs'),
          'cpu ratio': pairedRatio(multifeed, floor, 'cpuMs'),
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
    name: 'swarm: Networker vs raw Corestore replication over a loopback testnet (UDP, Noise)',
    rows,
    notes: [
      "A (N feeds of one block, on disk) joins and flushes its announce first; B (empty, on disk) joins after it; timed from B's join to the last block stored at B.",
      'floor: plain Hyperswarm on a random topic, store.replicate(conn) on both sides, B opens the N keys (handed over out of band) and downloads each in full.',
      'ratio: median over repetitions of multifeed / floor within the repetition (the two back to back, alternating which goes first).',
      "connect ms: B's first connection (discovery + holepunch + Noise); ratio after connect: the same paired ratio from that moment on.",
      'A fresh testnet per run; all peers and the 3 DHT nodes run in this process (cpu ratio counts all of them). Target: issue 10 item 3.',
    ],
  }
}

function show(t: SwarmTiming): string {
  return `${t.wallMs.toFixed(0)} ms (connect ${t.connectedMs.toFixed(0)}, cpu ${t.cpuMs.toFixed(0)})`
}

function swarmOn(testnet: Testnet): Hyperswarm {
  return new Hyperswarm({ dht: new DHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }) })
}

/** Waits for the watch, then turns the timings into a SwarmTiming. */
async function finish(
  watch: FirstBlockWatch,
  timer: () => RunTiming,
  connected: () => number | null,
  n: number,
  what: string,
): Promise<SwarmTiming> {
  await watch.wait(runTimeoutMs(n), what)
  const timing = timer()
  const connectedMs = connected() ?? Number.NaN
  return { ...timing, connectedMs, afterConnectMs: timing.wallMs - connectedMs }
}

async function floorRun(testnet: Testnet, source: Source, dir: string): Promise<SwarmTiming> {
  const topic = crypto.randomBytes(32)
  const a = swarmOn(testnet)
  const b = swarmOn(testnet)
  const target = new Corestore(dir)
  try {
    a.on('connection', (conn) => {
      conn.on('error', noop)
      source.store.replicate(conn)
    })
    await a.join(topic).flushed()
    await target.ready()
    const watch = new FirstBlockWatch(source.keys.length)
    let connectedMs: number | null = null
    const timer = startTiming()
    b.on('connection', (conn) => {
      conn.on('error', noop)
      connectedMs ??= timer().wallMs
      target.replicate(conn)
    })
    for (const key of source.keys) {
      const core = target.get({ key })
      watch.watch(core)
      core.ready().then(() => {
        core.download({ start: 0, end: -1 })
        watch.watch(core)
      }, noop)
    }
    b.join(topic)
    return await finish(watch, timer, () => connectedMs, source.keys.length, 'swarm floor')
  } finally {
    await b.destroy()
    await a.destroy()
    await target.close()
  }
}

async function multifeedRun(testnet: Testnet, source: Source, dir: string): Promise<SwarmTiming> {
  const aSwarm = swarmOn(testnet)
  const bSwarm = swarmOn(testnet)
  const a = new Networker(source.store, { swarm: aSwarm })
  // The writer side's multifeed is open only for this run (see Source).
  const writers = new Multifeed(source.store, {
    key: source.key,
    limits: limitsFor(source.keys.length),
  })
  const store = new Corestore(dir)
  const multifeed = new Multifeed(store, {
    key: source.key,
    limits: limitsFor(source.keys.length),
  })
  const b = new Networker(store, { swarm: bSwarm })
  try {
    await a.join(writers)
    await multifeed.ready()
    const watch = new FirstBlockWatch(source.keys.length)
    multifeed.on('feed', (core: Hypercore, info: { local: boolean }) => {
      if (!info.local) watch.watch(core)
    })
    let connectedMs: number | null = null
    const timer = startTiming()
    b.on('connection', () => {
      connectedMs ??= timer().wallMs
    })
    b.join(multifeed).catch(noop) // its announce is not waited for: B looks up and connects
    return await finish(watch, timer, () => connectedMs, source.keys.length, 'swarm multifeed')
  } finally {
    await b.destroy()
    await a.destroy()
    await bSwarm.destroy()
    await aSwarm.destroy()
    await multifeed.close()
    await writers.close()
    await store.close()
  }
}

function noop(): void {}

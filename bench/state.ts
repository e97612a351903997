/**
 * State machine benchmark: two in-memory sessions go open -> handshake -> manifest -> request
 * -> replicate with N keys offered by one side, through the real codec. Reports CPU time
 * (median of a few runs), the 100k/10k growth ratio (linear is 10x; target within 12x) and
 * retained memory per known feed.
 *
 * Run alone: `npx tsx bench/state.ts`.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Limits } from '../src/codec/constants.js'
import { keyId } from '../src/state/key-id.js'
import { Session } from '../src/state/session.js'
import type { LocalFeed, SessionAction, SessionEvent } from '../src/state/types.js'
import { deliveredEvent, feed, openEvent, testKey } from '../test/property/sim/wire.js'
import { type BenchSection, printSection } from './report.js'

const SIZES = [1_000, 10_000, 100_000]
const QUICK = process.env['BENCH_QUICK'] === '1'
/** Paired rounds per size (BENCH_QUICK=1: a smoke run). */
const RUNS = QUICK ? 2 : 11
/**
 * Unmeasured rounds first: one exchange does not reach steady state (the first measured rounds
 * then ran up to 5x slower while the engine was still optimizing).
 */
const WARMUP_ROUNDS = QUICK ? 1 : 3

function limitsFor(n: number): Partial<Limits> {
  // A single manifest carries all n entries (34 bytes each here), so raise every bound it meets.
  return {
    maxEntriesPerMessage: n,
    maxMessageBytes: 64 + n * 40,
    maxRemoteFeeds: n,
    maxFeeds: n,
  }
}

function makeFeeds(n: number): LocalFeed[] {
  const feeds: LocalFeed[] = []
  for (let i = 0; i < n; i++) feeds.push(feed(testKey(i), 1))
  return feeds
}

interface Exchange {
  sessions: [Session, Session]
  /** CPU microseconds in Session.handle only, every thread of the process. */
  handleMicros: number
  /** CPU microseconds of the whole exchange, encoding of sent messages included. */
  totalMicros: number
}

/** CPU time of the whole process: the main thread and V8's helper threads (GC, compiler). */
function cpuMicros(): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** Runs one exchange: side 0 offers `feeds`, side 1 holds nothing and wants everything. */
function exchange(feeds: LocalFeed[], limits: Partial<Limits>): Exchange {
  const sessions: [Session, Session] = [new Session(), new Session()]
  const inboxes: [SessionEvent[], SessionEvent[]] = [[], []]
  let handleMicros = 0
  let accepted = 0
  const start = cpuMicros()
  const input = (side: 0 | 1, event: SessionEvent): SessionAction[] => {
    const before = cpuMicros()
    const actions = sessions[side].handle(event)
    handleMicros += cpuMicros() - before
    for (const action of actions) {
      if (action.type === 'send') inboxes[1 - side]!.push(deliveredEvent(action, limits))
      if (action.type === 'add-feeds') accepted += action.feeds.length
    }
    return actions
  }
  input(0, openEvent({ role: 'initiator', feeds, limits }))
  input(1, openEvent({ role: 'responder', limits }))
  let moved = true
  while (moved) {
    moved = false
    for (const side of [0, 1] as const) {
      const event = inboxes[side].shift()
      if (event === undefined) continue
      moved = true
      input(side, event)
    }
  }
  const totalMicros = cpuMicros() - start
  // A benchmark of a broken exchange would measure nothing: every offered key must arrive.
  if (accepted !== feeds.length)
    throw new Error(`exchange added ${accepted} of ${feeds.length} feeds`)
  return { sessions, handleMicros, totalMicros }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** A callable gc even without --expose-gc (flag set at run time, function taken from a fresh context). */
function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc
  if (existing) return existing
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

function retainedBytesPerFeed(n: number): number {
  const gc = getGc()
  const feeds = makeFeeds(n)
  const limits = limitsFor(n)
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const result = exchange(feeds, limits)
  gc()
  gc()
  const after = process.memoryUsage().heapUsed
  // Keep the sessions alive until after the measurement.
  if (result.sessions.length !== 2) throw new Error('unreachable')
  return (after - before) / n
}

/**
 * What this machine needs for the bare minimum of a 100k exchange's bookkeeping: one Map
 * insert and three lookups per key (the two sessions do about that many). Printed next to the
 * session's figure, because absolute CPU times swing with the load other processes put on it.
 */
function mapReferenceMicros(n: number): number {
  const keys = makeFeeds(n).map((f) => f.key)
  const runs: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const start = cpuMicros()
    const map = new Map<string, Uint8Array>()
    for (const key of keys) map.set(keyId(key), key)
    for (let pass = 0; pass < 3; pass++) for (const key of keys) map.get(keyId(key))
    runs.push(cpuMicros() - start)
  }
  return median(runs)
}

/** Benchmark section for `npm run bench`. */
export async function run(): Promise<BenchSection> {
  const gc = getGc()
  const inputs = new Map(SIZES.map((n) => [n, { feeds: makeFeeds(n), limits: limitsFor(n) }]))
  const handle = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const total = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const ratios: number[] = []
  // Warm-up. Its last sessions stay alive through the rounds: with no live Session, the gc()
  // below lets V8 drop the optimised code, and every round would then measure recompilation.
  let warm: Exchange[] = []
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    warm = [...inputs.values()].map(({ feeds, limits }) => exchange(feeds, limits))
  }
  // Rounds run every size back to back, so a load spike from other processes hits a round's
  // sizes alike; the growth ratio is taken per round, then the median of the rounds.
  for (let round = 0; round < RUNS; round++) {
    for (const [n, { feeds, limits }] of inputs) {
      gc() // garbage of the previous exchange is not collected inside this one
      const result = exchange(feeds, limits)
      handle.get(n)!.push(result.handleMicros)
      total.get(n)!.push(result.totalMicros)
    }
    ratios.push(handle.get(100_000)![round]! / handle.get(10_000)![round]!)
  }
  const rows: BenchSection['rows'] = SIZES.map((n) => ({
    keys: n,
    'session CPU ms (median)': +(median(handle.get(n)!) / 1000).toFixed(2),
    'exchange CPU ms incl. encoding (median)': +(median(total.get(n)!) / 1000).toFixed(2),
    'session CPU µs/key': +(median(handle.get(n)!) / n).toFixed(2),
    'retained bytes/feed (both sessions)': Math.round(retainedBytesPerFeed(n)),
  }))
  if (warm.length !== SIZES.length) throw new Error('unreachable') // keeps `warm` alive to here
  const ratio = median(ratios)
  const at100k = median(handle.get(100_000)!) / 1000
  const reference = mapReferenceMicros(100_000) / 1000
  return {
    name: 'State machine: offer -> request -> replicate, one manifest of N keys',
    rows,
    notes: [
      `100k/10k session CPU ratio (median of ${RUNS} paired rounds): ${ratio.toFixed(2)}x (linear = 10x; target <= 12x) ${ratio <= 12 ? 'OK' : 'OVER TARGET'}`,
      `100k keys: ${at100k.toFixed(1)} ms session CPU (target well under 100 ms) ${at100k < 100 ? 'OK' : 'OVER TARGET'}`,
      `machine reference: 100k keys x (1 Map insert + 3 lookups) = ${reference.toFixed(1)} ms (${(at100k / reference).toFixed(1)}x of it for the whole exchange)`,
      'session CPU = time inside Session.handle on both sides (decoding of received messages included),',
      'in every thread of the process: the main thread runs handle, V8 helper threads collect its garbage;',
      'exchange CPU adds encoding the sent messages. Retained bytes/feed: heap growth after gc with both',
      'sessions alive, divided by N (offering side + accepting side, received message buffers included).',
    ],
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printSection(await run())
}

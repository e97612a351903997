/**
 * The child processes of the scale section (bench/scale.ts forks them with --expose-gc), so
 * that each one's peak RSS, heap and CPU are its own, and a step that runs over its cap can be
 * stopped by killing the process.
 *
 *   scale-child.ts fixture <dir> <feeds>          builds a multifeed of N one-block feeds in dir
 *   scale-child.ts victim <dir> <feeds> <keyHex>  reopens it, measures, lets a keyless peer
 *                                                 connect over TCP, closes it
 *
 * Every step is announced to the parent ({ step, phase: 'start' }) before it runs and reported
 * ({ step, phase: 'done', ... }) after; the parent enforces the caps.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Corestore from 'corestore'
import { Multifeed, type ReplicationStream } from '../src/index.js'
import { createSource, limitsFor, type Source } from './e2e.js'

export type ChildMessage =
  | { step: string; phase: 'start' }
  | ({ step: string; phase: 'done' } & Record<string, number | string>)
  | { step: 'keyless'; phase: 'listening'; port: number }

function send(message: ChildMessage): void {
  process.send!(message)
}

/** Runs one step between a 'start' and a 'done' message (the parent's cap runs in between). */
async function step(
  name: string,
  body: () => Promise<Record<string, number | string>>,
): Promise<void> {
  send({ step: name, phase: 'start' })
  const result = await body()
  send({ step: name, phase: 'done', ...result })
}

/**
 * Peak RSS of this process. Linux keeps getrusage's maxRSS across fork and exec, so a forked
 * child would report the bench process's own peak; VmHWM belongs to this process's memory
 * alone. Elsewhere maxRSS is the fallback.
 */
function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status)
    if (hwm) return Math.round(Number(hwm[1]) / 1024)
  } catch {}
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

function cpuMs(since?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

/** Heap and external memory after full collections (external: buffers held by JS objects). */
async function retainedBytes(): Promise<{ heap: number; external: number }> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('scale-child needs --expose-gc')
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(20) // lets finalizers and weak callbacks run between collections
  }
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, external: usage.external }
}

/** Builds the fixture in `dir` (the store in dir/source, as createSource makes it). */
async function fixture(dir: string, feeds: number): Promise<void> {
  let source: Source | null = null
  await step('build', async () => {
    source = await createSource(dir, feeds, { holdCores: false })
    return { ms: source.setupMs, key: Buffer.from(source.key).toString('hex') }
  })
  await step('build-close', async () => {
    const start = performance.now()
    await source!.close()
    return { ms: performance.now() - start, peakRssMb: peakRssMb() }
  })
}

async function victim(dir: string, feeds: number, keyHex: string): Promise<void> {
  // The store is open before the baseline: what is retained per feed is the multifeed's, not
  // the fixed cost of a Corestore (RocksDB handles, caches).
  const store = new Corestore(join(dir, 'source'))
  await step('store', async () => {
    const start = performance.now()
    await store.ready()
    return { ms: performance.now() - start }
  })
  // The same visit to the plain Corestore first: what any connection costs (TCP, Noise,
  // Corestore replication), so the multifeed's own share can be read off against it.
  await step('keyless-baseline', () =>
    medianVisit(() => store.replicate(false) as unknown as ReplicationStream),
  )
  const before = await retainedBytes()
  let multifeed: Multifeed | null = null
  await step('reopen', async () => {
    const start = performance.now()
    multifeed = new Multifeed(store, { key: keyHex, limits: limitsFor(feeds) })
    await multifeed.ready()
    const ms = performance.now() - start
    const known = multifeed.keys().length // keys(): feeds() would open every feed
    if (known !== feeds) throw new Error(`reopened with ${known} feeds, expected ${feeds}`)
    return { ms }
  })
  await step('memory', async () => {
    const after = await retainedBytes()
    return {
      heapPerFeed: (after.heap - before.heap) / feeds,
      externalPerFeed: (after.external - before.external) / feeds,
      rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    }
  })
  await step('keyless', () =>
    medianVisit(() => {
      const stream = multifeed!.replicate(false)
      stream.on('session-error', noop) // ERR_CHANNEL_REJECTED: the remote has no such multifeed
      return stream
    }),
  )
  await step('close', async () => {
    const start = performance.now()
    await multifeed!.close()
    const multifeedMs = performance.now() - start
    await store.close()
    return { ms: performance.now() - start, multifeedMs, peakRssMb: peakRssMb() }
  })
}

/**
 * This process's CPU while a peer without the multifeed key connects over TCP, replicates its
 * (empty) Corestore, waits for the connection to settle and disconnects. The victim does what
 * an application does on a connection: `multifeed.replicate()` on it. The keyless peer runs in
 * the parent process, so none of its CPU is counted here.
 */
async function keylessVisit(
  replicate: (socket: Socket) => ReplicationStream,
): Promise<Record<string, number>> {
  // Work left from the reopen (RocksDB's background threads count in cpuUsage too) must not
  // land in the window; then the idle CPU over a second sizes what waiting in the window adds.
  await settle()
  const idleStart = process.cpuUsage()
  await sleep(1000)
  const idlePerMs = cpuMs(idleStart) / 1000

  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  let windowStart = 0
  let cpuStart: NodeJS.CpuUsage | null = null
  const closed = new Promise<void>((resolve) => {
    server.once('connection', (socket: Socket) => {
      cpuStart = process.cpuUsage()
      windowStart = performance.now()
      socket.on('error', noop)
      const stream = replicate(socket)
      stream.on('error', noop)
      const raw = stream as unknown as NodeJS.ReadWriteStream
      raw.pipe(socket).pipe(raw)
      socket.once('close', () => {
        stream.destroy()
        resolve()
      })
    })
  })
  send({ step: 'keyless', phase: 'listening', port })
  await closed
  server.close()
  await settle()
  const windowMs = performance.now() - windowStart
  const used = cpuMs(cpuStart!)
  return { cpuMs: used, windowMs, idleCpuMs: idlePerMs * windowMs }
}

/** Visits of one kind, one after the other; the figures of the visit with the median CPU. */
async function medianVisit(
  replicate: (socket: Socket) => ReplicationStream,
): Promise<Record<string, number>> {
  const visits: Record<string, number>[] = []
  for (let i = 0; i < KEYLESS_VISITS; i++) visits.push(await keylessVisit(replicate))
  visits.sort((a, b) => a['cpuMs']! - b['cpuMs']!)
  return { ...visits[Math.floor(visits.length / 2)]!, visits: visits.length }
}

/** Keyless visits per kind: one is at the mercy of a load spike on a shared machine. */
const KEYLESS_VISITS = 5

/** Waits until this process used under 1 ms of CPU in each of two 100 ms windows (at most 60 s). */
async function settle(): Promise<void> {
  let calm = 0
  for (let waited = 0; waited < 60_000 && calm < 2; waited += 100) {
    const start = process.cpuUsage()
    await sleep(100)
    calm = cpuMs(start) < 1 ? calm + 1 : 0
  }
}

function noop(): void {}

const [mode, dir, feedsArg, keyHex] = process.argv.slice(2)
const feeds = Number(feedsArg)
const main =
  mode === 'fixture'
    ? fixture(dir!, feeds)
    : mode === 'victim'
      ? victim(dir!, feeds, keyHex!)
      : Promise.reject(new Error(`unknown mode ${mode}`))
main.then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`scale-child ${mode}: ${err.stack ?? err}\n`)
    process.exit(1)
  },
)

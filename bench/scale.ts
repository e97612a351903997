/**
 * Section `scale` (issue 14 item 5): one multifeed of N one-block feeds on an on-disk
 * Corestore. Per N: `ready()` after a reopen, `close()`, peak RSS, retained bytes per idle known
 * feed, and the CPU that a keyless peer's connect + disconnect costs the victim.
 *
 * Each N runs in child processes (bench/scale-child.ts, forked with --expose-gc): one builds
 * the fixture, a fresh one (the victim) reopens it and measures, so heap, RSS and CPU figures
 * are that process's own, and a step over its cap is stopped by killing the process instead of
 * hanging the bench. The keyless peer runs here, in the parent: its CPU is not the victim's.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import Corestore from 'corestore'
import { type BenchSection, type Cell, judge } from './report.js'
import type { ChildMessage } from './scale-child.js'

const CHILD = fileURLToPath(new URL('./scale-child.ts', import.meta.url))
/** The sizes the absolute targets of issue 14 are stated for. */
const TARGET_SIZE = 65_536
const BASE_SIZE = 1000

export interface ScaleOptions {
  sizes: number[]
  /** Cap on each measured step (reopen, memory, keyless, close). */
  capMs: number
  /** Cap on building a fixture (not a measured figure, but it must end too). */
  fixtureCapMs: number
  log?: (line: string) => void
}

type StepResult = Record<string, number | string>

interface ChildRun {
  steps: Map<string, StepResult>
  /** The step that ran over its cap (the child was killed), if any. */
  overCap: string | null
  /** Why the child failed otherwise. */
  failed: string | null
}

export async function run(opts: ScaleOptions): Promise<BenchSection> {
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-bench-scale-'))
  const keyless = new Corestore(join(dir, 'keyless'))
  const rows: BenchSection['rows'] = []
  const measured = new Map<number, ChildRun>()
  try {
    for (const n of opts.sizes) {
      const fixtureDir = join(dir, `fixture-${n}`)
      log(`scale N=${n}: building the fixture`)
      const built = await runChild(['fixture', fixtureDir, String(n)], () => opts.fixtureCapMs)
      const build = built.steps.get('build')
      const buildClose = built.steps.get('build-close')
      rows.push(
        row(
          n,
          'fixture build s',
          seconds(build?.['ms']),
          'N writers, one block each (not a target)',
        ),
      )
      if (!build || !buildClose) {
        const why = built.overCap ? `over the ${opts.fixtureCapMs / 1000} s cap` : built.failed
        rows.push(row(n, 'fixture', `not built: ${why}`, ''))
        continue
      }
      rows.push(
        row(n, 'fixture close s', seconds(buildClose['ms']), 'close right after building'),
        row(n, 'fixture peak RSS MB', buildClose['peakRssMb']!, 'the building process'),
      )
      log(`scale N=${n}: fixture built in ${seconds(build['ms'])} s; reopening in a fresh process`)
      const victim = await runChild(
        ['victim', fixtureDir, String(n), String(build['key'])],
        () => opts.capMs,
        (port) => keylessVisit(keyless, port),
      )
      measured.set(n, victim)
      rows.push(...victimRows(n, victim, measured.get(BASE_SIZE), opts.capMs))
      await rm(fixtureDir, { recursive: true, force: true })
    }
  } finally {
    await keyless.close()
    await rm(dir, { recursive: true, force: true })
  }
  return {
    name: 'scale: one multifeed of N one-block feeds on disk: reopen, close, memory, keyless peer',
    rows,
    notes: [
      `Sizes ${opts.sizes.join(', ')}. Each size: a child process builds the fixture, a fresh child (the victim) reopens it and measures; each step is capped at ${opts.capMs / 1000} s (the child is killed; "over cap").`,
      'reopen: new Multifeed + ready() on the reopened Corestore. close: multifeed.close() + store.close() (detail: the multifeed alone).',
      'retained B/feed: (heap + external) after gc with the reopened multifeed idle, minus the same with only the Corestore open, / N.',
      'keyless CPU: once the victim is calm, its process CPU (all threads) from accepting a TCP connection (it runs multifeed.replicate() on it) until it is calm again after the peer,',
      'which has a Corestore but not the multifeed key, waited for the connection to go quiet (250 ms) and disconnected. The keyless peer runs in the parent process.',
      `Targets (issue 14 item 5): at ${TARGET_SIZE} feeds reopen and close < 2 s each and within 80x of ${BASE_SIZE} feeds; every size: <= 2 KB retained per known feed, keyless connect + disconnect < 10 ms CPU.`,
      `The ${TARGET_SIZE} size runs in the full run and with BENCH_SCALE_MAX=${TARGET_SIZE}; without it the 2 s and 80x targets have no figure.`,
    ],
  }
}

function row(feeds: number, figure: string, value: Cell, detail: string): Record<string, Cell> {
  return { feeds, figure, value, detail }
}

function seconds(ms: number | string | undefined): number | string {
  return typeof ms === 'number' ? Math.round(ms) / 1000 : 'n/a'
}

/** Rows of the victim's figures; steps after one over its cap were not run. */
function victimRows(
  n: number,
  run: ChildRun,
  base: ChildRun | undefined,
  capMs: number,
): Record<string, Cell>[] {
  const atTarget = n === TARGET_SIZE
  const missing = (stepName: string): string =>
    run.overCap === stepName
      ? `over cap (${capMs / 1000} s)`
      : run.overCap
        ? `not run (${run.overCap} over cap)`
        : `not run (${run.failed ?? 'child failed'})`
  /** A time in seconds, judged against '< 2 s' at the target size. */
  const time = (stepName: string): Cell => {
    const result = run.steps.get(stepName)
    if (result) {
      const s = Number(seconds(result['ms']))
      return atTarget ? judge(s, '< 2 s') : s
    }
    if (run.overCap !== stepName)
      return atTarget ? judge(null, '< 2 s', { shown: missing(stepName) }) : missing(stepName)
    const capped = capMs / 1000
    return atTarget
      ? judge(capped, '< 2 s', { shown: missing(stepName), bound: 'at least' })
      : missing(stepName)
  }
  /** This size's step time over the base size's, judged at the target size. */
  const growth = (stepName: string): Cell => {
    const baseMs = base?.steps.get(stepName)?.['ms']
    if (n === BASE_SIZE || typeof baseMs !== 'number') return n === BASE_SIZE ? 1 : 'n/a'
    const result = run.steps.get(stepName)
    const capped = run.overCap === stepName
    if (!result && !capped) return atTarget ? judge(null, '<= 80x', { shown: 'n/a' }) : 'n/a'
    const ms = result ? Number(result['ms']) : capMs
    const ratio = +(ms / baseMs).toFixed(1)
    if (!atTarget) return ratio
    return judge(ratio, '<= 80x', capped ? { shown: `>= ${ratio}`, bound: 'at least' } : {})
  }
  const memory = run.steps.get('memory')
  const keyless = run.steps.get('keyless')
  const baseline = run.steps.get('keyless-baseline')
  const share =
    keyless && baseline
      ? Math.round((Number(keyless['cpuMs']) - Number(baseline['cpuMs'])) * 10) / 10
      : null
  const close = run.steps.get('close')
  const perFeed = memory
    ? Math.round(Number(memory['heapPerFeed']) + Number(memory['externalPerFeed']))
    : null
  return [
    row(
      n,
      'reopen s',
      time('reopen'),
      `new Multifeed + ready() (the Corestore opened before: ${seconds(run.steps.get('store')?.['ms'])} s)`,
    ),
    row(n, `reopen vs ${BASE_SIZE}`, growth('reopen'), 'linear would be N / 1000'),
    row(
      n,
      'retained B/feed',
      judge(perFeed, '<= 2048 B/feed (2 KB)', perFeed === null ? { shown: missing('memory') } : {}),
      memory
        ? `heap ${Math.round(Number(memory['heapPerFeed']))} + external ${Math.round(Number(memory['externalPerFeed']))}; RSS ${memory['rssMb']} MB`
        : '',
    ),
    row(
      n,
      'keyless connect+disconnect CPU ms',
      keyless ? Math.round(Number(keyless['cpuMs']) * 10) / 10 : missing('keyless'),
      keyless
        ? `over ${Math.round(Number(keyless['windowMs']))} ms; idle CPU over as long: ${Number(keyless['idleCpuMs']).toFixed(1)} ms`
        : '',
    ),
    row(
      n,
      'keyless, plain Corestore CPU ms',
      baseline ? Math.round(Number(baseline['cpuMs']) * 10) / 10 : missing('keyless-baseline'),
      'the same visit before the multifeed opened: TCP, Noise and Corestore replication alone',
    ),
    row(
      n,
      "keyless, the multifeed's share CPU ms",
      judge(share, '< 10 ms', share === null ? { shown: missing('keyless') } : {}),
      'median of 5 visits with the multifeed minus the median of 5 plain visits',
    ),
    row(
      n,
      'close s',
      time('close'),
      close ? `multifeed.close() ${seconds(close['multifeedMs'])} s` : '',
    ),
    row(n, `close vs ${BASE_SIZE}`, growth('close'), 'linear would be N / 1000'),
    row(
      n,
      'peak RSS MB',
      close ? close['peakRssMb']! : 'n/a',
      'the victim process, reopen to close',
    ),
  ]
}

/**
 * Forks scale-child.ts with --expose-gc; kills it when a step runs past `capFor(step)`. With
 * `onListening`, the child's keyless step is served by calling it with the child's TCP port.
 */
function runChild(
  args: string[],
  capFor: (step: string) => number,
  onListening?: (port: number) => Promise<void>,
): Promise<ChildRun> {
  const child: ChildProcess = fork(CHILD, args, {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  const result: ChildRun = { steps: new Map(), overCap: null, failed: null }
  let stderr = ''
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000)
  })
  let timer: NodeJS.Timeout | undefined
  let current: string | null = null
  child.on('message', (message: ChildMessage) => {
    if (message.phase === 'start') {
      current = message.step
      timer = setTimeout(() => {
        result.overCap = message.step
        child.kill('SIGKILL')
      }, capFor(message.step))
    } else if (message.phase === 'done') {
      clearTimeout(timer)
      current = null
      const { step, phase: _phase, ...values } = message
      result.steps.set(step, values)
    } else if (message.phase === 'listening' && onListening) {
      onListening(message.port).catch((err: Error) => {
        result.failed = `keyless peer: ${err.message}`
        child.kill('SIGKILL')
      })
    }
  })
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0 && result.overCap === null && result.failed === null) {
        result.failed = `${current ?? 'child'} failed (${code ?? signal}): ${stderr.trim().split('\n').at(-1) ?? ''}`
      }
      resolve(result)
    })
  })
}

/**
 * The keyless peer: connects, replicates its own (empty) Corestore, waits until nothing has
 * crossed the socket for 250 ms (at most 30 s), disconnects.
 */
async function keylessVisit(store: Corestore, port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', noop)
  const stream = store.replicate(true) as unknown as NodeJS.ReadWriteStream & {
    noiseStream: { opened: Promise<boolean> }
    destroy(): void
  }
  stream.pipe(socket).pipe(stream)
  const bound = new AbortController()
  const opened = await Promise.race([
    stream.noiseStream.opened,
    sleep(30_000, false, { signal: bound.signal }).catch(() => false),
  ]).finally(() => bound.abort())
  if (!opened) throw new Error('the Noise handshake with the victim did not complete')
  let last = -1
  for (let waited = 0, still = 0; waited < 30_000 && still < 250; waited += 50) {
    await sleep(50)
    const moved = socket.bytesRead + socket.bytesWritten
    still = moved === last ? still + 50 : 0
    last = moved
  }
  stream.destroy()
  socket.destroy()
}

function noop(): void {}

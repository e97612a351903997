/**
 * Section `mf6` (issue 10 item 4): multifeed 6 (hypercore 9) side by side with ours, same work
 * in the same run: N feeds of one block at A, B empty, streams piped, time until B holds block 0
 * of every feed. multifeed 6 runs as a child process (bench/peers/multifeed6/sync.cjs, installed
 * by `npm run bench:peers`), ours in this process as in the e2e section.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSource, median, multifeedRun, round } from './e2e.js'
import type { RunTiming } from './floor.js'
import { type BenchSection, judge } from './report.js'

export const PEER_DIR = fileURLToPath(new URL('./peers/multifeed6/', import.meta.url))

export interface Mf6Options {
  sizes: number[]
  rounds: (feeds: number) => number
  /** Cap on one multifeed 6 sync (and, separately, on its setup). */
  capMs: number
  /** Sizes with a target: ours at least 10x faster. */
  judgedSizes: number[]
  log?: (line: string) => void
}

/** One multifeed 6 run: its timings, or how and when it stopped before the end. */
type PeerRun =
  | { ok: true; setupMs: number; syncMs: number; cpuMs: number; remoteFeedsMs: number | null }
  | {
      ok: false
      /** 'over cap', 'out of memory', or the exit status and last line of stderr. */
      stopped: string
      phase: 'setup' | 'sync'
      setupMs: number | null
      /** Sync time until it stopped: a lower bound of its sync time (null: stopped in setup). */
      syncMs: number | null
    }

export function installed(): boolean {
  return existsSync(join(PEER_DIR, 'node_modules', 'multifeed', 'package.json'))
}

export async function run(opts: Mf6Options): Promise<BenchSection> {
  const name = 'mf6: ours vs multifeed 6 (hypercore 9), N feeds of one block, piped streams'
  if (!installed()) {
    return {
      name,
      rows: [],
      skipped: true,
      notes: [
        'skipped: multifeed 6 is not installed. Install it with `npm run bench:peers`, then `BENCH_ONLY=mf6 npm run bench`.',
      ],
    }
  }
  const log = opts.log ?? (() => {})
  const rows: BenchSection['rows'] = []
  const notes: string[] = []
  for (const n of opts.sizes) {
    const dir = await mkdtemp(join(tmpdir(), `multifeed-bench-mf6-${n}-`))
    try {
      const source = await createSource(dir, n)
      try {
        log(`mf6 N=${n}: our source ready in ${source.setupMs.toFixed(0)} ms`)
        const ours: RunTiming[] = []
        const theirs: PeerRun[] = []
        const rounds = opts.rounds(n)
        for (let r = 0; r < rounds; r++) {
          const order = r % 2 === 0 ? ['theirs', 'ours'] : ['ours', 'theirs']
          for (const which of order) {
            if (which === 'theirs') theirs.push(await peerRun(n, opts.capMs))
            else {
              const target = join(dir, `ours-${r}`)
              ours.push(await multifeedRun(source, target))
              await rm(target, { recursive: true, force: true })
            }
          }
          const last = theirs.at(-1)!
          log(
            `mf6 N=${n} round ${r + 1}/${rounds}: multifeed 6 ${showPeer(last)} ms (setup ${last.setupMs === null ? 'n/a' : round(last.setupMs)}), ours ${ours.at(-1)!.wallMs.toFixed(0)} ms`,
          )
          if (!last.ok) {
            // Another round would only wait out the cap (or the crash) again.
            if (r + 1 < rounds) {
              notes.push(
                `N=${n}: rounds stopped after round ${r + 1}: multifeed 6 ${last.stopped}.`,
              )
            }
            break
          }
        }
        rows.push(row(n, ours, theirs, opts))
      } finally {
        await source.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return {
    name,
    rows,
    notes: [
      ...notes,
      'multifeed 6: child process `node bench/peers/multifeed6/sync.cjs N`, both peers in memory (random-access-memory, 4 KiB pages); setup (N writers) not timed.',
      'ours: both peers on disk (Corestore in a temp dir), in this process, as the e2e section. Both: time from piping the streams to B holding block 0 of every feed.',
      `speedup: median over rounds of multifeed 6 / ours within the round (alternating which goes first). Cap: ${opts.capMs / 1000} s on a multifeed 6 sync (setup capped alike).`,
      "multifeed 6 runs with --max-old-space-size = max(4096, 0.6 MB x N + 1024) MB: it needs about 540 KB of JS heap per feed, and Node's default heap runs out at 10,000 feeds.",
      'A multifeed 6 run killed at the cap or crashed counts with its sync time until then: the speedup is then a lower bound (">=").',
      `target: ours at least 10x faster at ${opts.judgedSizes.join(' and ')} feeds (issue 10 item 4).`,
    ],
  }
}

function row(n: number, ours: RunTiming[], theirs: PeerRun[], opts: Mf6Options) {
  const stopped = theirs.filter((t) => !t.ok)
  // A run stopped in its sync gives a lower bound of its time; one stopped in setup gives none.
  const theirMs = theirs.map((t) => t.syncMs)
  const speedups = theirMs.flatMap((ms, i) => (ms === null ? [] : [ms / ours[i]!.wallMs]))
  const speedup = speedups.length > 0 ? +median(speedups).toFixed(1) : null
  const bounded = stopped.length > 0
  const shownSpeedup =
    speedup === null
      ? `n/a (multifeed 6 ${describeStops(theirs)})`
      : `${bounded ? '>= ' : ''}${speedup}x`
  const done = theirs.filter((t): t is Extract<PeerRun, { ok: true }> => t.ok)
  const setup = theirs.map((t) => t.setupMs).filter((ms): ms is number => ms !== null)
  return {
    feeds: n,
    rounds: theirs.length,
    'multifeed 6 ms': bounded ? describeStops(theirs) : round(median(theirMs as number[])),
    'ours ms': round(median(ours.map((t) => t.wallMs))),
    speedup: opts.judgedSizes.includes(n)
      ? judge(speedup, '>= 10x', {
          shown: shownSpeedup,
          ...(bounded ? { bound: 'at least' as const } : {}),
        })
      : shownSpeedup,
    'multifeed 6 cpu ms': done.length > 0 ? round(median(done.map((t) => t.cpuMs))) : 'n/a',
    'ours cpu ms': round(median(ours.map((t) => t.cpuMs))),
    'multifeed 6 remote-feeds ms': remoteFeeds(done),
    'multifeed 6 setup ms': setup.length > 0 ? round(median(setup)) : 'n/a',
    'multifeed 6 ms (all)': theirs.map(showPeer).join(' '),
    'ours ms (all)': ours.map((t) => round(t.wallMs)).join(' '),
  }
}

/** e.g. 'out of memory in sync after 212 s (1 of 1 runs)'. */
function describeStops(theirs: PeerRun[]): string {
  const stops = theirs.filter((t): t is Extract<PeerRun, { ok: false }> => !t.ok)
  const kinds = [...new Set(stops.map((t) => `${t.stopped} in ${t.phase}`))].join(', ')
  const after = stops.map((t) => t.syncMs).filter((ms): ms is number => ms !== null)
  const when = after.length > 0 ? ` after ${Math.round(Math.min(...after) / 1000)} s` : ''
  return `${kinds}${when} (${stops.length} of ${theirs.length} runs)`
}

function remoteFeeds(done: Extract<PeerRun, { ok: true }>[]): number | string {
  const values = done.map((t) => t.remoteFeedsMs).filter((ms): ms is number => ms !== null)
  return values.length > 0 ? round(median(values)) : 'n/a'
}

function showPeer(run: PeerRun): string {
  if (run.ok) return String(round(run.syncMs))
  return `[${run.stopped} in ${run.phase}${run.syncMs === null ? '' : ` after ${round(run.syncMs)}`}]`
}

/**
 * Runs multifeed 6 once at N feeds in a child process, killed when its setup or its sync runs
 * past the cap. It needs about 540 KB of JS heap per feed, more than Node's default heap holds
 * at 10,000 feeds, so the heap is raised to fit N (as its user would have to): the figure is
 * then its time, not a crash.
 */
function peerRun(n: number, capMs: number): Promise<PeerRun> {
  // The child is plain Node: none of this process's loader options (tsx) apply to it.
  const { NODE_OPTIONS: _ignored, ...env } = process.env
  const heapMb = Math.max(4096, Math.ceil(n * 0.6) + 1024)
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, 'sync.cjs', String(n)], {
    cwd: PEER_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let phase: 'setup' | 'sync' = 'setup'
    let setupMs: number | null = null
    let syncStart = 0
    let stdout = ''
    let stderr = ''
    let settled = false
    let timer = setTimeout(() => stop('over cap'), capMs)
    const stop = (stopped: string) => {
      const syncMs = phase === 'sync' ? performance.now() - syncStart : null
      settle({ ok: false, stopped, phase, setupMs, syncMs })
      kill(child)
    }
    const settle = (result: PeerRun | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    child.stdout!.setEncoding('utf8')
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk
      let newline = stdout.indexOf('\n')
      while (newline >= 0) {
        const line = stdout.slice(0, newline)
        stdout = stdout.slice(newline + 1)
        newline = stdout.indexOf('\n')
        const message = JSON.parse(line) as Record<string, number | string | null>
        if (message['phase'] === 'ready' && phase === 'setup') {
          phase = 'sync'
          syncStart = performance.now()
          setupMs = message['setupMs'] as number
          clearTimeout(timer)
          timer = setTimeout(() => stop('over cap'), capMs)
        } else if (message['phase'] === 'synced') {
          settle({
            ok: true,
            setupMs: message['setupMs'] as number,
            syncMs: message['syncMs'] as number,
            cpuMs: message['cpuMs'] as number,
            remoteFeedsMs: message['remoteFeedsMs'] as number | null,
          })
        }
      }
    })
    child.once('error', (err) => settle(err))
    child.once('exit', (code, signal) => {
      // A crash is a result (multifeed 6 runs out of heap at 10,000 feeds), not a bench failure.
      if (/heap out of memory/.test(stderr)) stop('out of memory')
      else {
        const last = stderr.trim().split('\n').at(-1) ?? ''
        stop(`exited (${code ?? signal})${last ? `: ${last}` : ''}`)
      }
    })
  })
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

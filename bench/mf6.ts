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

/** One multifeed 6 run: its timings, or how it stopped. */
type PeerRun =
  | { ok: true; setupMs: number; syncMs: number; cpuMs: number; remoteFeedsMs: number | null }
  | { ok: false; overCap: 'setup' | 'sync'; setupMs: number | null }

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
            `mf6 N=${n} round ${r + 1}/${rounds}: multifeed 6 ${showPeer(last, opts.capMs)}, ours ${ours.at(-1)!.wallMs.toFixed(0)} ms`,
          )
          if (!last.ok) {
            // Another round would only wait out the cap again.
            if (r + 1 < rounds)
              notes.push(
                `N=${n}: rounds stopped after round ${r + 1}: multifeed 6 ran over the cap.`,
              )
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
      `speedup: median over rounds of multifeed 6 / ours within the round (alternating which goes first). Cap: ${opts.capMs / 1000} s on a multifeed 6 sync (setup capped alike); a run over the cap is killed, its time counts as the cap, and the speedup is then a lower bound.`,
      `target: ours at least 10x faster at ${opts.judgedSizes.join(' and ')} feeds (issue 10 item 4).`,
    ],
  }
}

function row(n: number, ours: RunTiming[], theirs: PeerRun[], opts: Mf6Options) {
  const capped = theirs.filter((t) => !t.ok).length
  const theirMs = theirs.map((t) => (t.ok ? t.syncMs : opts.capMs))
  const speedups = theirMs.map((ms, i) => ms / ours[i]!.wallMs)
  const speedup = +median(speedups).toFixed(1)
  const shownSpeedup = capped > 0 ? `>= ${speedup}x` : `${speedup}x`
  const done = theirs.filter((t): t is Extract<PeerRun, { ok: true }> => t.ok)
  const setup = theirs.map((t) => t.setupMs).filter((ms): ms is number => ms !== null)
  return {
    feeds: n,
    rounds: theirs.length,
    'multifeed 6 ms': capped > 0 ? `${overCap(theirs, opts.capMs)}` : round(median(theirMs)),
    'ours ms': round(median(ours.map((t) => t.wallMs))),
    speedup: opts.judgedSizes.includes(n)
      ? judge(speedup, '>= 10x', {
          shown: shownSpeedup,
          ...(capped > 0 ? { bound: 'at least' as const } : {}),
        })
      : shownSpeedup,
    'multifeed 6 cpu ms': done.length > 0 ? round(median(done.map((t) => t.cpuMs))) : 'n/a',
    'ours cpu ms': round(median(ours.map((t) => t.cpuMs))),
    'multifeed 6 remote-feeds ms': remoteFeeds(done),
    'multifeed 6 setup ms': setup.length > 0 ? round(median(setup)) : 'n/a',
    'multifeed 6 ms (all)': theirs
      .map((t) => (t.ok ? round(t.syncMs) : `cap:${t.overCap}`))
      .join(' '),
    'ours ms (all)': ours.map((t) => round(t.wallMs)).join(' '),
  }
}

/** 'over cap (300 s, sync) in 1 of 3 runs', naming the phases that ran over. */
function overCap(theirs: PeerRun[], capMs: number): string {
  const phases = [...new Set(theirs.flatMap((t) => (t.ok ? [] : [t.overCap])))].join(', ')
  const capped = theirs.filter((t) => !t.ok).length
  return `over cap (${capMs / 1000} s, ${phases}) in ${capped} of ${theirs.length} runs`
}

function remoteFeeds(done: Extract<PeerRun, { ok: true }>[]): number | string {
  const values = done.map((t) => t.remoteFeedsMs).filter((ms): ms is number => ms !== null)
  return values.length > 0 ? round(median(values)) : 'n/a'
}

function showPeer(run: PeerRun, capMs: number): string {
  if (!run.ok) return `over cap (${capMs / 1000} s, ${run.overCap})`
  return `${run.syncMs.toFixed(0)} ms (setup ${run.setupMs.toFixed(0)})`
}

/** Runs multifeed 6 once at N feeds in a child process, killed when a phase exceeds the cap. */
function peerRun(n: number, capMs: number): Promise<PeerRun> {
  // The child is plain Node: none of this process's loader options (tsx) apply to it.
  const { NODE_OPTIONS: _ignored, ...env } = process.env
  const child = spawn(process.execPath, ['sync.cjs', String(n)], {
    cwd: PEER_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let phase: 'setup' | 'sync' = 'setup'
    let setupMs: number | null = null
    let stdout = ''
    let stderr = ''
    let settled = false
    let timer = setTimeout(() => stop('setup'), capMs)
    const stop = (overCap: 'setup' | 'sync') => {
      settle({ ok: false, overCap, setupMs })
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
      stderr += chunk
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
          setupMs = message['setupMs'] as number
          clearTimeout(timer)
          timer = setTimeout(() => stop('sync'), capMs)
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
      settle(
        new Error(`multifeed 6 sync exited (${code ?? signal}) before the end: ${stderr.trim()}`),
      )
    })
  })
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

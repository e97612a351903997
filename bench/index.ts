import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run as runChain } from './chain.js'
import { run as runCodec } from './codec.js'
import { run as runE2e } from './e2e.js'
import { run as runLive } from './live.js'
import { run as runMembership } from './membership.js'
import { run as runMf6 } from './mf6.js'
import { type BenchSection, printSection, summaryLines } from './report.js'
import { run as runScale } from './scale.js'
import { run as runState } from './state.js'
import { run as runSwarm } from './swarm.js'

/**
 * `npm run bench`: every section, printed as tables with each figure's target and verdict, and
 * written to bench/results/latest.json (plus a timestamped copy). BENCH_QUICK=1 shrinks sizes
 * and repetitions for a smoke run; BENCH_ONLY=e2e,chain,... runs a subset; BENCH_SCALE_MAX sets
 * the largest size of the scale section and BENCH_SCALE_CAP_S its cap per step. bench/README.md
 * lists every section, variable and target.
 */
const quick = process.env['BENCH_QUICK'] === '1'
const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim())
const log = (line: string): void => console.log(`  … ${line}`)

/**
 * The scale section's sizes: 1,000 and 10,000, and 65,536 in the full run (no BENCH_ONLY, no
 * BENCH_QUICK: it takes many minutes today); BENCH_SCALE_MAX=<n> sets the largest size.
 */
function scaleSizes(): number[] {
  const setting = process.env['BENCH_SCALE_MAX']
  const fullRun = !quick && only === undefined
  const max = setting ? Number(setting) : fullRun ? 65_536 : quick ? 1000 : 10_000
  if (!Number.isInteger(max) || max < 1) throw new Error(`BENCH_SCALE_MAX=${setting}: not a size`)
  const sizes = [1000, 10_000, 65_536].filter((n) => n <= max)
  if (!sizes.includes(max)) sizes.push(max)
  return sizes
}

// The in-memory sections run first, on a clean heap: after e2e has opened 10,000 cores the
// state machine's figures (and their Map reference) come out about 1.5x slower.
const sections: { id: string; run: () => Promise<BenchSection> }[] = [
  { id: 'codec', run: runCodec },
  { id: 'state', run: runState },
  { id: 'membership', run: runMembership },
  {
    id: 'e2e',
    run: () =>
      runE2e({
        // Small N is cheap and noisy: more repetitions there.
        sizes: quick ? [100, 1000] : [100, 1000, 10_000],
        repetitions: (n) => (quick ? (n <= 100 ? 5 : 3) : n <= 100 ? 15 : n <= 1000 ? 9 : 5),
        log,
      }),
  },
  {
    id: 'swarm',
    run: () =>
      runSwarm({
        sizes: quick ? [100] : [100, 1000],
        repetitions: (n) => (quick ? 2 : n <= 100 ? 9 : 5),
        log,
      }),
  },
  {
    id: 'mf6',
    run: () =>
      runMf6({
        sizes: quick ? [100] : [100, 1000, 10_000],
        rounds: (n) => (quick ? 2 : n <= 100 ? 5 : 3),
        capMs: 5 * 60_000,
        judgedSizes: [1000, 10_000],
        log,
      }),
  },
  { id: 'live', run: () => runLive({ blocks: quick ? 200 : 10_000, peers: 10, log }) },
  { id: 'chain', run: () => runChain({ feeds: quick ? 100 : 1000, log }) },
  {
    id: 'scale',
    run: () =>
      runScale({ sizes: scaleSizes(), capMs: scaleCapMs(), fixtureCapMs: 30 * 60_000, log }),
  },
]

/** Cap on each measured step of scale: 3 minutes, BENCH_SCALE_CAP_S=<seconds> to change it. */
function scaleCapMs(): number {
  const setting = process.env['BENCH_SCALE_CAP_S']
  const seconds = setting ? Number(setting) : 180
  if (!(seconds > 0)) throw new Error(`BENCH_SCALE_CAP_S=${setting}: not a number of seconds`)
  return seconds * 1000
}

const unknown = only?.filter((id) => !sections.some((section) => section.id === id)) ?? []
if (unknown.length > 0) {
  const ids = sections.map((section) => section.id).join(', ')
  throw new Error(`BENCH_ONLY: no section ${unknown.join(', ')} (sections: ${ids})`)
}

const results: BenchSection[] = []
const started = new Date()
for (const section of sections) {
  if (only && !only.includes(section.id)) continue
  // A section that throws (a run over its timeout, a crash) is reported and the run goes on.
  const result = await section.run().then(
    (done) => ({ id: section.id, ...done }),
    (err: Error) => ({ id: section.id, name: section.id, rows: [], failed: err.message }),
  )
  printSection(result)
  results.push(result)
}

const here = fileURLToPath(new URL('.', import.meta.url))
const dir = join(here, 'results')
await mkdir(dir, { recursive: true })
const report = JSON.stringify(
  {
    started: started.toISOString(),
    quick,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    sections: results,
  },
  null,
  2,
)
await writeFile(join(dir, 'latest.json'), report)
await writeFile(join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`), report)
const missed = summaryLines(results)
console.log(`\n## targets not met (${missed.length})`)
for (const line of missed) console.log(`  ${line}`)
console.log(`\nwritten: ${join(dir, 'latest.json')}`)

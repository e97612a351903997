import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run as runChain } from './chain.js'
import { run as runE2e } from './e2e.js'
import { type BenchSection, printSection } from './report.js'

/**
 * `npm run bench`: every section, printed as tables and written to bench/results/latest.json
 * (plus a timestamped copy). BENCH_QUICK=1 shrinks sizes and repetitions for a smoke run;
 * BENCH_ONLY=e2e,chain,state,codec runs a subset.
 */
const quick = process.env['BENCH_QUICK'] === '1'
const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim())
const log = (line: string): void => console.log(`  … ${line}`)

const sections: { id: string; run: () => Promise<BenchSection | null> }[] = [
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
  { id: 'chain', run: () => runChain({ feeds: quick ? 100 : 1000, log }) },
  { id: 'state', run: () => runOtherHelperSection('./state.js') },
  { id: 'codec', run: () => runOtherHelperSection('./codec.js') },
]

/** bench/state.ts and bench/codec.ts are written separately; a missing one is reported, not fatal. */
async function runOtherHelperSection(path: string): Promise<BenchSection | null> {
  let mod: { run?: () => Promise<BenchSection> }
  try {
    mod = await import(path)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code !== 'ERR_MODULE_NOT_FOUND') throw err
    console.log(`\n## ${path}: skipped (${(err as Error).message})`)
    return null
  }
  if (typeof mod.run !== 'function') {
    console.log(`\n## ${path}: skipped (no run() export)`)
    return null
  }
  return mod.run()
}

const results: BenchSection[] = []
const started = new Date()
for (const section of sections) {
  if (only && !only.includes(section.id)) continue
  const result = await section.run()
  if (result === null) continue
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
console.log(`\nwritten: ${join(dir, 'latest.json')}`)

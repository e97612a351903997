/**
 * Runs an implementation through the vector suites (in the spirit of the Autobahn test suite
 * and Wycheproof): every vector is one case, reported as passed, failed or skipped, and the
 * run ends with a summary per suite.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  Implementation,
  ImplementationBroken,
  ImplementationError,
  Skipped,
} from './implementation.js'
import { LINE_PROTOCOL } from './protocol.js'
import { SUITES } from './suites/index.js'
import { Mismatch, type Suite } from './suites/suite.js'

export type Status = 'pass' | 'fail' | 'skip'

export interface CaseResult {
  suite: string
  id: string
  title: string
  status: Status
  /** Why it failed or was skipped. */
  reason?: string
}

export interface SuiteSummary {
  suite: string
  file: string
  passed: number
  failed: number
  skipped: number
  /** Set when the suite's vector file is not in the vectors directory. */
  missing?: boolean
}

export interface Report {
  /** What the implementation said about itself in `hello`. */
  implementation: string
  results: CaseResult[]
  suites: SuiteSummary[]
  /** Set when the implementation stopped answering; later cases failed without running. */
  broken?: string
}

export interface RunOptions {
  command: string
  args: readonly string[]
  /** The directory holding codec.json, capability.json, traces.json, ... */
  vectorsDir: string
  /** Only these suites (default: all). */
  suites?: readonly string[]
  /** Milliseconds per response (default 30 s: a 1 MiB vector takes a while in slow languages). */
  timeout?: number
  /** Called as each case finishes (the CLI prints it). */
  onResult?: (result: CaseResult) => void
  /** Called before each suite's cases. */
  onSuite?: (suite: Suite, cases: number) => void
  onStderr?: (text: string) => void
}

/** The suites to run, checked against the known ones. */
export function selectSuites(names: readonly string[] | undefined): Suite[] {
  if (names === undefined || names.length === 0) return [...SUITES]
  return names.map((name) => {
    const suite = SUITES.find((s) => s.name === name)
    if (!suite) {
      throw new Error(
        `unknown suite ${JSON.stringify(name)} (known: ${SUITES.map((s) => s.name).join(', ')})`,
      )
    }
    return suite
  })
}

/** Runs the implementation through the selected suites and returns the report. */
export async function runConformance(options: RunOptions): Promise<Report> {
  const suites = selectSuites(options.suites)
  const implementation = new Implementation({
    command: options.command,
    args: options.args,
    timeout: options.timeout ?? 30_000,
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
  })
  const report: Report = { implementation: '', results: [], suites: [] }
  try {
    const hello = await implementation.call('runner', 'hello', 'hello', {
      protocol: LINE_PROTOCOL,
    })
    report.implementation = String(hello.implementation ?? '(unnamed)')
  } catch (err) {
    await implementation.close()
    throw new Error(`the implementation did not answer hello: ${(err as Error).message}`)
  }
  for (const suite of suites) {
    const summary: SuiteSummary = {
      suite: suite.name,
      file: suite.file,
      passed: 0,
      failed: 0,
      skipped: 0,
    }
    report.suites.push(summary)
    const path = join(options.vectorsDir, suite.file)
    if (!existsSync(path)) {
      summary.missing = true
      continue
    }
    const cases = suite.cases(JSON.parse(readFileSync(path, 'utf8')))
    options.onSuite?.(suite, cases.length)
    for (const vector of cases) {
      const result: CaseResult = {
        suite: suite.name,
        id: vector.id,
        title: vector.title,
        status: 'pass',
      }
      if (report.broken !== undefined) {
        result.status = 'fail'
        result.reason = `not run: ${report.broken}`
      } else {
        try {
          await vector.run(implementation)
        } catch (err) {
          if (err instanceof Skipped) {
            result.status = 'skip'
            result.reason = err.message
          } else if (
            err instanceof Mismatch ||
            err instanceof ImplementationError ||
            err instanceof ImplementationBroken
          ) {
            result.status = 'fail'
            result.reason =
              err instanceof ImplementationError ? `error: ${err.message}` : err.message
            if (err instanceof ImplementationBroken) report.broken = err.message
          } else {
            throw err
          }
        }
      }
      if (result.status === 'pass') summary.passed++
      else if (result.status === 'fail') summary.failed++
      else summary.skipped++
      report.results.push(result)
      options.onResult?.(result)
    }
  }
  await implementation.close()
  return report
}

/** Totals over every suite. */
export function totals(report: Report): { passed: number; failed: number; skipped: number } {
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const s of report.suites) {
    passed += s.passed
    failed += s.failed
    skipped += s.skipped
  }
  return { passed, failed, skipped }
}

/** One report line per case. */
export function formatResult(result: CaseResult): string {
  const label = { pass: 'pass', fail: 'FAIL', skip: 'skip' }[result.status]
  const reason = result.reason === undefined ? '' : `\n        ${result.reason}`
  return `  ${label}  ${result.suite} ${result.id}: ${result.title}${reason}`
}

/** The summary table. */
export function formatSummary(report: Report): string {
  const lines = ['summary']
  const row = (name: string, p: number, f: number, s: number, note = '') =>
    `  ${name.padEnd(12)} ${String(p).padStart(4)} passed ${String(f).padStart(4)} failed ${String(s).padStart(4)} skipped${note}`
  for (const s of report.suites) {
    lines.push(row(s.suite, s.passed, s.failed, s.skipped, s.missing ? `  (no ${s.file})` : ''))
  }
  const t = totals(report)
  lines.push(row('total', t.passed, t.failed, t.skipped))
  if (report.broken !== undefined) lines.push(`  the implementation broke off: ${report.broken}`)
  return lines.join('\n')
}

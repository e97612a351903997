#!/usr/bin/env node
/**
 * multifeed-conformance: runs an implementation of the multifeed protocol through every vector
 * of test/vectors/ over the line protocol (test/vectors/README.md, "Conformance runner").
 *
 *   multifeed-conformance [options] -- <command> [args...]
 *   multifeed-conformance [options] --reference
 *
 * Exit status: 0 when no vector failed, 1 when one did (or was skipped, with --no-skips),
 * 2 when the run could not be made (bad arguments, the implementation did not start).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { formatResult, formatSummary, runConformance, selectSuites, totals } from './runner.js'

const USAGE = `usage: multifeed-conformance [options] -- <command> [args...]
       multifeed-conformance [options] --reference

Starts <command>, speaks the line protocol of test/vectors/README.md on its stdin and stdout,
and runs it through every vector. --reference runs this package's own implementation.

options:
  --suite <name>    run only this suite (repeatable): codec, capability, traces,
                    membership
  --vectors <dir>   vector files to use (default: the ones shipped with this package)
  --timeout <ms>    time allowed per response (default 30000)
  --no-skips        a skipped vector counts as a failure
  --quiet           print only failures and the summary
  --help            this text`

interface CliOptions {
  suites: string[]
  vectorsDir: string
  timeout: number
  noSkips: boolean
  quiet: boolean
  command: string[]
}

/** The vectors of this file's package: test/vectors/, from src/conformance or dist/esm/conformance. */
const SHIPPED_VECTORS = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../../test/vectors/' : '../../../test/vectors/',
    import.meta.url,
  ),
)

/** This package's implementation as a command: the built server, or the source under tsx. */
function referenceCommand(): string[] {
  const here = import.meta.url
  if (here.endsWith('.ts')) {
    return [
      process.execPath,
      '--import',
      'tsx',
      fileURLToPath(new URL('./reference-server.ts', here)),
    ]
  }
  return [process.execPath, fileURLToPath(new URL('./reference-server.js', here))]
}

class UsageError extends Error {}

function parseArguments(argv: string[]): CliOptions | null {
  const options: CliOptions = {
    suites: [],
    vectorsDir: SHIPPED_VECTORS,
    timeout: 30_000,
    noSkips: false,
    quiet: false,
    command: [],
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new UsageError(`${arg} needs a value`)
      return next
    }
    switch (arg) {
      case '--':
        options.command = argv.slice(i + 1)
        i = argv.length
        break
      case '--reference':
        options.command = referenceCommand()
        break
      case '--suite':
        options.suites.push(value())
        break
      case '--vectors':
        options.vectorsDir = value()
        break
      case '--timeout': {
        const ms = Number(value())
        if (!Number.isInteger(ms) || ms <= 0)
          throw new UsageError('--timeout must be a positive integer')
        options.timeout = ms
        break
      }
      case '--no-skips':
        options.noSkips = true
        break
      case '--quiet':
        options.quiet = true
        break
      case '--help':
      case '-h':
        return null
      default:
        throw new UsageError(`unknown argument ${arg}`)
    }
  }
  if (options.command.length === 0)
    throw new UsageError('no implementation command (use -- <command>)')
  if (!existsSync(options.vectorsDir))
    throw new UsageError(`no vectors directory ${options.vectorsDir}`)
  selectSuites(options.suites)
  return options
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | null
  try {
    options = parseArguments(argv)
  } catch (err) {
    console.error(`multifeed-conformance: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (options === null) {
    console.log(USAGE)
    return 0
  }
  const [command, ...args] = options.command as [string, ...string[]]
  const stderr: string[] = []
  console.log(`multifeed-conformance: ${options.command.join(' ')}`)
  console.log(`vectors: ${options.vectorsDir}`)
  let report: Awaited<ReturnType<typeof runConformance>>
  try {
    report = await runConformance({
      command,
      args,
      vectorsDir: options.vectorsDir,
      suites: options.suites,
      timeout: options.timeout,
      onSuite: (suite, cases) => console.log(`\n${suite.name} (${suite.file}, ${cases} vectors)`),
      onResult: (result) => {
        if (!options.quiet || result.status === 'fail') console.log(formatResult(result))
      },
      onStderr: (text) => stderr.push(text),
    })
  } catch (err) {
    console.error(`multifeed-conformance: ${(err as Error).message}`)
    if (stderr.length > 0) console.error(`implementation stderr:\n${stderr.join('')}`)
    return 2
  }
  console.log(`\nimplementation: ${report.implementation}`)
  console.log(formatSummary(report))
  const { failed, skipped } = totals(report)
  if (report.broken !== undefined && stderr.length > 0) {
    console.log(`implementation stderr:\n${stderr.join('').slice(-4000)}`)
  }
  const ok = failed === 0 && (!options.noSkips || skipped === 0)
  console.log(ok ? 'result: PASS' : 'result: FAIL')
  return ok ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))

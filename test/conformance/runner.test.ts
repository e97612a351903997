/**
 * The conformance runner (src/conformance) against real implementations: the TypeScript
 * reference passes every vector, the Python example passes the codec, capability and
 * membership suites and has the traces skipped, and deliberately faulty implementations fail as
 * they should.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { runConformance, totals } from '../../src/conformance/runner.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const vectorsDir = `${root}test/vectors/`
const fixture = `${root}test/conformance/fixtures/faulty.mjs`
const faultyMembership = `${root}test/conformance/fixtures/faulty-membership.ts`
const tsx = [process.execPath, '--import', 'tsx']

const vectorCounts = () => {
  const read = (name: string) => JSON.parse(readFileSync(`${vectorsDir}${name}`, 'utf8'))
  return {
    codec: read('codec.json').numberOfTests as number,
    capability: read('capability.json').numberOfTests as number,
    traces: read('traces.json').numberOfTraces as number,
    // Its tests, plus the two header cases (namespace, multifeed).
    membership: (read('membership.json').numberOfTests as number) + 2,
  }
}

const python = spawnSync('python3', ['--version']).status === 0

describe('conformance runner', () => {
  test('the TypeScript reference passes every vector of every suite', async () => {
    const report = await runConformance({
      command: tsx[0]!,
      args: [...tsx.slice(1), `${root}src/conformance/reference-server.ts`],
      vectorsDir,
    })
    const failures = report.results.filter((r) => r.status !== 'pass')
    expect(failures).toEqual([])
    const counts = vectorCounts()
    expect(report.suites).toEqual([
      { suite: 'codec', file: 'codec.json', passed: counts.codec, failed: 0, skipped: 0 },
      {
        suite: 'capability',
        file: 'capability.json',
        passed: counts.capability,
        failed: 0,
        skipped: 0,
      },
      { suite: 'traces', file: 'traces.json', passed: counts.traces, failed: 0, skipped: 0 },
      {
        suite: 'membership',
        file: 'membership.json',
        passed: counts.membership,
        failed: 0,
        skipped: 0,
      },
    ])
  })

  test.skipIf(!python)(
    'the Python example passes codec, capability and membership; its traces are skipped, not failed (skipped without python3)',
    async () => {
      const report = await runConformance({
        command: 'python3',
        args: [`${root}conformance/python/multifeed.py`],
        vectorsDir,
      })
      const counts = vectorCounts()
      expect(report.implementation).toMatch(/Python/)
      expect(report.suites.map((s) => [s.suite, s.passed, s.failed, s.skipped])).toEqual([
        ['codec', counts.codec, 0, 0],
        ['capability', counts.capability, 0, 0],
        ['traces', 0, 0, counts.traces],
        ['membership', counts.membership, 0, 0],
      ])
    },
  )

  test('wrong answers fail the vectors they concern; skipped suites are reported as skipped', async () => {
    const report = await runConformance({
      command: process.execPath,
      args: [fixture, 'wrong-capability'],
      vectorsDir,
    })
    const counts = vectorCounts()
    expect(report.suites.map((s) => [s.suite, s.passed, s.failed, s.skipped])).toEqual([
      ['codec', 0, 0, counts.codec],
      ['capability', 0, counts.capability, 0],
      ['traces', 0, 0, counts.traces],
      ['membership', 0, 0, counts.membership],
    ])
    const failure = report.results.find((r) => r.status === 'fail')!
    expect(failure.reason).toMatch(/expected "[0-9a-f]{64}", got "0{64}"/)
  })

  test('membership faults fail exactly the vectors that catch them', async () => {
    const report = await runConformance({
      command: tsx[0]!,
      args: [...tsx.slice(1), faultyMembership, 'any-signature', 'add-wins', 'forget-waiting'],
      vectorsDir,
      suites: ['membership'],
    })
    expect(totals(report).skipped).toBe(0)
    const reasons = Object.fromEntries(
      report.results.filter((r) => r.status === 'fail').map((r) => [r.id, r.reason]),
    )
    // A lax verify: the forged signature and the signatures at the edges of spec 4.3.
    const badSignatures = ['10', '54', '55', '56', '57', '58']
    for (const id of badSignatures) {
      expect(reasons[id]).toBe('signatureValid: expected false, got true')
    }
    // An add that beats a remove: every set with a removed feed, in the first replay already.
    const removedFeeds = ['42', '43', '45', '46', '48']
    for (const id of removedFeeds) {
      expect(reasons[id]).toMatch(/^delivery 0 in one batch: members: expected /)
    }
    // Waiting operations stored later but not reported: every other set, once delivered in
    // reverse one at a time.
    const others = ['44', '47', '49', '50', '51', '52', '53', '62']
    for (const id of others) expect(reasons[id]).toMatch(/^delivery 1 one at a time: stored: /)
    expect(Object.keys(reasons).sort()).toEqual(
      [...badSignatures, ...removedFeeds, ...others].sort(),
    )
  })

  test('an implementation that crashes fails the vector in progress and every later one', async () => {
    const report = await runConformance({
      command: process.execPath,
      args: [fixture, 'crash'],
      vectorsDir,
      suites: ['capability'],
    })
    expect(report.broken).toMatch(/exited/)
    expect(totals(report)).toEqual({ passed: 0, failed: vectorCounts().capability, skipped: 0 })
  })
})

describe('multifeed-conformance (the bin)', () => {
  const cli = (...args: string[]) =>
    spawnSync(tsx[0]!, [...tsx.slice(1), `${root}src/conformance/cli.ts`, ...args], {
      encoding: 'utf8',
    })

  test('exit 0 and a summary when every vector passes', () => {
    const run = cli('--suite', 'capability', '--reference')
    expect(run.stdout).toMatch(/pass {2}capability 1: /)
    expect(run.stdout).toMatch(/capability\s+16 passed\s+0 failed\s+0 skipped/)
    expect(run.stdout).toMatch(/result: PASS/)
    expect(run.status).toBe(0)
  })

  test('exit 1 with FAIL lines when a vector fails, and with --no-skips when one is skipped', () => {
    const failing = cli(
      '--suite',
      'capability',
      '--quiet',
      '--',
      process.execPath,
      fixture,
      'wrong-capability',
    )
    expect(failing.stdout).toMatch(/FAIL {2}capability 1: /)
    expect(failing.stdout).not.toMatch(/pass {2}/)
    expect(failing.status).toBe(1)
    const skipping = cli(
      '--suite',
      'codec',
      '--no-skips',
      '--',
      process.execPath,
      fixture,
      'wrong-capability',
    )
    expect(skipping.stdout).toMatch(/skip {2}codec 1: /)
    expect(skipping.status).toBe(1)
  })

  test('exit 2 when the run cannot be made', () => {
    expect(cli('--suite', 'nonsense', '--reference').status).toBe(2)
    expect(cli().status).toBe(2)
    expect(cli('--', `${root}no-such-implementation`).status).toBe(2)
  })

  test('the package ships the bin and the vectors it reads', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
    const bin = pkg.bin['multifeed-conformance'] as string
    // The bin is the ESM build of src/conformance/cli.ts, which finds the vectors at
    // ../../../test/vectors from there.
    expect(bin).toBe('./dist/esm/conformance/cli.js')
    expect(readFileSync(`${root}src/conformance/cli.ts`, 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    )
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    )[0].files.map((f: { path: string }) => f.path)
    for (const file of [
      'codec.json',
      'capability.json',
      'traces.json',
      'membership.json',
      'README.md',
    ]) {
      expect(packed).toContain(`test/vectors/${file}`)
    }
    if (existsSync(`${root}${bin.slice(2)}`)) expect(packed).toContain(bin.slice(2))
  })
})

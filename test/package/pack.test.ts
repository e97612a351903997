/**
 * The package as a user installs it: a copy of the working tree without dist/ (a fresh clone) is
 * packed with `npm pack` (prepack builds), the tarball is installed into a new project, and there
 * a strict TypeScript consumer (ES module and CommonJS, skipLibCheck false), a classic CommonJS
 * TypeScript project, and the shipped JavaScript examples (.mjs and .cjs) are type-checked and
 * run. The CommonJS ones run with require(esm) disabled, as on Node 20.0 to 20.18.
 *
 * Offline: the consumer gets a lock file made from ours (our production tree plus @types/node), so
 * `npm ci --prefer-offline` installs from npm's cache after our own `npm ci`, with the versions we
 * test against (hypercore included), and never needs the registry's metadata.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
/** Not part of a fresh clone, or not needed to pack it. */
const SKIPPED = new Set(['node_modules', 'dist', 'docs-site', '.git', '.tmp', 'results'])
/** A Node without require(esm), like 20.0 to 20.18: `require` of an ES module fails. */
const NO_REQUIRE_ESM = '--no-experimental-require-module'

interface LockEntry {
  version?: string
  dev?: boolean
  dependencies?: Record<string, string>
  [field: string]: unknown
}

let work = ''
let consumer = ''
let packed: { filename: string; files: { path: string }[] }

async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`)
  }
}

/** A lock for the consumer: our production dependency tree, the tarball and @types/node. */
async function consumerLock(tarball: string, types: LockEntry, undici: LockEntry) {
  const ours = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8'))
  const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'))
  const packages: Record<string, LockEntry> = {}
  for (const [path, entry] of Object.entries<LockEntry>(ours.packages)) {
    if (path !== '' && !entry.dev) packages[path] = entry
  }
  const { dev: _dev1, ...typesEntry } = types
  const { dev: _dev2, ...undiciEntry } = undici
  const dependencies = { 'multifeed-protocol': `file:${tarball}`, '@types/node': types.version! }
  return {
    packageJson: { name: 'consumer', private: true, type: 'module', dependencies },
    lock: {
      name: 'consumer',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'consumer', dependencies },
        'node_modules/multifeed-protocol': {
          version: manifest.version,
          resolved: `file:${tarball}`,
          license: manifest.license,
          dependencies: manifest.dependencies,
          engines: manifest.engines,
          bin: manifest.bin, // npm links node_modules/.bin from the lock
        },
        ...packages,
        'node_modules/@types/node': typesEntry,
        'node_modules/undici-types': undiciEntry,
      },
    },
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'multifeed-package-test-'))
  const clone = join(work, 'clone')
  await cp(repo, clone, {
    recursive: true,
    filter: (source) => !SKIPPED.has(source.slice(source.lastIndexOf('/') + 1)),
  })
  await symlink(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir')
  const out = await sh('npm', ['pack', '--json', '--pack-destination', work], clone)
  packed = JSON.parse(out.slice(out.indexOf('[')))[0]

  consumer = join(work, 'consumer')
  await mkdir(consumer)
  const ours = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8'))
  const { packageJson, lock } = await consumerLock(
    `../${packed.filename}`,
    ours.packages['node_modules/@types/node'],
    ours.packages['node_modules/undici-types'],
  )
  await writeFile(join(consumer, 'package.json'), JSON.stringify(packageJson, null, 2))
  await writeFile(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 2))
  await cp(fixtures, consumer, { recursive: true })
  await sh('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], consumer)
  // The shipped examples, copied out of the installed package: they must resolve it by name.
  const examples = join(consumer, 'node_modules', 'multifeed-protocol', 'examples')
  for (const name of await readdir(examples)) await cp(join(examples, name), join(consumer, name))
})

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true })
})

describe('the packed package', () => {
  test('ships both builds, their types, the examples and no source maps', () => {
    const files = packed.files.map((file) => file.path)
    for (const file of [
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/types/hypercore.d.ts',
      'dist/cjs/index.js',
      'dist/cjs/package.json',
      'dist/cjs/types/hypercore.d.ts',
      'dist/esm/cli/main.js',
      'examples/quick-start.mjs',
      'examples/quick-start.cjs',
      'docs/migration.md',
    ]) {
      expect(files).toContain(file)
    }
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([])
    // The commands are ES modules only: no CommonJS copy of them.
    expect(files.filter((file) => /^dist\/cjs\/(cli|conformance\/cli)/.test(file))).toEqual([])
    // Only the vectors of test/ ship (the conformance runner reads them).
    expect(
      files.filter(
        (file) =>
          file.startsWith('src/') ||
          (file.startsWith('test/') && !file.startsWith('test/vectors/')),
      ),
    ).toEqual([])
  })

  test('a strict TypeScript consumer (ESM and CommonJS) type-checks with skipLibCheck false and runs', async () => {
    // consumer.ts holds `@ts-expect-error` on an unknown Hypercore member: were the handed-out
    // cores `any`, tsc would fail on the unused directive. own-ambient.d.ts is a consumer's own
    // `declare module 'hypercore'`, which must not clash with the package's types.
    await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer)
    const esm = await sh(process.execPath, ['build/consumer.js'], consumer)
    expect(esm).toMatch(/^esm .* hello from a$/m)
    const cjs = await sh(process.execPath, [NO_REQUIRE_ESM, 'build/consumer.cjs'], consumer)
    expect(cjs).toMatch(/^cjs function hello from a$/m)
  })

  test('a classic CommonJS TypeScript project (node10 resolution) type-checks', async () => {
    await sh(process.execPath, [tsc, '-p', 'tsconfig.classic.json'], consumer)
  })

  test('the shipped JavaScript examples run: ES module and CommonJS', async () => {
    for (const args of [['quick-start.mjs'], [NO_REQUIRE_ESM, 'quick-start.cjs']]) {
      const lines = (await sh(process.execPath, args, consumer)).trim().split('\n')
      // Each line is a feed's id (52 z-base-32 characters) and its first block.
      expect(lines.map((line) => line.replace(/^[a-z0-9]{52} /, '')).sort()).toEqual([
        'hello from a',
        'hello from b',
      ])
    }
  })
  test('the installed multifeed command runs: npx multifeed --help, and a multifeed offline', async () => {
    const help = await sh('npx', ['--no-install', 'multifeed', '--help'], consumer)
    expect(help).toMatch(/^multifeed \[flags\] \[command\]$/m)
    expect(help).toMatch(/^ {2}create {2,}Create a new multifeed/m)
    // Its dependencies (paparam, fd-lock's native lock) load from the installed tree.
    const bin = join(consumer, 'node_modules', '.bin', 'multifeed')
    const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'))
    expect((await sh(bin, ['--version'], consumer)).trim()).toBe(manifest.version)
    const storage = ['--storage', join(work, 'cli-storage')]
    await sh(bin, ['create', ...storage], consumer)
    const appended = JSON.parse(
      await sh(bin, ['append', 'from the tarball', '--json', ...storage], consumer),
    )
    expect(await sh(bin, ['cat', appended.feed, ...storage], consumer)).toBe('from the tarball\n')
  })

  test('the installed conformance runner passes the reference against the shipped vectors', async () => {
    // The bin as package.json declares it, run with node (as on a system without .bin links).
    const installed = join(consumer, 'node_modules', 'multifeed-protocol')
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'))
    const bin = join(installed, manifest.bin['multifeed-conformance'])
    const report = await sh(process.execPath, [bin, '--reference', '--quiet'], consumer)
    expect(report).toMatch(/total\s+\d+ passed\s+0 failed\s+0 skipped/)
    expect(report.trim().split('\n').at(-1)).toBe('result: PASS')
  })
})

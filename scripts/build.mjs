/**
 * `npm run build` (also run by `prepack`): a dual build into dist/.
 *
 * - dist/esm: ES modules (tsconfig.build.json), for `import`.
 * - dist/cjs: CommonJS (tsconfig.cjs.json), for `require` on every Node >= 20, including those
 *   without require(esm). Every runtime dependency is CommonJS, so both builds load the same
 *   dependency instances.
 *
 * Our untyped dependencies (hypercore, corestore, protomux, ...) are typed by types/*.d.ts.
 * Those files are modules, not `declare module` blocks: each build gets a copy in its types/
 * folder, and the bare specifiers in the emitted declarations are rewritten to point at it, so a
 * consumer type-checks with skipLibCheck false and no global declaration of ours can clash with
 * the consumer's own `declare module 'hypercore'`. The build fails if a declaration still imports
 * a module that has no types.
 */
import { spawn } from 'node:child_process'
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** Untyped dependency -> its declaration file in types/. */
const VENDORED = {
  hypercore: 'hypercore',
  corestore: 'corestore',
  protomux: 'protomux',
  hyperswarm: 'hyperswarm',
  hyperdht: 'hyperdht',
  '@hyperswarm/secret-stream': 'secret-stream',
  'hypercore-crypto': 'hypercore-crypto',
  'hypercore-id-encoding': 'hypercore-id-encoding',
  'sodium-universal': 'sodium-universal',
}
/** Bare specifiers a shipped declaration may keep: they bring their own types. */
const TYPED = new Set(['ready-resource', 'b4a', 'compact-encoding'])

const BUILDS = [
  { config: 'tsconfig.build.json', dir: 'esm', type: 'module' },
  { config: 'tsconfig.cjs.json', dir: 'cjs', type: 'commonjs' },
]

function run(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`tsc -p ${config} exited with ${code}`)),
    )
  })
}

async function* declarations(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* declarations(path)
    else if (entry.name.endsWith('.d.ts')) yield path
  }
}

const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|^import\s+)(['"])([^'"]+)\2/g
const COMMENT_LINE = /^\s*(\*|\/\*|\/\/)/

/** Points the untyped imports of one build's declarations at its copy of types/. */
async function vendorTypes(outDir) {
  const typesDir = join(outDir, 'types')
  await mkdir(typesDir, { recursive: true })
  for (const file of Object.values(VENDORED)) {
    await copyFile(join(root, 'types', `${file}.d.ts`), join(typesDir, `${file}.d.ts`))
  }
  const untyped = []
  for await (const path of declarations(outDir)) {
    const text = await readFile(path, 'utf8')
    // Code lines only: doc comments hold examples such as `import Corestore from 'corestore'`.
    const rewritten = text
      .split('\n')
      .map((line) => (COMMENT_LINE.test(line) ? line : rewriteLine(line, path, typesDir, untyped)))
      .join('\n')
    if (rewritten !== text) await writeFile(path, rewritten)
  }
  if (untyped.length > 0) {
    throw new Error(`declarations import modules without types:\n  ${untyped.join('\n  ')}`)
  }
}

function rewriteLine(line, path, typesDir, untyped) {
  return line.replace(SPECIFIER, (match, before, quote, name) => {
    const file = VENDORED[name]
    if (file === undefined) {
      const bare = !name.startsWith('.') && !name.startsWith('node:')
      if (bare && !TYPED.has(name)) untyped.push(`${relative(root, path)}: ${name}`)
      return match
    }
    let target = relative(dirname(path), join(typesDir, `${file}.js`))
      .split(sep)
      .join('/')
    if (!target.startsWith('.')) target = `./${target}`
    return `${before}${quote}${target}${quote}`
  })
}

await rm(dist, { recursive: true, force: true })
await Promise.all(BUILDS.map(({ config }) => run(config)))
for (const { dir, type } of BUILDS) {
  const outDir = join(dist, dir)
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`)
  await vendorTypes(outDir)
}

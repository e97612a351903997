/**
 * The README's quick start as a CommonJS script (`require`), against the published package: two
 * multifeeds in one process, each with a writer, synced over a pair of piped replication streams.
 * Run: `node examples/quick-start.cjs` (after `npm run build`, or from an installed package).
 */
const { once } = require('node:events')
const { mkdtemp, rm } = require('node:fs/promises')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { Multifeed } = require('multifeed-protocol')

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-quick-start-'))
  try {
    const a = new Multifeed(join(dir, 'a')) // a fresh random key: keep a.key, it is never on disk
    await a.ready()
    const b = new Multifeed(join(dir, 'b'), { key: a.key }) // the same multifeed elsewhere
    await b.ready()

    await (await a.writer('local')).append('hello from a')
    await (await b.writer('local')).append('hello from b')

    const streamA = a.replicate(true)
    const streamB = b.replicate(false)
    streamA.pipe(streamB).pipe(streamA)
    await Promise.all([once(streamA, 'synced'), once(streamB, 'synced')])

    for (const feed of b.feeds()) console.log(feed.id, String(await feed.get(0)))
    await Promise.all([a.close(), b.close()])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

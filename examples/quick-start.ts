/**
 * The README's quick start, runnable: two multifeeds in one script (the shape of multifeed 6's
 * "Simple" example), each with a writer, synced over a pair of piped replication streams.
 * Run: `npx tsx examples/quick-start.ts [dir]` (default: a fresh temp directory, removed after).
 */
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Multifeed } from '../src/index.js'

export async function quickStart(dir: string): Promise<string[]> {
  const a = new Multifeed(join(dir, 'a')) // a fresh random key
  await a.ready()
  const b = new Multifeed(join(dir, 'b'), { key: a.key }) // the same multifeed elsewhere
  await b.ready()

  const writerA = await a.writer('local')
  await writerA.append('hello from a')
  const writerB = await b.writer('local')
  await writerB.append('hello from b')

  const streamA = a.replicate(true)
  const streamB = b.replicate(false)
  streamA.pipe(streamB).pipe(streamA)
  // 'synced': every feed the remote offered is held at the length it advertised.
  await Promise.all([once(streamA, 'synced'), once(streamB, 'synced')])

  const seen: string[] = []
  for (const feed of b.feeds()) seen.push(String(await feed.get(0)))
  await Promise.all([a.close(), b.close()])
  return seen.sort()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'multifeed-quick-start-')))
  try {
    console.log(await quickStart(dir))
  } finally {
    if (process.argv[2] === undefined) await rm(dir, { recursive: true, force: true })
  }
}

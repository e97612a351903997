/**
 * multifeed 6 (hypercore 9) doing the work of the bench's mf6 section, in one process:
 * peer A writes N feeds of one block each, peer B starts empty, both in memory
 * (random-access-memory), their replication streams piped into each other.
 *
 *   node sync.cjs <N>
 *
 * Prints two JSON lines on stdout: {"phase":"ready","feeds":N,"setupMs":…} once A holds its
 * feeds (the caller may start its clock for the sync then), and at the end
 *   {"phase":"synced","feeds":N,"setupMs":…,"syncMs":…,"cpuMs":…,"remoteFeedsMs":…}
 * syncMs: from piping the streams to B holding block 0 of every one of the N feeds (the same
 * end point as the bench's own runs); cpuMs: this process's CPU over that interval (both peers
 * run in it); remoteFeedsMs: when both streams had emitted 'remote-feeds' (null if not before
 * the end). Exits 1 with a message on stderr on failure. The caller enforces the time cap.
 */
'use strict'

const multifeed = require('multifeed')
const RAM = require('random-access-memory')

const feeds = Number(process.argv[2])
if (!Number.isInteger(feeds) || feeds < 1) fail(new Error('usage: node sync.cjs <feeds >= 1>'))

function fail(err) {
  process.stderr.write(`multifeed6 sync: ${err?.stack ?? err}\n`)
  process.exit(1)
}

/**
 * A multifeed in memory: every file of every hypercore is its own RAM instance, with 4 KiB
 * pages. The default 1 MiB page makes each feed allocate and zero several MiB, and the run then
 * measures the allocator (1,000 feeds: 93 s instead of about 5 s on the bench machine).
 */
function open() {
  return new Promise((resolve) => {
    const mf = multifeed(() => new RAM({ pageSize: 4096 }), { valueEncoding: 'utf-8' })
    mf.ready(() => resolve(mf))
  })
}

function writeFeed(mf, i) {
  return new Promise((resolve, reject) => {
    mf.writer(`feed-${i}`, (err, feed) => {
      if (err) return reject(err)
      feed.append(`feed-${i}`, (appendErr) => (appendErr ? reject(appendErr) : resolve()))
    })
  })
}

/** Resolves once `expected` remote feeds of `mf` hold their block 0. */
function allFirstBlocks(mf, expected) {
  return new Promise((resolve) => {
    const counted = new Set()
    const check = (feed) => {
      if (feed.writable || counted.has(feed) || !feed.has(0)) return
      counted.add(feed)
      if (counted.size === expected) resolve()
    }
    mf.on('feed', (feed) => {
      feed.on('download', () => check(feed))
      feed.on('append', () => check(feed))
      check(feed)
    })
  })
}

async function main() {
  const setupStart = performance.now()
  const a = await open()
  const b = await open()
  // Batches keep the number of callbacks in flight bounded at N = 10,000.
  for (let i = 0; i < feeds; i += 256) {
    const batch = []
    for (let j = i; j < Math.min(feeds, i + 256); j++) batch.push(writeFeed(a, j))
    await Promise.all(batch)
  }
  const setupMs = performance.now() - setupStart
  process.stdout.write(`${JSON.stringify({ phase: 'ready', feeds, setupMs })}\n`)

  const done = allFirstBlocks(b, feeds)
  const start = performance.now()
  const cpu = process.cpuUsage()
  let remoteFeedsMs = null
  let remoteFeedsLeft = 2
  const onRemoteFeeds = () => {
    if (--remoteFeedsLeft === 0) remoteFeedsMs = performance.now() - start
  }
  const ra = a.replicate(true)
  const rb = b.replicate(false)
  ra.once('remote-feeds', onRemoteFeeds)
  rb.once('remote-feeds', onRemoteFeeds)
  ra.on('error', fail)
  rb.on('error', fail)
  ra.pipe(rb).pipe(ra)
  await done
  const syncMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000
  process.stdout.write(
    `${JSON.stringify({ phase: 'synced', feeds, setupMs, syncMs, cpuMs, remoteFeedsMs })}\n`,
  )
  // Tearing down thousands of hypercore 9 feeds is not part of the measurement.
  process.exit(0)
}

main().catch(fail)

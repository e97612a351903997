/**
 * `npm run demo`: three peers sync one multifeed through Hyperswarm on a loopback testnet.
 *
 * Each peer has an on-disk Corestore in a temp directory, writes to its own writer, joins the
 * multifeed's discovery key and syncs with the others. Prints progress, what every peer holds
 * and how long it took, then closes everything and removes the directory. Exits 1 if the peers
 * are not in sync within SYNC_TIMEOUT_MS.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import createTestnet, { type Testnet } from '@hyperswarm/testnet'
import b4a from 'b4a'
import Corestore from 'corestore'
import { Multifeed, Networker } from '../src/index.js'

// DEMO_SYNC_TIMEOUT_MS overrides the bound (e.g. to see the failure path).
const SYNC_TIMEOUT_MS = Number(process.env['DEMO_SYNC_TIMEOUT_MS'] ?? 60_000)
const PEERS = [
  { name: 'alice', entries: 200 },
  { name: 'bob', entries: 120 },
  { name: 'carol', entries: 60 },
]

interface Peer {
  name: string
  store: Corestore
  multifeed: Multifeed
  networker: Networker
}

/** Closing must not hang either: a last-resort bound on the whole run. */
const watchdog = setTimeout(() => {
  console.error(`demo failed: not finished after ${(SYNC_TIMEOUT_MS + 30_000) / 1000} s`)
  process.exit(1)
}, SYNC_TIMEOUT_MS + 30_000)
watchdog.unref()

async function main(): Promise<void> {
  const started = performance.now()
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-demo-'))
  let testnet: Testnet | null = null
  const peers: Peer[] = []
  try {
    // A local DHT on 127.0.0.1: nothing leaves this machine.
    testnet = await createTestnet(3, { host: '127.0.0.1' })
    let key: Uint8Array | undefined
    for (const { name, entries } of PEERS) {
      const store = new Corestore(join(dir, name))
      const multifeed = new Multifeed(store, { key, valueEncoding: 'utf-8' })
      await multifeed.ready()
      key = multifeed.key // the first peer creates the multifeed; the others are given its key
      const writer = await multifeed.writer()
      const lines = Array.from({ length: entries }, (_, i) => `${name} #${i}`)
      await writer.append(lines)
      const networker = new Networker(store, { bootstrap: testnet.bootstrap, host: '127.0.0.1' })
      peers.push({ name, store, multifeed, networker })
    }
    console.log(`multifeed ${b4a.toString(key!, 'hex').slice(0, 16)}… with ${peers.length} peers`)
    for (const { name, entries } of PEERS) console.log(`  ${name} wrote ${entries} entries`)

    const syncStart = performance.now()
    // All at once: join() looks up a second time, so peers that join together still meet.
    await Promise.all(peers.map((peer) => peer.networker.join(peer.multifeed)))
    await waitForSync(peers)
    const syncMs = performance.now() - syncStart

    console.log(`\nsynced in ${syncMs.toFixed(0)} ms (joins included)\n`)
    for (const peer of peers) {
      console.log(`${peer.name} holds ${peer.multifeed.keys().length} feeds:`)
      for (const core of peer.multifeed.feeds()) {
        await core.ready() // feeds() hands out sessions as store.get() does
        const owner = PEERS[peers.findIndex((p) => p.multifeed.feed(core.key!)?.writable)]?.name
        const last = await core.get(core.length - 1)
        const id = b4a.toString(core.key!, 'hex').slice(0, 12)
        console.log(`  ${id}… (${owner}'s) length ${core.length}, last entry "${last}"`)
      }
    }
    console.log(`\ndone in ${(performance.now() - started).toFixed(0)} ms in total`)
  } finally {
    for (const peer of peers) await peer.networker.destroy()
    for (const peer of peers) {
      await peer.multifeed.close()
      await peer.store.close()
    }
    await testnet?.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Every peer is synced with every other peer; prints a progress line from the multifeeds'
 * 'progress' events meanwhile (peers, feeds held / accepted, blocks held / advertised).
 */
async function waitForSync(peers: Peer[]): Promise<void> {
  const interactive = process.stdout.isTTY
  let lastPrinted = 0
  const line = (): string =>
    peers
      .map(({ name, multifeed }) => {
        const p = multifeed.progress()
        return `${name} ${p.peers} peers, feeds ${p.feedsHeld}/${p.feedsAccepted}, blocks ${p.blocksHeld}/${p.blocksAdvertised}`
      })
      .join(' | ')
  const done = (): boolean =>
    peers.every(
      ({ multifeed }) =>
        multifeed.synced &&
        multifeed.channels.length === peers.length - 1 &&
        multifeed.keys().length === peers.length,
    )
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => {
      finish()
      if (interactive) process.stdout.write('\n')
      reject(new Error(`peers not in sync after ${SYNC_TIMEOUT_MS / 1000} s (${line()})`))
    }, SYNC_TIMEOUT_MS)
    const onProgress = (): void => {
      const now = performance.now()
      if (interactive) process.stdout.write(`\rsyncing: ${line()}   `)
      else if (now - lastPrinted >= 250) {
        console.log(`syncing: ${line()}`)
        lastPrinted = now
      }
      if (!done()) return
      finish()
      if (interactive) process.stdout.write('\n')
      else console.log(`syncing: ${line()}`)
      resolve()
    }
    const finish = (): void => {
      clearTimeout(timeout)
      for (const { multifeed } of peers) {
        multifeed.off('progress', onProgress)
        multifeed.off('synced', onProgress)
      }
    }
    for (const { multifeed } of peers) {
      multifeed.on('progress', onProgress)
      multifeed.on('synced', onProgress)
    }
    onProgress() // in sync already (a late listener asks instead of waiting)
  })
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`demo failed: ${err.message}`)
    process.exit(1)
  },
)

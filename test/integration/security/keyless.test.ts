/**
 * Claim: a keyless peer that connects and disconnects gets nothing and leaves nothing behind
 * (issue 14, items 1 and 5; spec/security.md "Peers without the key"). Played over a real
 * Hyperswarm on a loopback testnet: the keyless peer knows the victim's public key only (as any
 * DHT node may learn it) and dials it directly; the victim runs a Networker with a multifeed.
 */
import { createHook } from 'node:async_hooks'
import type NoiseSecretStream from '@hyperswarm/secret-stream'
import createTestnet from '@hyperswarm/testnet'
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { describe, expect, test } from 'vitest'
import { Networker } from '../../../src/index.js'
import { disconnect, eventually, HypercoreOpens, noisePair, sleep } from './attacker.js'
import { closeAtEnd, multifeed, store, writer } from './peers.js'

const HANDSHAKE_TIMEOUT = 300

/** Timers created while `record` is on, with where they were created; forgotten once they end. */
function timerWatch() {
  const live = new Map<number, string>()
  const ours = (stack: string) =>
    /[/\\](src[/\\]adapters|corestore|hypercore[/\\]|protomux)/.test(stack) &&
    // Hyperswarm's periodic refresh of a joined topic (re-armed by the Networker's second
    // discovery round after join) lives as long as the topic is joined, not per connection.
    !/PeerDiscovery\._refreshLater/.test(stack)
  let recording = false
  let created = 0
  const hook = createHook({
    init(id, type) {
      if (!recording || type !== 'Timeout') return
      const stack = new Error().stack ?? ''
      live.set(id, stack)
      if (/[/\\]src[/\\]adapters/.test(stack)) created++
    },
    destroy(id) {
      live.delete(id)
    },
  }).enable()
  return {
    start() {
      recording = true
    },
    stop() {
      recording = false
    },
    /** Creation stacks of the recorded timers still pending, from the libraries we drive. */
    pending(): string[] {
      return [...live.values()].filter(ours)
    },
    /** How many timers the multifeed adapter created while recording (the watch sees them). */
    get created() {
      return created
    },
    disable() {
      hook.disable()
    },
  }
}

describe('a keyless peer', () => {
  test('connects, is refused nothing it could use, and leaves no open core, channel or timer behind', async () => {
    const testnet = await createTestnet(3, { host: '127.0.0.1' })
    closeAtEnd({ close: () => testnet.destroy() })
    const swarmOf = (keyPair = DHT.keyPair()) => {
      const swarm = new Hyperswarm({
        keyPair,
        dht: new DHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }),
      })
      closeAtEnd({ close: () => swarm.destroy() })
      return swarm
    }

    const victimStore = await store()
    const plain = victimStore.get({ name: 'another application' })
    await plain.append(b4a.from('public'))
    const mf = await multifeed(victimStore, {
      key: crypto.randomBytes(32),
      limits: { handshakeTimeout: HANDSHAKE_TIMEOUT },
    })
    await writer(mf, 'own', 'o0')
    const victimKeys = DHT.keyPair()
    const networker = new Networker(victimStore, { swarm: swarmOf(victimKeys) })
    closeAtEnd({ close: () => networker.destroy() })
    await networker.join(mf)
    const failures: string[] = []
    mf.on('session-error', (err: { code: string }) => failures.push(err.code))
    const opened: unknown[] = []
    const onCore = (core: unknown) => opened.push(core)
    victimStore.watch(onCore)
    const timers = timerWatch()
    try {
      // rejecting: a protomux peer without the key refuses the multifeed channel at once.
      // silent: it neither accepts nor refuses (pairs every 'multifeed' open and never answers),
      // so only the handshake timeout ends it; it leaves before or after that deadline.
      for (const kind of [
        'rejecting',
        'silent, leaves after the timeout',
        'silent, leaves before the timeout',
      ]) {
        timers.start()
        const failuresBefore = failures.length
        const keyless = swarmOf()
        const connected = new Promise<[NoiseSecretStream, HypercoreOpens]>((resolve) => {
          keyless.once('connection', (conn: NoiseSecretStream) => {
            conn.on('error', () => {})
            const opens = new HypercoreOpens(conn)
            if (kind !== 'rejecting') {
              opens.mux.pair({ protocol: 'multifeed' }, () => new Promise(() => {}))
            }
            resolve([conn, opens])
          })
        })
        keyless.joinPeer(victimKeys.publicKey)
        const [conn, opens] = await connected
        await eventually('the plain core was opened to the keyless peer', () =>
          opens.saw(plain.discoveryKey),
        )
        if (kind === 'rejecting') {
          await eventually('the channel was refused', () => failures.length > failuresBefore)
          expect(failures.slice(failuresBefore)).toEqual(['ERR_CHANNEL_REJECTED'])
        } else if (kind === 'silent, leaves after the timeout') {
          await eventually('the handshake timed out', () => failures.length > failuresBefore)
          expect(failures.slice(failuresBefore)).toEqual(['ERR_HANDSHAKE_TIMEOUT'])
        }
        expect(opens.seenAmong(mf.keys().map((key) => crypto.discoveryKey(key)))).toEqual([])
        const gone = new Promise((resolve) => conn.once('close', resolve))
        keyless.leavePeer(victimKeys.publicKey)
        conn.destroy()
        await gone
        await eventually(
          'the victim dropped the connection',
          () => networker.connections.length === 0,
        )
        await keyless.destroy()
        timers.stop()
        // The adapter's own timers (the handshake deadline) end with the connection, not later.
        const adapterTimers = timers
          .pending()
          .filter((stack) => /[/\\]src[/\\]adapters/.test(stack))
        expect({ kind, adapterTimers }).toEqual({ kind, adapterTimers: [] })
        await sleep(HANDSHAKE_TIMEOUT + 200) // past the handshake deadline in every case
        expect({ kind, pending: timers.pending() }).toEqual({ kind, pending: [] })
        if (kind !== 'rejecting') expect(timers.created).toBeGreaterThan(0) // the deadline's
        if (kind === 'silent, leaves before the timeout') {
          // Its deadline died with the connection, and the disconnect is no refusal either.
          expect(failures.slice(failuresBefore)).toEqual([])
        }
      }
      expect(opened).toEqual([]) // no core was opened on a keyless peer's behalf
      expect(mf.channels).toEqual([])
    } finally {
      victimStore.unwatch(onCore)
      timers.disable()
    }
  })

  // MultifeedChannel (src/adapters/protomux-channel.ts) tells a refusal from a lost connection:
  // protomux closes pending channels with isRemote true on stream end too, so a remote close
  // before the remote opened counts as a refusal only while the stream stands (research-14
  // section 7, "How a rejected open is reported"); collection.md 4.4 gets `rejected: false`.
  test('a peer that goes away before answering the channel is not reported as refusing it', async () => {
    const victimStore = await store()
    const mf = await multifeed(victimStore)
    const failures: string[] = []
    mf.on('session-error', (err: { code: string }) => failures.push(err.code))
    const pair = noisePair()
    const opens = new HypercoreOpens(pair[1])
    let asked = false
    opens.mux.pair({ protocol: 'multifeed' }, () => {
      asked = true
      return new Promise(() => {}) // never accepts, never refuses
    })
    mf.replicate(pair[0])
    await eventually('the victim opened its channel', () => asked)
    await disconnect(pair)
    await sleep(50)
    expect(failures).not.toContain('ERR_CHANNEL_REJECTED')
  })
})

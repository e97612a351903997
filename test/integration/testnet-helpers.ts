import createTestnet, { type Testnet } from '@hyperswarm/testnet'
import b4a from 'b4a'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { Networker } from '../../src/adapters/networker.js'
import type { Harness } from './helpers/harness.js'

export type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array }

/** A local DHT on 127.0.0.1 (never the public bootstrap), destroyed at the harness teardown. */
export async function loopbackTestnet(h: Harness): Promise<Testnet> {
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  // Registered first, so it is closed last (the harness closes newest first).
  h.closable({ close: () => testnet.destroy() })
  return testnet
}

export interface SwarmPeer {
  store: Corestore
  swarm: Hyperswarm
  networker: Networker
  keyPair: KeyPair
}

export interface SwarmPeerOptions {
  keyPair?: KeyPair
  /** Public keys this peer may connect to (both directions); absent: everyone. */
  allow?: () => Uint8Array[]
  /** Reuse an existing store (e.g. to rejoin with a new swarm). */
  store?: Corestore
  /** The Networker's closeIdleAfter (ms). */
  closeIdleAfter?: number
}

/**
 * A peer on the testnet: an on-disk Corestore, a Hyperswarm on a 127.0.0.1 DHT node and a
 * Networker. The swarm and networker are torn down before the stores and the testnet.
 */
export async function swarmPeer(
  h: Harness,
  testnet: Testnet,
  opts: SwarmPeerOptions = {},
): Promise<SwarmPeer> {
  const store = opts.store ?? (await h.store())
  const keyPair = opts.keyPair ?? DHT.keyPair()
  const allow = opts.allow
  const swarm = new Hyperswarm({
    keyPair,
    dht: new DHT({ bootstrap: testnet.bootstrap, host: '127.0.0.1' }),
    firewall: allow
      ? (remotePublicKey) => !allow().some((pk) => b4a.equals(pk, remotePublicKey))
      : undefined,
  })
  const networker = new Networker(store, {
    swarm,
    ...(opts.closeIdleAfter === undefined ? {} : { closeIdleAfter: opts.closeIdleAfter }),
  })
  h.closable({
    close: async () => {
      await networker.destroy()
      await swarm.destroy()
    },
  })
  return { store, swarm, networker, keyPair }
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Feed key hex -> length, for comparing what two multifeeds hold. */
export function holdings(feeds: Hypercore[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const core of feeds) out[b4a.toString(core.key!, 'hex')] = core.contiguousLength
  return out
}

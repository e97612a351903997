/**
 * Claim: multifeeds that share a Corestore never hurt each other (issue 14, item 3). A feed held
 * by two multifeeds X and Y of one store (one Hypercore: the user's identity feed, the same key
 * pair in both): what Y does to it must not change what X's peers get, nor X's data.
 */
import b4a from 'b4a'
import type Corestore from 'corestore'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import type { Multifeed } from '../../../src/index.js'
import { disconnect, eventually } from './attacker.js'
import { closeAtEnd, link, multifeed, store, tempDir } from './peers.js'

const text = (block: unknown) => b4a.toString(block as Uint8Array)

/** The block `index` of `core`, waiting for replication at most `timeout` ms. */
async function fetched(
  core: { get(i: number, o: object): Promise<unknown> },
  index: number,
  timeout = 5000,
) {
  return text(await core.get(index, { timeout }))
}

/** What the store holds of `key` on disk: its length and whether block 0 is there. */
async function onDisk(s: Corestore, key: Uint8Array) {
  const core = s.get({ key })
  await core.ready()
  const held = { length: core.length, has0: await core.has(0) }
  await core.close()
  return held
}

describe('multifeeds sharing a Corestore', () => {
  test("Y.block(K), Y.remove(K) and Y.close() leave X's replication of K and X's data untouched", async () => {
    const kx = crypto.randomBytes(32)
    const ky = crypto.randomBytes(32)
    const identity = crypto.keyPair()
    const victimStore = await store()
    const x = await multifeed(victimStore, { key: kx })
    const y = await multifeed(victimStore, { key: ky })
    const shared = await x.writer('me', { keyPair: identity })
    await y.writer('me', { keyPair: identity })
    await shared.append(b4a.from('k0'))

    // One peer in both multifeeds, over one connection, as a Networker would carry them.
    const peerStore = await store()
    const xPeer = await multifeed(peerStore, { key: kx })
    const yPeer = await multifeed(peerStore, { key: ky })
    const connection = link(victimStore, peerStore, [
      [x, xPeer],
      [y, yPeer],
    ])
    await connection.synced
    const copy = xPeer.feed(shared.key)!
    expect(await fetched(copy, 0)).toBe('k0')

    await y.block(shared.key)
    await shared.append(b4a.from('k1'))
    expect(await fetched(copy, 1)).toBe('k1') // X still replicates K live on the connection

    await y.remove(shared.key)
    expect(y.feed(shared.key)).toBeNull()
    await shared.append(b4a.from('k2'))
    expect(await fetched(copy, 2)).toBe('k2')
    // X's data is whole, and X's writer still writes.
    const mine = x.feed(shared.key)!
    expect(mine.writable).toBe(true)
    for (const [index, value] of ['k0', 'k1', 'k2'].entries()) {
      expect(text(await mine.get(index, { wait: false }))).toBe(value)
    }

    // Y closing (its gate allowances and governance released) leaves X's replication of K alone.
    await y.close()
    await shared.append(b4a.from('k3'))
    expect(await fetched(copy, 3)).toBe('k3')

    // A new member of X (connected after Y blocked and removed K) gets K from the victim alone.
    await disconnect(connection.pair)
    const laterStore = await store()
    const later = await multifeed(laterStore, { key: kx })
    const second = link(victimStore, laterStore, [[x, later]])
    await second.synced
    expect(await fetched(later.feed(shared.key)!, 3)).toBe('k3')
  })

  for (const where of ['the root store', 'a namespace of the store'] as const) {
    test(`remove clears a feed only when no other multifeed of the store holds it, open or not (${where})`, async () => {
      const dir = await tempDir()
      const root = await store(dir)
      const given = (): Corestore =>
        where === 'the root store' ? root : closeAtEnd(root.namespace('application'))
      const kx = crypto.randomBytes(32)
      const ky = crypto.randomBytes(32)
      const identity = crypto.keyPair()
      let x: Multifeed | null = await multifeed(given(), { key: kx })
      const y = await multifeed(given(), { key: ky })
      const shared = await x.writer('me', { keyPair: identity })
      await y.writer('me', { keyPair: identity })
      await shared.append([b4a.from('k0'), b4a.from('k1')])
      // A feed only Y holds, cleared by remove (the control).
      const own = await y.writer('own')
      await own.append(b4a.from('o0'))

      // X is not open while Y removes K.
      await x.close()
      x = null
      await y.remove(shared.key)
      expect(await onDisk(root, shared.key)).toEqual({ length: 2, has0: true })
      await y.remove(own.key)
      expect((await onDisk(root, own.key)).has0).toBe(false)

      // X reopened still has its feed and its data; once X removes it too, it is cleared.
      const reopened = await multifeed(given(), { key: kx })
      const mine = reopened.feed(shared.key)!
      await mine.ready()
      expect(text(await mine.get(1, { wait: false }))).toBe('k1')
      await reopened.remove(shared.key)
      await eventually('the blocks are cleared', async () => !(await onDisk(root, shared.key)).has0)
    })
  }
})

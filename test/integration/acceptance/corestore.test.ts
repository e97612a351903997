/**
 * Acceptance, group "corestore fork": @frando/corestore-multifeed's tests (several multifeeds on
 * one connection stay separate; a multifeed joins an existing Hypercore replication stream).
 */
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { feedKeys, getBlock, heldBlock, hex, writerWith } from '../helpers/feeds.js'
import { harness } from '../helpers/harness.js'
import { pipeBoth } from '../helpers/streams.js'
import { once } from '../helpers/wait.js'

const json = { valueEncoding: 'json' } as const
const sorted = (keys: string[]) => [...keys].sort()

describe('corestore fork', () => {
  test('two multifeeds over one store stay separate (and over one connection)', async () => {
    const h = harness()
    const keyA = crypto.randomBytes(32)
    const keyB = crypto.randomBytes(32)
    const store1 = await h.store()
    const store2 = await h.store()
    const m1a = h.multifeed(store1, { ...json, key: keyA })
    const m1b = h.multifeed(store1, { ...json, key: keyB })
    const m2a = h.multifeed(store2, { ...json, key: keyA })
    const m2b = h.multifeed(store2, { ...json, key: keyB })
    // Same writer name in both multifeeds of one store: still two different feeds.
    const w1a = await writerWith(m1a, 'default', '1a')
    const w1b = await writerWith(m1b, 'default', '1b')
    const w2a = await writerWith(m2a, 'default', '2a')
    const w2b = await writerWith(m2b, 'default', '2b')
    expect(hex(w1a.key)).not.toBe(hex(w1b.key))
    expect(hex(w2a.key)).not.toBe(hex(w2b.key))

    // One Corestore replication stream carries both multifeeds.
    const s1 = store1.replicate(true)
    const s2 = store2.replicate(false)
    const synced = [m1a, m1b, m2a, m2b].map((m) => once(m, 'synced'))
    m1a.replicate(s1)
    m1b.replicate(s1)
    m2a.replicate(s2)
    m2b.replicate(s2)
    const errors: Error[] = []
    pipeBoth(h, s1, s2, errors)
    await Promise.all(synced)

    expect(sorted(feedKeys(m1a))).toEqual(sorted([hex(w1a.key), hex(w2a.key)]))
    expect(sorted(feedKeys(m2a))).toEqual(sorted([hex(w1a.key), hex(w2a.key)]))
    expect(sorted(feedKeys(m1b))).toEqual(sorted([hex(w1b.key), hex(w2b.key)]))
    expect(sorted(feedKeys(m2b))).toEqual(sorted([hex(w1b.key), hex(w2b.key)]))
    expect(await heldBlock(m2b.feed(w1b.key)!, 0)).toBe('1b')
    expect(await heldBlock(m1a.feed(w2a.key)!, 0)).toBe('2a')

    // Closing one multifeed of the store leaves the other one (and the connection) working.
    await m1a.close()
    await w1b.append('1b again')
    expect(await getBlock(m2b.feed(w1b.key)!, 1)).toBe('1b again')
    expect(m1b.feeds()).toHaveLength(2)
    expect(errors).toEqual([])
  })

  test('a multifeed over an existing Hypercore replication stream', async () => {
    const h = harness()
    const key = crypto.randomBytes(32)
    const store1 = await h.store()
    const store2 = await h.store()
    // A plain core replicating before any multifeed exists.
    const plain = store1.get({ name: 'plain', valueEncoding: 'json' })
    await plain.append('plain 0')
    const s1 = store1.replicate(true)
    const s2 = store2.replicate(false)
    const errors: Error[] = []
    pipeBoth(h, s1, s2, errors)
    const plainCopy = store2.get({ key: plain.key, valueEncoding: 'json' })
    expect(await getBlock(plainCopy, 0)).toBe('plain 0')

    const m1 = h.multifeed(store1, { ...json, key })
    const m2 = h.multifeed(store2, { ...json, key })
    const w1 = await writerWith(m1, undefined, 'foo')
    const w2 = await writerWith(m2, undefined, 'bar')
    const [r1, r2] = [m1.replicate(s1), m2.replicate(s2)]
    expect(r1).toBe(s1)
    expect(r2).toBe(s2)
    await Promise.all([once(s1, 'synced'), once(s2, 'synced')])
    expect(feedKeys(m1)).toEqual([hex(w1.key), hex(w2.key)])
    expect(feedKeys(m2)).toEqual([hex(w2.key), hex(w1.key)])
    expect(await heldBlock(m1.feed(w2.key)!, 0)).toBe('bar')
    expect(await heldBlock(m2.feed(w1.key)!, 0)).toBe('foo')

    // The shared stream still carries the plain core.
    await plain.append('plain 1')
    expect(await getBlock(plainCopy, 1)).toBe('plain 1')
    expect(errors).toEqual([])
  })
})

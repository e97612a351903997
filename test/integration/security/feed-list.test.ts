/**
 * Claim: the feed list never leaves the machine (issue 14, item 4; spec/security.md "Privacy of
 * the local feed list"), even for a peer that knows the keys of the cores it lives in: the
 * anchor core (its userData holds the list), the legacy feed-list core of version 0.1 (a JSON log,
 * migrated and cleared) and the store's registry of multifeeds.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { eventually, hex, keyHolder, tryFetch } from './attacker.js'
import { link, METADATA_CORES, metadataCores, multifeed, store, tempDir, writer } from './peers.js'

/** The anchor's first chunk of feed records (src/adapters/corestore/feed-list.ts). */
const FIRST_CHUNK = 'c/00000000'

describe('the feed list stays local', () => {
  test('a peer that knows the anchor, legacy list and registry keys fetches nothing of them, before and after a restart', async () => {
    const key = crypto.randomBytes(32)
    const dir = await tempDir()
    let victimStore = await store(dir)
    const discoveryKey = (await multifeed(await store(), { key })).discoveryKey

    // A feed list of version 0.1 on disk: a JSON log with a writer name and a blocked key.
    const legacyFeed = crypto.randomBytes(32)
    const legacyBlocked = crypto.randomBytes(32)
    const ns = victimStore.namespace(discoveryKey)
    const legacy = ns.get({ name: METADATA_CORES.legacy, valueEncoding: 'json' })
    await legacy.append([
      { op: 'add', key: hex(legacyFeed), name: 'legacy writer name' },
      { op: 'block', key: hex(legacyBlocked) },
    ])
    await legacy.close()
    await ns.close()

    let victim = await multifeed(victimStore, { key })
    const secret = await writer(victim, 'secret writer name', 's0')
    const memberStore = await store()
    const member = await multifeed(memberStore, { key })
    const theirs = await writer(member, 'theirs', 't0')
    const connection = link(victimStore, memberStore, [[victim, member]])
    await connection.synced
    await victim.block(theirs.key)

    // The list is there, in the anchor's userData (so there is something to steal).
    const cores = await metadataCores(victimStore, victim)
    const anchor = victimStore.get({ key: cores.anchor.key, active: false })
    await anchor.ready()
    await eventually('the list is written', async () => {
      return (await anchor.getUserData(`b/${hex(theirs.key)}`)) !== null
    })
    // Feeds are stored in chunks of 256 by joining order (c/ and the chunk's 8-digit hex index).
    const chunk = (await anchor.getUserData(FIRST_CHUNK)) as Uint8Array
    expect(b4a.indexOf(chunk, secret.key)).toBeGreaterThan(0)
    expect(b4a.indexOf(chunk, legacyFeed)).toBeGreaterThan(0)
    await anchor.close()
    const legacyLength = 2 // the migrated log keeps its length; its blocks were cleared

    const steal = async () => {
      for (const [name, { key: coreKey }] of Object.entries(cores)) {
        const thief = await keyHolder(victimStore, await store(), coreKey)
        expect({ name, fetched: await tryFetch(thief) }).toEqual({
          name,
          fetched: 'REQUEST_TIMEOUT',
        })
        expect({ name, length: thief.core.length, peers: thief.peersAdded }).toEqual({
          name,
          length: 0, // not even the legacy log's length (a count of list records) leaks
          peers: 0,
        })
        const opened = thief.opens.seenAmong(Object.values(cores).map((c) => c.discoveryKey))
        expect({ name, opened }).toEqual({ name, opened: [] })
        // userData is not replicated at all (Hypercore keeps it local).
        expect(await thief.core.getUserData(FIRST_CHUNK)).toBeNull()
      }
    }
    await steal() // while a member is connected and replicating

    await victim.close()
    await victimStore.close()
    victimStore = await store(dir)
    victim = await multifeed(victimStore, { key })
    const reopened = victimStore.namespace(discoveryKey).get({ name: METADATA_CORES.legacy })
    await reopened.ready()
    expect(reopened.length).toBe(legacyLength)
    await reopened.close()
    await steal() // after a restart, with no connection at all
    expect(victim.feed(secret.key)).not.toBeNull()
    expect(b4a.toString((await victim.feed(secret.key)!.get(0)) as Uint8Array)).toBe('s0')
  })
})

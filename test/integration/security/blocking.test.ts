/**
 * Claim: blocking stops serving (issue 14, item 2; spec/security.md "Blocking"). Played from the
 * side of a third party that knows a blocked feed's key and asks the blocking peer's store for it
 * over a plain Corestore replication stream, with no multifeed on its side at all.
 */
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { disconnect, eventually, keyHolder, noisePair, tryFetch } from './attacker.js'
import { link, multifeed, store, tempDir, writer } from './peers.js'

describe('blocking stops serving', () => {
  test('after block(K) a third party that knows K fetches nothing from the blocking peer: with a member connected, with none, and after a restart from storage', async () => {
    const key = crypto.randomBytes(32)
    const victimDir = await tempDir()
    let victimStore = await store(victimDir)
    let victim = await multifeed(victimStore, { key })
    const memberStore = await store()
    const member = await multifeed(memberStore, { key })
    const blocked = await writer(member, 'blocked', 'b0', 'b1', 'b2')
    const kept = await writer(member, 'kept', 'k0')

    // The victim learns both feeds and holds their blocks.
    const first = link(victimStore, memberStore, [[victim, member]])
    await first.synced
    await eventually('the victim holds both feeds', () => {
      const copy = victim.feed(blocked.key)
      return copy !== null && copy.contiguousLength === 3 && victim.feed(kept.key) !== null
    })

    await victim.block(blocked.key)

    // While the member is still connected (the blocked feed was replicating on that connection).
    const thief1 = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(thief1)).toBe('REQUEST_TIMEOUT')
    expect(thief1.core.length).toBe(0)
    expect(thief1.peersAdded).toBe(0)
    expect(thief1.opens.saw(blocked.discoveryKey)).toBe(false)

    // With no multifeed peer connected at all.
    await disconnect(first.pair)
    const thief2 = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(thief2)).toBe('REQUEST_TIMEOUT')
    expect(thief2.core.length).toBe(0)
    expect(thief2.peersAdded).toBe(0)

    // The user's own session of the blocked feed is no back door: opening it (feeds() hands out
    // a session per feed) makes Corestore attach it to every stream, and the gate still refuses.
    for (const core of victim.feeds()) await core.ready()
    const thief3 = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(thief3)).toBe('REQUEST_TIMEOUT')
    expect(thief3.peersAdded).toBe(0)
    expect(thief3.opens.saw(blocked.discoveryKey)).toBe(false)

    // After a restart: a fresh Corestore on the same directory, the multifeed reopened.
    await victim.close()
    await victimStore.close()
    victimStore = await store(victimDir)
    victim = await multifeed(victimStore, { key })
    const stored = victimStore.get({ key: blocked.key })
    await stored.ready()
    expect(stored.contiguousLength).toBe(3) // the blocks are still on disk: only serving stops
    await stored.close()
    const thief4 = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(thief4)).toBe('REQUEST_TIMEOUT')
    expect(thief4.core.length).toBe(0)
    expect(thief4.peersAdded).toBe(0)

    // Nor does a key holder get a feed that is not blocked: a feed travels only where a session
    // agreed to replicate it, and a plain Corestore stream has no session.
    const thief5 = await keyHolder(victimStore, await store(), kept.key)
    expect(await tryFetch(thief5)).toBe('REQUEST_TIMEOUT')
  })

  test('a blocked feed is no longer relayed: a member connected at the time gets no new block of it through the blocking peer', async () => {
    const key = crypto.randomBytes(32)
    const relayStore = await store()
    const relay = await multifeed(relayStore, { key })
    const sourceStore = await store()
    const source = await multifeed(sourceStore, { key })
    const abusive = await writer(source, 'abusive', 'a0')
    const fine = await writer(source, 'fine', 'f0')
    const readerStore = await store()
    const reader = await multifeed(readerStore, { key })
    // source - relay - reader: the reader gets everything through the relay only.
    const up = link(relayStore, sourceStore, [[relay, source]])
    const down = link(relayStore, readerStore, [[relay, reader]])
    await Promise.all([up.synced, down.synced])
    await eventually('the reader holds both feeds', () => {
      return (
        reader.feed(abusive.key)?.contiguousLength === 1 &&
        reader.feed(fine.key)?.contiguousLength === 1
      )
    })

    await relay.block(abusive.key)
    await abusive.append(b4a.from('a1'))
    await fine.append(b4a.from('f1'))
    // The unblocked feed still flows through the relay, the blocked one does not.
    expect(
      b4a.toString((await reader.feed(fine.key)!.get(1, { timeout: 5000 })) as Uint8Array),
    ).toBe('f1')
    await expect(reader.feed(abusive.key)!.get(1, { timeout: 600 })).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
    })
    expect(await relay.feed(abusive.key)!.has(1)).toBe(false) // nor does the relay fetch it
  })

  test('while the multifeed is closed, its store serves a blocked feed to a key holder: only remove() protects the data then (limit of blocking)', async () => {
    const key = crypto.randomBytes(32)
    const victimStore = await store()
    const victim = await multifeed(victimStore, { key })
    const sourceStore = await store()
    const source = await multifeed(sourceStore, { key })
    const blocked = await writer(source, 'blocked', 'b0')
    const first = link(victimStore, sourceStore, [[victim, source]])
    await first.synced
    await eventually(
      'the victim holds the feed',
      () => victim.feed(blocked.key)?.contiguousLength === 1,
    )
    await disconnect(first.pair)
    await victim.block(blocked.key)
    await victim.close() // the application keeps the store open for other uses

    // No multifeed governs the feed now: Corestore answers a key holder from storage.
    const thief = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(thief, 0, 5000)).toBe('block:b0')
    await disconnect(thief.pair)

    // remove() clears the blocks: with the multifeed closed again, there is nothing to fetch.
    const reopened = await multifeed(victimStore, { key })
    await reopened.remove(blocked.key)
    await reopened.close()
    const late = await keyHolder(victimStore, await store(), blocked.key)
    expect(await tryFetch(late)).toBe('REQUEST_TIMEOUT')
  })

  test('unblock(K): a new connection carries K again; a session that saw the block keeps it', async () => {
    const key = crypto.randomBytes(32)
    const victimStore = await store()
    const victim = await multifeed(victimStore, { key })
    const own = await writer(victim, 'own', 'o0', 'o1')
    const sourceStore = await store()
    const source = await multifeed(sourceStore, { key })
    const feed = await writer(source, 'feed', 'f0')
    const toSource = link(victimStore, sourceStore, [[victim, source]])
    await toSource.synced
    await eventually(
      'the victim holds the feed',
      () => victim.feed(feed.key)?.contiguousLength === 1,
    )
    await disconnect(toSource.pair)

    await victim.block(feed.key)
    // A member connected while the feed is blocked: it neither learns nor fetches it.
    const oldStore = await store()
    const old = await multifeed(oldStore, { key })
    const during = link(victimStore, oldStore, [[victim, old]])
    await during.synced
    expect(old.feed(own.key)).not.toBeNull()
    expect(old.feed(feed.key)).toBeNull()

    await victim.unblock(feed.key)
    // A new connection: the feed is offered and its blocks served again (the victim is the only
    // peer that has them).
    const laterStore = await store()
    const later = await multifeed(laterStore, { key })
    const after = link(victimStore, laterStore, [[victim, later]])
    await after.synced
    const copy = later.feed(feed.key)
    expect(copy).not.toBeNull()
    expect(b4a.toString((await copy!.get(0, { timeout: 5000 })) as Uint8Array)).toBe('f0')

    // The connection made while blocked keeps the block for its lifetime (spec/collection.md 8.1):
    // growth is re-offered on it, the unblocked feed is not.
    await own.append(b4a.from('o2'))
    await eventually('the old connection got the growth', async () => {
      return (await old.feed(own.key)?.has(2)) === true
    })
    expect(old.feed(feed.key)).toBeNull()
  })

  test('canary: every way Corestore attaches a governed core goes through replicator.attachTo, where the gate refuses it', async () => {
    // If a Corestore or Hypercore upgrade attached cores by another path, the gate would be
    // bypassed silently; this fails instead. The test wraps the replicator's attachTo (the gated
    // one) on the victim's side and watches which muxes it is asked for and what it does.
    const victimStore = await store()
    const mf = await multifeed(victimStore)
    const own = await writer(mf, 'own', 'secret')
    const replicator = own.replicator!
    const gated = replicator.attachTo
    const asked: unknown[] = []
    replicator.attachTo = (mux: unknown) => {
      asked.push(mux)
      gated.call(replicator, mux)
    }
    try {
      // Path 1: store.replicate()'s loop over the open cores (an active core: "downloading").
      const stranger = noisePair()
      victimStore.replicate(stranger[0])
      const strangerMux = stranger[0].userData
      await stranger[0].opened
      expect(asked).toContain(strangerMux)
      expect(replicator.attached(strangerMux)).toBe(false)

      // Path 2: a remote opens the core's channel by discovery key (Corestore's ondiscoverykey).
      const thief = await keyHolder(victimStore, await store(), own.key)
      const thiefMux = thief.pair[0].userData
      await eventually('Corestore asked to attach for the remote open', () =>
        asked.includes(thiefMux),
      )
      expect(replicator.attached(thiefMux)).toBe(false)
      expect(await tryFetch(thief)).toBe('REQUEST_TIMEOUT')
      expect(thief.peersAdded).toBe(0)

      // Path 3: the user replicating the feed by hand on a stream (Hypercore's core.replicate)
      // is refused the same way: a governed feed travels only where its collection attached it.
      const handMade = noisePair()
      own.replicate(handMade[0])
      await handMade[0].opened
      expect(asked).toContain(handMade[0].userData)
      expect(replicator.attached(handMade[0].userData)).toBe(false)
    } finally {
      replicator.attachTo = gated
    }
  })
})

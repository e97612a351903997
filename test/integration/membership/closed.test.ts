/**
 * Closed multifeeds through the Node API (spec/membership.md, issue 12): a founder creates one,
 * members open it from its invitation, admins authorize and remove writers, operations reach
 * every peer through any relay, and a removed writer stops at its cut. Peers are real
 * Multifeeds on their own Corestores, connected by in-memory Noise pairs.
 */
import b4a from 'b4a'
import { describe, expect, test } from 'vitest'
import type { Multifeed } from '../../../src/index.js'
import type { MembershipChange } from '../../../src/state/membership/state.js'
import { contiguous, multifeed, next, replicateStores, tempStore } from '../multifeed-helpers.js'

type Store = Awaited<ReturnType<typeof tempStore>>

/** Connects two multifeeds over a fresh Noise pair (store replication plus the channel). */
function connect(a: { mf: Multifeed; store: Store }, b: { mf: Multifeed; store: Store }) {
  const [sa, sb] = replicateStores(a.store, b.store)
  return [a.mf.attach(sa), b.mf.attach(sb)] as const
}

/** Resolves once `predicate()` holds, checked after every 'membership' event of `mf`. */
async function until(mf: Multifeed, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await Promise.race([next(mf, 'membership', timeoutMs), sleep(50)])
  }
}

/** The feed `key` of `mf`, once a session accepted it (it joins after the add reached `mf`). */
async function joined(mf: Multifeed, key: Uint8Array, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (mf.feed(key) === null) {
    if (Date.now() > deadline) throw new Error('the feed did not join in time')
    await Promise.race([next(mf, 'remote-feeds', timeoutMs), sleep(50)])
  }
  const core = mf.feed(key)!
  await core.ready()
  return core
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

const hexes = (keys: Uint8Array[]) => keys.map((k) => b4a.toString(k, 'hex'))

async function founderPeer() {
  const store = await tempStore()
  const mf = multifeed(store, { closed: true })
  await mf.ready()
  return { mf, store }
}

async function memberPeer(invitation: string, opts: Parameters<typeof multifeed>[1] = {}) {
  const store = await tempStore()
  const mf = multifeed(store, { invitation, ...opts })
  await mf.ready()
  return { mf, store }
}

describe('a closed multifeed', () => {
  test('the founder creates it, a peer opens it from the invitation, members replicate', async () => {
    const founder = await founderPeer()
    const invitation = founder.mf.invitation!
    expect(founder.mf.mode).toBe('closed')
    expect(invitation).toHaveLength(104)
    // The founder is an admin; its own new writer is a member at once.
    expect(founder.mf.isAdmin()).toBe(true)
    const writer = await founder.mf.writer()
    await writer.append(['a', 'b'])
    expect(hexes(founder.mf.members())).toEqual(hexes([writer.key]))

    const member = await memberPeer(invitation)
    expect(member.mf.discoveryKey).toEqual(founder.mf.discoveryKey)
    // Not the open multifeed of the same key: another channel and topic.
    expect(b4a.equals(member.mf.discoveryKey, member.mf.key)).toBe(false)
    expect(member.mf.members()).toEqual([])
    const seen: MembershipChange[] = []
    member.mf.on('membership', (changes) => seen.push(...changes))
    connect(founder, member)
    await until(member.mf, () => member.mf.members().length === 1)
    expect(seen).toContainEqual({ type: 'writer', feed: writer.key, member: true, cut: null })
    const copy = await joined(member.mf, writer.key)
    await contiguous(copy, 2)
    expect(b4a.toString((await copy.get(1)) as Uint8Array)).toBe('b')
    expect(member.mf.isAdmin()).toBe(false)
    expect(hexes(member.mf.admins())).toEqual(hexes([founder.mf.membershipKey!]))
  })

  test('operations are stored: a reopened member knows the members before it connects', async () => {
    const founder = await founderPeer()
    const writer = await founder.mf.writer()
    const store = await tempStore()
    const first = multifeed(store, { invitation: founder.mf.invitation! })
    await first.ready()
    connect(founder, { mf: first, store })
    await until(first, () => first.members().length === 1)
    await first.close()
    const again = multifeed(store, { invitation: founder.mf.invitation! })
    await again.ready()
    expect(hexes(again.members())).toEqual(hexes([writer.key]))
  })

  test("a non-member's feed is never admitted, nor offered by its writer", async () => {
    const founder = await founderPeer()
    await (await founder.mf.writer()).append('x')
    const outsider = await memberPeer(founder.mf.invitation!)
    const own = await outsider.mf.writer()
    await own.append(['not', 'a', 'member'])
    expect(outsider.mf.cut(own.key)).toBe(0)
    const [, theirs] = connect(founder, outsider)
    await next(theirs, 'synced')
    await until(outsider.mf, () => outsider.mf.members().length === 1)
    await sleep(100)
    expect(hexes(founder.mf.keys())).not.toContain(b4a.toString(own.key, 'hex'))
    expect(founder.mf.feed(own.key)).toBeNull()
  })

  test('authorize and deauthorize: a removed writer stops at its cut on every peer', async () => {
    const founder = await founderPeer()
    const member = await memberPeer(founder.mf.invitation!)
    const writer = await member.mf.writer()
    await writer.append(['1', '2', '3'])
    connect(founder, member)
    await founder.mf.authorize(writer.key)
    await until(member.mf, () => member.mf.cut(writer.key) === null)
    const copy = await joined(founder.mf, writer.key)
    await contiguous(copy, 3)

    const cut = await founder.mf.deauthorize(writer.key)
    expect(cut).toBe(3)
    expect(founder.mf.cut(writer.key)).toBe(3)
    await until(member.mf, () => member.mf.cut(writer.key) === 3)
    expect(member.mf.members()).toEqual([])
    // Blocks past the cut are not downloaded nor counted...
    await writer.append(['4', '5'])
    await sleep(300)
    expect(copy.contiguousLength).toBe(3)
    expect(await copy.has(3)).toBe(false)
    const progress = founder.mf.progress()
    expect(progress.blocksAdvertised).toBe(3)
    expect(founder.mf.synced).toBe(true)
  })

  test('A - B - C: operations and blocks reach C through B, which is no member', async () => {
    const a = await founderPeer()
    const invitation = a.mf.invitation!
    const b = await memberPeer(invitation)
    const c = await memberPeer(invitation)
    const cWriter = await c.mf.writer()
    await cWriter.append('from c')
    connect(a, b)
    connect(b, c)
    // A authorizes C's writer (its key reached A out of band); A and C never connect.
    await a.mf.authorize(cWriter.key)
    await until(c.mf, () => c.mf.cut(cWriter.key) === null)
    expect(b.mf.isAdmin()).toBe(false)
    expect(b.mf.members()).toHaveLength(1)
    // C's blocks travel the same way back.
    const copy = await joined(a.mf, cWriter.key)
    await contiguous(copy, 1)
    expect(b4a.toString((await copy.get(0)) as Uint8Array)).toBe('from c')
  })
})

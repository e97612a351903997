/**
 * Asking to join a closed multifeed (spec/membership.md 14.4): requestAuthorization() on a peer
 * whose writer is not a member, answered by an admin's onAuth. Granted, denied and timed out are
 * results (a resolved promise, ERR_AUTH_DENIED, ERR_AUTH_TIMEOUT); nothing hangs.
 */
import b4a from 'b4a'
import { describe, expect, test } from 'vitest'
import type { AuthHandler, Multifeed } from '../../../src/index.js'
import { multifeed, replicateStores, tempStore } from '../multifeed-helpers.js'

async function peers(onAuth?: AuthHandler) {
  const adminStore = await tempStore()
  const admin = multifeed(adminStore, { closed: true, ...(onAuth ? { onAuth } : {}) })
  await admin.ready()
  const store = await tempStore()
  const asker = multifeed(store, { invitation: admin.invitation! })
  await asker.ready()
  const [sa, sb] = replicateStores(adminStore, store)
  admin.attach(sa)
  asker.attach(sb)
  return { admin, asker }
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as { code?: string }
  }
  throw new Error('resolved')
}

describe('requestAuthorization', () => {
  test('granted: onAuth sees the feed, its signer and the data; the writer becomes a member', async () => {
    const asked: { feed: Uint8Array; signer: Uint8Array; data: Uint8Array | null }[] = []
    const { admin, asker } = await peers((request) => {
      asked.push(request)
      return true
    })
    await asker.requestAuthorization({ timeout: 10_000, data: b4a.from('alice') })
    const writer = await asker.writer()
    expect(asker.cut(writer.key)).toBeNull()
    expect(asker.members().map((k) => b4a.toString(k, 'hex'))).toContain(
      b4a.toString(writer.key, 'hex'),
    )
    expect(asked).toHaveLength(1)
    expect(b4a.equals(asked[0]!.feed, writer.key)).toBe(true)
    expect(b4a.equals(asked[0]!.signer, writer.keyPair!.publicKey)).toBe(true)
    expect(b4a.toString(asked[0]!.data!)).toBe('alice')
    expect(admin.cut(writer.key)).toBeNull()
    // Asking again once a member resolves at once.
    await asker.requestAuthorization({ timeout: 1 })
  })

  test('denied: ERR_AUTH_DENIED, and the writer stays out', async () => {
    const { admin, asker } = await peers(async () => false)
    const err = await rejection(asker.requestAuthorization({ timeout: 10_000 }))
    expect(err.code).toBe('ERR_AUTH_DENIED')
    const writer = await asker.writer()
    expect(asker.cut(writer.key)).toBe(0)
    expect(admin.members()).toEqual([])
  })

  test('timed out: an admin that never answers, or none that can decide, ends in ERR_AUTH_TIMEOUT', async () => {
    const silent = await peers(() => new Promise<boolean>(() => {}))
    const started = Date.now()
    const err = await rejection(silent.asker.requestAuthorization({ timeout: 300 }))
    expect(err.code).toBe('ERR_AUTH_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(5000)
    // Without onAuth the admin answers "cannot decide": no denial, so the deadline decides.
    const undecided = await peers()
    const err2 = await rejection(undecided.asker.requestAuthorization({ timeout: 300 }))
    expect(err2.code).toBe('ERR_AUTH_TIMEOUT')
  })

  test('coded misuse: an open multifeed, a non-admin authorizing, a bad invitation', async () => {
    const store = await tempStore()
    const open = multifeed(store)
    await open.ready()
    expect((await rejection(open.requestAuthorization())).code).toBe('ERR_NOT_CLOSED')
    expect((await rejection(open.authorize(b4a.alloc(32, 1)))).code).toBe('ERR_NOT_CLOSED')
    const { asker } = await peers()
    expect((await rejection(asker.authorize(b4a.alloc(32, 1)))).code).toBe('ERR_NOT_ADMIN')
    expect((await rejection(asker.deauthorize(b4a.alloc(32, 1)))).code).toBe('ERR_NOT_ADMIN')
    expect(() => multifeed(store, { invitation: 'nope' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_INVITATION' }),
    )
    const fresh = multifeed(await tempStore(), { closed: true }) as Multifeed
    expect(fresh.invitation).toBeNull()
    const [noise] = replicateStores(store, store)
    expect(() => fresh.attach(noise)).toThrow(expect.objectContaining({ code: 'ERR_NOT_READY' }))
  })
})

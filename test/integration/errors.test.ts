/**
 * How failures reach the user (README "Errors"): one event per kind. A channel's failure is
 * 'session-error' on the channel, its multifeed and the stream of replicate(), never 'error'; a
 * stream replicate(true/false) made ends with its failed channel unless something else runs on
 * it; a stream the caller passed in is left alone; a storage failure nobody awaits is 'error'
 * (ERR_STORAGE), one a caller awaits rejects with ERR_STORAGE.
 */
import { setImmediate as turn } from 'node:timers/promises'
import b4a from 'b4a'
import type Corestore from 'corestore'
import { describe, expect, test } from 'vitest'
import type { Multifeed, MultifeedChannel, MultifeedError } from '../../src/index.js'
import { contiguous, multifeed, next, noisePair, tempStore } from './multifeed-helpers.js'

const hex = (key: Uint8Array) => b4a.toString(key, 'hex')

/** Records every 'error' of `emitters` (a test then asserts there was none). */
function errorsOf(...emitters: NodeJS.EventEmitter[]): unknown[] {
  const errors: unknown[] = []
  for (const emitter of emitters) emitter.on('error', (err: unknown) => errors.push(err))
  return errors
}

/** Resolves once `stream` closed. */
function closed(stream: NodeJS.EventEmitter & { destroyed: boolean }): Promise<void> {
  if (stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => stream.once('close', () => resolve()))
}

/**
 * The storage under `store` fails to open the cores `failing` names, as a failing disk would:
 * `store.get` throws for them.
 */
function failOpening(
  store: Corestore,
  failing: (opts: { key?: Uint8Array; name?: string }) => boolean,
) {
  const get = store.get.bind(store)
  store.get = ((opts: { key?: Uint8Array; name?: string }) => {
    if (failing(opts)) throw new Error('EIO: i/o error, read')
    return get(opts as never)
  }) as typeof store.get
}

describe('channel failures', () => {
  test("different keys: session-error ERR_CHANNEL_REJECTED on stream, channel and multifeed; the replicate(true/false) streams end; no multifeed 'error'", async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore())
    const [wa, wb] = await Promise.all([a.writer(), b.writer()])
    const ra = a.replicate(true)
    const rb = b.replicate(false)
    // Not the streams: when one side destroys its stream, the pipe into the other end fails it
    // with a premature close, as when any connection ends under a pipe.
    const errors = errorsOf(a, b)
    const reported = Promise.all([
      next<[MultifeedError]>(ra, 'session-error'),
      next<[MultifeedError, MultifeedChannel]>(a, 'session-error'),
      next<[MultifeedError]>(rb, 'session-error'),
    ])
    ra.pipe(rb).pipe(ra)
    const [[onStream], [onMultifeed, channel], [onOtherStream]] = await reported
    expect([onStream.code, onStream.fault]).toEqual(['ERR_CHANNEL_REJECTED', 'remote'])
    expect(onMultifeed).toBe(onStream)
    expect(channel.error).toBe(onStream)
    expect(onOtherStream.code).toBe('ERR_CHANNEL_REJECTED')
    await Promise.all([closed(ra), closed(rb)])
    expect(errors).toEqual([])
    expect(a.keys().map(hex)).toEqual([hex(wa.key)])
    expect(b.keys().map(hex)).toEqual([hex(wb.key)])
  })

  test('a replicate(true) stream still carrying another multifeed stays open when one channel fails', async () => {
    const storeA = await tempStore()
    const lonely = multifeed(storeA) // B has no multifeed with this key
    const shared = multifeed(storeA)
    const other = multifeed(await tempStore(), { key: shared.key })
    const written = await shared.writer()
    await written.append(b4a.from('still here'))
    await other.ready()
    const ra = lonely.replicate(true)
    shared.replicate(ra) // the same stream carries both multifeeds of A
    const rb = other.replicate(false)
    const errors = errorsOf(lonely, shared, other, ra, rb)
    const failed = next<[MultifeedError]>(lonely, 'session-error')
    const synced = next(rb, 'synced')
    ra.pipe(rb).pipe(ra)
    const [[err]] = await Promise.all([failed, synced])
    expect(err.code).toBe('ERR_CHANNEL_REJECTED')
    await turn()
    await turn()
    expect([ra.destroyed, rb.destroyed]).toEqual([false, false])
    const copy = other.feed(written.key)!
    await contiguous(copy, 1)
    expect(b4a.toString(await copy.get(0))).toBe('still here')
    expect(errors).toEqual([])
  })

  test('a stream the caller attached is never destroyed by a failure', async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { client: 'another client' })
    await Promise.all([a.ready(), b.ready()])
    const [sa, sb] = noisePair()
    const errors = errorsOf(a, b)
    const failed = next<[MultifeedError]>(a, 'session-error')
    a.attach(sa)
    b.attach(sb)
    const [err] = await failed
    expect(['ERR_CHANNEL_REJECTED', 'ERR_CLIENT_MISMATCH']).toContain(err.code)
    await turn()
    await turn()
    expect([sa.destroyed, sb.destroyed]).toEqual([false, false])
    expect(errors).toEqual([])
  })
})

describe('storage failures', () => {
  test("a remote feed that cannot be opened: 'error' ERR_STORAGE (environment); the multifeed goes on", async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { key: a.key })
    const [broken, fine] = await Promise.all([b.writer('broken'), b.writer('fine')])
    await fine.append(b4a.from('fine'))
    failOpening(a.store, (opts) => opts.key !== undefined && hex(opts.key) === hex(broken.key))
    const failure = next<[MultifeedError]>(a, 'error')
    const ra = a.replicate(true)
    const rb = b.replicate(false)
    ra.pipe(rb).pipe(ra)
    const [err] = await failure
    expect([err.code, err.fault]).toEqual(['ERR_STORAGE', 'environment'])
    expect((err.cause as Error).message).toBe('EIO: i/o error, read')
    expect(err.message).toContain('could not be opened')
    // The other feed still replicates, and the channel stayed open.
    const copy = a.feed(fine.key)!
    await contiguous(copy, 1)
    expect(b4a.toString(await copy.get(0))).toBe('fine')
    expect(a.channels).toHaveLength(1)
    expect(ra.destroyed).toBe(false)
  })

  test('a storage failure a caller awaits rejects with ERR_STORAGE and is not emitted', async () => {
    const mf: Multifeed = multifeed(await tempStore())
    await mf.ready()
    failOpening(mf.store, (opts) => opts.name === 'writer/broken')
    const errors = errorsOf(mf)
    const err: MultifeedError = await mf.writer('broken').catch((e) => e)
    expect([err.code, err.fault]).toEqual(['ERR_STORAGE', 'environment'])
    expect((err.cause as Error).message).toBe('EIO: i/o error, read')
    expect(errors).toEqual([])
    expect(mf.keys()).toEqual([])
    await expect(mf.writer('works')).resolves.toBeDefined()
  })
})

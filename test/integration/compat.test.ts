/**
 * What a user coming from Hypercore or multifeed 6 passes: z-base-32 ids wherever a key is taken,
 * the multifeed's own `id`, multifeed 6's options and callbacks (a coded error or a warning that
 * names the replacement, never silence), and debug logging under `multifeed:*`.
 */
import { once } from 'node:events'
import { format } from 'node:util'
import b4a from 'b4a'
import createDebug from 'debug'
import HypercoreId from 'hypercore-id-encoding'
import { afterEach, describe, expect, test } from 'vitest'
import type { Multifeed } from '../../src/index.js'
import { multifeed, tempStore } from './multifeed-helpers.js'

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: unknown }).code
  }
  return 'no error'
}

/** Process warnings emitted while `fn` runs (and a turn after: emitWarning is asynchronous). */
async function warningsDuring(fn: () => unknown): Promise<Error[]> {
  const seen: Error[] = []
  const onWarning = (warning: Error) => seen.push(warning)
  process.on('warning', onWarning)
  try {
    await fn()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  return seen
}

async function sync(a: Multifeed, b: Multifeed) {
  const ra = a.replicate(true)
  const rb = b.replicate(false)
  for (const stream of [ra, rb]) stream.on('error', () => {})
  ra.pipe(rb).pipe(ra)
  await Promise.all([once(ra, 'synced'), once(rb, 'synced')])
}

describe('ids: z-base-32 and hex wherever a key is taken', () => {
  test('feed() finds a feed by its core.id, its hex and its bytes', async () => {
    const mf = multifeed(await tempStore())
    const core = await mf.writer('local')
    expect(core.id).toBe(HypercoreId.encode(core.key))
    expect(mf.feed(core.id)).toBe(core)
    expect(mf.feed(b4a.toString(core.key, 'hex'))).toBe(core)
    expect(mf.feed(core.key)).toBe(core)
    expect(mf.feed(core.id.toUpperCase())).toBeNull() // z-base-32 is lower case
    expect(mf.feed(core.id.slice(1))).toBeNull()
  })

  test('the key option takes a z-base-32 id: the same multifeed as with the bytes', async () => {
    const a = multifeed(await tempStore())
    const b = multifeed(await tempStore(), { key: HypercoreId.encode(a.key) })
    expect(b4a.equals(b.key, a.key)).toBe(true)
    expect(b.id).toBe(a.id)
    const writer = await a.writer('local')
    await writer.append('from a')
    await sync(a, b)
    expect(String(await b.feed(writer.id)?.get(0))).toBe('from a')
    expect(codeOf(() => multifeed(a.store, { key: `${a.id}x` }))).toBe('ERR_INVALID_KEY')
  })

  test('block() and remove() take z-base-32 ids', async () => {
    const mf = multifeed(await tempStore())
    const kept = await mf.writer('kept')
    const dropped = await mf.writer('dropped')
    await mf.block(kept.id)
    await mf.remove(dropped.id)
    expect(mf.feeds()).toEqual([kept])
    await expect(mf.block('not-a-key')).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
  })

  test("a multifeed's id is the z-base-32 of its discovery key, never of its (secret) key", async () => {
    const mf = multifeed(await tempStore())
    expect(mf.id).toBe(HypercoreId.encode(mf.discoveryKey))
    expect(mf.id).not.toBe(HypercoreId.encode(mf.key))
  })
})

describe("multifeed 6's options and callbacks", () => {
  test('an encryptionKey that is not 32 bytes is an error that names the key option', async () => {
    const store = await tempStore()
    for (const encryptionKey of [b4a.alloc(16), b4a.toString(b4a.alloc(32, 1), 'hex')]) {
      expect(() => multifeed(store, { encryptionKey: encryptionKey as Uint8Array })).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_KEY',
          message: expect.stringMatching(/key option/),
        }),
      )
    }
  })

  test('a 32-byte encryptionKey without a key warns once that the shared secret is now key', async () => {
    const store = await tempStore()
    const encryptionKey = b4a.alloc(32, 2)
    const warnings = await warningsDuring(() => {
      multifeed(store, { encryptionKey })
      multifeed(store, { encryptionKey })
    })
    expect(warnings.map((w) => (w as { code?: string }).code)).toEqual([
      'MULTIFEED_ENCRYPTION_KEY_WITHOUT_KEY',
    ])
    expect(warnings[0]!.message).toMatch(/pass it as key/)
    const withKey = await warningsDuring(() =>
      multifeed(store, { key: b4a.alloc(32, 3), encryptionKey }),
    )
    expect(withKey).toEqual([])
  })

  test('the hypercore option is refused', async () => {
    const store = await tempStore()
    expect(codeOf(() => multifeed(store, { hypercore: () => {} } as never))).toBe(
      'ERR_INVALID_ARGUMENT',
    )
  })

  test('writer(): keypair, a callback or a bad keyPair reject with ERR_INVALID_ARGUMENT', async () => {
    const mf = multifeed(await tempStore())
    const keyPair = { publicKey: b4a.alloc(32, 1), secretKey: b4a.alloc(64, 1) }
    await expect(mf.writer('w', { keypair: keyPair } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/keyPair/),
    })
    await expect(mf.writer('w', (() => {}) as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
    await expect(mf.writer((() => {}) as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
    await expect(
      mf.writer('w', { keyPair: { publicKey: keyPair.publicKey } } as never),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
    expect(mf.feeds()).toEqual([]) // nothing was created
  })

  test('replicate(): live false and a missing isInitiator throw, live true warns', async () => {
    const mf = multifeed(await tempStore())
    await mf.ready()
    expect(codeOf(() => mf.replicate(true, { live: false } as never))).toBe('ERR_INVALID_ARGUMENT')
    expect(codeOf(() => (mf.replicate as (...args: unknown[]) => unknown)())).toBe(
      'ERR_INVALID_ARGUMENT',
    )
    const warnings = await warningsDuring(() => {
      mf.replicate(true, { live: true } as never).destroy()
    })
    expect(warnings.map((w) => (w as { code?: string }).code)).toEqual(['MULTIFEED_LIVE_OPTION'])
  })

  test('ready(cb) and close(cb) throw ERR_INVALID_ARGUMENT: both return promises', async () => {
    const mf = multifeed(await tempStore())
    expect(codeOf(() => mf.ready((() => {}) as never))).toBe('ERR_INVALID_ARGUMENT')
    expect(codeOf(() => mf.close((() => {}) as never))).toBe('ERR_INVALID_ARGUMENT')
    await mf.ready()
    expect(mf.closed).toBe(false)
  })
})

describe('debug logging', () => {
  afterEach(() => {
    createDebug.disable()
  })

  test('multifeed:* logs feeds, channels and removal by id, and never the multifeed key', async () => {
    const lines: string[] = []
    const log = createDebug.log
    createDebug.log = (...args: unknown[]) => lines.push(format(...args))
    createDebug.enable('multifeed:*')
    let secret: Uint8Array = new Uint8Array(0)
    let writerId = ''
    try {
      const a = multifeed(await tempStore())
      secret = a.key
      const b = multifeed(await tempStore(), { key: a.key })
      const writer = await a.writer('local')
      writerId = writer.id
      await writer.append('x')
      await sync(a, b)
      await b.remove(writer.id)
      await Promise.all([a.close(), b.close()])
    } finally {
      createDebug.log = log
    }
    const text = lines.join('\n')
    expect(text).toMatch(/multifeed:store .* feed \S+ joined \(local\)/)
    expect(text).toMatch(/multifeed:store .* removed feed/)
    expect(text).toMatch(/multifeed:channel .* open as initiator/)
    expect(text).toMatch(/multifeed:channel .* closed by local \(ok\)/)
    expect(text).toContain(`feed ${writerId} joined`)
    expect(text).not.toContain(HypercoreId.encode(secret))
    expect(text).not.toContain(b4a.toString(secret, 'hex'))
    expect(text).not.toMatch(/\d+,\d+,\d+/) // no key printed as a list of bytes
  })
})

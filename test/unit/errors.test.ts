/**
 * The error family (src/errors.ts): one table of codes, a factory per code, whose fault each
 * is, DecodeError as the one subclass; the README's error table lists the same codes with the
 * same faults; the codec and state entry points hand out the same classes; and the family's
 * module stays free of Node-only imports, as src/state must (sans-IO, browser-safe).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import * as codec from '../../src/codec/index.js'
import {
  DecodeError,
  ErrorCode,
  type Fault,
  MULTIFEED_ERRORS,
  MultifeedError,
  type MultifeedErrorCode,
  UNKNOWN_REMOTE_ERROR,
} from '../../src/index.js'
import * as state from '../../src/state/index.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const codes = Object.keys(MULTIFEED_ERRORS) as MultifeedErrorCode[]
type AnyFactory = (...args: unknown[]) => MultifeedError

/** The factory of `code`: its name without ERR_ (hypercore-errors' spelling). */
function factoryOf(code: MultifeedErrorCode): AnyFactory {
  const factory = (MultifeedError as unknown as Record<string, unknown>)[code.slice(4)]
  if (typeof factory !== 'function') throw new Error(`no factory MultifeedError.${code.slice(4)}`)
  return factory as AnyFactory
}

/** Arguments a factory of `code` takes, in order. */
function argumentsOf(code: MultifeedErrorCode): unknown[] {
  if (code.startsWith('ERR_DECODE_')) return ['bad bytes', 7]
  if (code === 'ERR_REMOTE_UNKNOWN') return [42, 'a newer code']
  if (code === 'ERR_INTERNAL') return [new TypeError('boom')]
  if (code === 'ERR_STORAGE') return ['disk gone', new Error('EIO')]
  return ['why']
}

describe('one family', () => {
  test.each(codes)('%s: its factory gives that code, its fault, and a MultifeedError', (code) => {
    const err = factoryOf(code)(...argumentsOf(code))
    expect(err).toBeInstanceOf(MultifeedError)
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe(code)
    expect(err.fault).toBe(MULTIFEED_ERRORS[code].fault)
    expect(err.remote).toBe(err.fault === 'remote')
    expect(err.message.startsWith(`${code}: `)).toBe(true)
    expect(err instanceof DecodeError).toBe(code.startsWith('ERR_DECODE_'))
    expect(err.name).toBe(code.startsWith('ERR_DECODE_') ? 'DecodeError' : 'MultifeedError')
  })

  test('the stack starts at the caller, not inside the factory (as hypercore-errors)', () => {
    const err = MultifeedError.INVALID_ARGUMENT('x')
    const firstFrame = err.stack!.split('\n').find((line) => line.trimStart().startsWith('at '))
    expect(firstFrame).toContain('errors.test.ts')
  })

  test('every fault is one of the three, and each occurs', () => {
    const faults = new Set(Object.values(MULTIFEED_ERRORS).map(({ fault }) => fault))
    expect([...faults].sort()).toEqual(['environment', 'local', 'remote'] satisfies Fault[])
  })

  test("the spec's session codes (10.3) keep their names and wire numbers, fault remote", () => {
    const session = Object.entries(ErrorCode).filter(([name]) => name !== 'OK')
    expect(session).toHaveLength(11) // 1.0: 1 to 9; 1.1: ERR_MINOR_REQUIRED 10, ERR_BAD_OPERATION 11
    for (const [name, wire] of session) {
      const err = factoryOf(name as MultifeedErrorCode)()
      expect([err.code, err.wireCode, err.fault]).toEqual([name, wire, 'remote'])
    }
    const unknown = MultifeedError.REMOTE_UNKNOWN(42)
    expect([unknown.code, unknown.wireCode]).toEqual([UNKNOWN_REMOTE_ERROR, 42])
  })

  test('ERR_LIMIT_EXCEEDED is only a peer over a limit; a full collection is its own code', () => {
    expect(MULTIFEED_ERRORS.ERR_LIMIT_EXCEEDED.fault).toBe('remote')
    expect(MULTIFEED_ERRORS.ERR_COLLECTION_FULL.fault).toBe('local')
    expect(MultifeedError.COLLECTION_FULL().code).toBe('ERR_COLLECTION_FULL')
  })

  test('DecodeError carries the offset; the decode codes are the spec 6.2 ones', () => {
    const err = MultifeedError.DECODE_TRUNCATED('input ends inside key', 35)
    expect(err.offset).toBe(35)
    expect(err.message).toBe('ERR_DECODE_TRUNCATED: input ends inside key (at byte 35)')
    expect(codes.filter((code) => code.startsWith('ERR_DECODE_'))).toHaveLength(10)
  })

  test('a failure keeps its details, and only the fields it has', () => {
    const err = MultifeedError.fromFailure({
      code: 'ERR_VERSION_MISMATCH',
      message: 'major 2',
      wireCode: 1,
      usVersion: { major: 1, minor: 0 },
      themVersion: { major: 2, minor: 0 },
    })
    expect(err).toMatchObject({
      code: 'ERR_VERSION_MISMATCH',
      fault: 'remote',
      wireCode: 1,
      usVersion: { major: 1, minor: 0 },
      themVersion: { major: 2, minor: 0 },
    })
    expect(Object.keys(err).sort()).toEqual([
      'code',
      'fault',
      'themVersion',
      'usVersion',
      'wireCode',
    ])
    const rejected = MultifeedError.fromFailure({
      code: 'ERR_CHANNEL_REJECTED',
      message: 'no such multifeed',
      wireCode: null,
    })
    expect([rejected.code, rejected.wireCode, rejected.remote]).toEqual([
      'ERR_CHANNEL_REJECTED',
      undefined,
      true,
    ])
  })

  test('the cause of ERR_INTERNAL and ERR_STORAGE is the original error', () => {
    const eio = new Error('EIO')
    expect(MultifeedError.STORAGE('disk gone', eio).cause).toBe(eio)
    expect(MultifeedError.INTERNAL(eio)).toMatchObject({ cause: eio, fault: 'local' })
  })

  test('the codec and state entry points hand out the same classes as the root', () => {
    expect(codec.MultifeedError).toBe(MultifeedError)
    expect(codec.DecodeError).toBe(DecodeError)
    expect(state.MultifeedError).toBe(MultifeedError)
    expect(() => codec.resolveLimits({ maxFeeds: -1 })).toThrow(MultifeedError)
    expect(() => new state.Session().handle({ type: 'tick', now: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', fault: 'local' }),
    )
  })
})

describe('documentation', () => {
  test("the README's error table lists every code once, with its fault", async () => {
    const readme = await readFile(join(repo, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\nLimits ('))
    const listed = new Map<string, string>()
    for (const line of section.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim())
      if (cells.length < 4 || !cells[1]!.startsWith('`ERR_')) continue
      for (const [, code] of cells[1]!.matchAll(/`(ERR_[A-Z_0-9]+)`/g)) {
        expect(listed.has(code!), `${code} listed twice`).toBe(false)
        listed.set(code!, cells[2]!)
      }
    }
    expect([...listed.keys()].sort()).toEqual([...codes].sort())
    for (const code of codes)
      expect([code, listed.get(code)]).toEqual([code, MULTIFEED_ERRORS[code].fault])
  })
})

describe('browser-safe', () => {
  test('the error family and src/state import no Node-only module', async () => {
    const files = [join(repo, 'src/errors.ts')]
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) await walk(path)
        else if (entry.name.endsWith('.ts')) files.push(path)
      }
    }
    await walk(join(repo, 'src/state'))
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      expect(text, file).not.toMatch(/from '(node:|events'|buffer'|fs'|path')/)
    }
    expect(await readFile(join(repo, 'src/errors.ts'), 'utf8')).not.toMatch(/^import /m)
  })
})

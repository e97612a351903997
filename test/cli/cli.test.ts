/**
 * The `multifeed` command as a user runs it: child processes on two storage directories, online
 * through a local HyperDHT testnet on 127.0.0.1 (every online command gets --bootstrap; nothing
 * reaches the public DHT). Ctrl-C is a real SIGINT to the child.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import createTestnet, { type Testnet } from '@hyperswarm/testnet'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { buildCli, Cli, type Finished, jsonLines, type Running } from '../support/cli.js'

let testnet: Testnet
let cli: Cli
let work: string
let removeBuild: () => Promise<void>
/** --bootstrap for the online commands: the local testnet. */
let bootstrap: string[]

beforeAll(async () => {
  const [built, net, dir] = await Promise.all([
    buildCli(),
    createTestnet(3, { host: '127.0.0.1' }),
    mkdtemp(join(tmpdir(), 'multifeed-cli-')),
  ])
  removeBuild = built.remove
  testnet = net
  work = dir
  cli = new Cli(built.main, work)
  bootstrap = testnet.bootstrap.flatMap(({ host, port }) => ['--bootstrap', `${host}:${port}`])
})

afterEach(async () => {
  await cli.killAll()
})

afterAll(async () => {
  await testnet?.destroy()
  if (work) await rm(work, { recursive: true, force: true })
  await removeBuild?.()
})

/** Runs a command that must succeed; returns its output. */
async function ok(args: string[], input?: string, timeoutMs?: number): Promise<Finished> {
  const done = await cli.run(args, input, timeoutMs)
  if (done.status !== 0) {
    throw new Error(`multifeed ${args.join(' ')} exited ${done.status}:\n${done.stderr}`)
  }
  return done
}

/** The JSON error a failed --json command printed on stderr. */
function errorOf(done: Finished): { code: string; message: string } {
  const line = jsonLines(done.stderr).find((record) => 'error' in record)
  return line!['error'] as { code: string; message: string }
}

function lastRecord(running: Running, event: string): Record<string, unknown> | undefined {
  return running.records.filter((record) => record['event'] === event).at(-1)
}

describe('multifeed, two storages and a local testnet', () => {
  test('create + append in one; join + sync --once + cat in the other; cat --live sees a new append; Ctrl-C ends both', async () => {
    const created = jsonLines((await ok(['create', '-s', 'alice', '--json'])).stdout)[0]!
    const keyFile = join(work, 'alice', 'key')
    expect(created).toMatchObject({ id: expect.stringMatching(/^[a-z0-9]{52}$/), keyFile })
    const key = (await readFile(keyFile, 'utf8')).trim()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect((await stat(join(work, 'alice'))).mode & 0o077).toBe(0)

    const appended = jsonLines((await ok(['append', '-s', 'alice', 'hello', '--json'])).stdout)
    const feed = appended[0]!['feed'] as string
    expect(appended).toEqual([
      { event: 'appended', feed, writer: 'default', appended: 1, length: 1 },
    ])
    const text = await ok(['append', '-s', 'alice', '-'], 'one\ntwo\n')
    expect(text.stdout).toBe(`appended 2 blocks to writer default (feed ${feed}), now 3 long\n`)

    // Alice stays online while appending what comes on her standard input.
    const alice = cli.start(['append', '--seed', '-', '-s', 'alice', '--json', ...bootstrap])
    await alice.until('alice joined', () => lastRecord(alice, 'joined') !== undefined)

    const joined = jsonLines(
      (await ok(['join', '-s', 'bob', '--key-file', keyFile, '--json'])).stdout,
    )
    expect(joined[0]).toMatchObject({ id: created['id'], joined: true })
    expect((await readFile(join(work, 'bob', 'key'), 'utf8')).trim()).toBe(key)

    // Up to 150 s: an inter-process loopback connection can stall (about 16 s until the
    // handshake timeout, then the swarm retries), and a full suite on 2 cores once met it thrice.
    const synced = await ok(['sync', '--once', '-s', 'bob', '--json', ...bootstrap], '', 150_000)
    const end = jsonLines(synced.stdout).at(-1)!
    expect(end).toMatchObject({ event: 'synced', peers: 1, blocksHeld: 3, blocksAdvertised: 3 })
    expect((await ok(['cat', feed, '-s', 'bob'])).stdout).toBe('hello\none\ntwo\n')

    const bob = cli.start(['cat', '--live', feed, '-s', 'bob', ...bootstrap])
    await bob.until('bob printed the stored blocks', () => bob.lines.length === 3)
    alice.child.stdin.write('four\n')
    await bob.until('bob printed the new block', () => bob.lines.length === 4)
    expect(bob.lines).toEqual(['hello', 'one', 'two', 'four'])
    expect(lastRecord(alice, 'appended')).toMatchObject({ appended: 1, length: 4 })

    // Ctrl-C ends a command that runs until stopped with status 0, after closing everything.
    const bobDone = await bob.stop('SIGINT')
    const aliceDone = await alice.stop('SIGINT')
    expect({ status: bobDone.status, signal: bobDone.signal }).toEqual({ status: 0, signal: null })
    expect({ status: aliceDone.status, signal: aliceDone.signal }).toEqual({
      status: 0,
      signal: null,
    })
    // Nothing lost: alice's append and bob's copy of it are stored.
    expect((await ok(['cat', feed, '-s', 'alice'])).stdout).toBe('hello\none\ntwo\nfour\n')
    expect((await ok(['cat', feed, '-s', 'bob'])).stdout).toBe('hello\none\ntwo\nfour\n')
    const rows = JSON.parse((await ok(['ls', '-s', 'bob', '--json'])).stdout)
    expect(rows).toEqual([
      {
        id: feed,
        key: expect.any(String),
        length: 4,
        held: 4,
        local: false,
        writer: null,
        blocked: false,
      },
    ])
  }, 180_000) // a connection that stalls is retried by the swarm after the handshake timeout

  test('Ctrl-C while appending standard input: every line read is appended, then status 130', async () => {
    await ok(['create', '-s', 'carol'])
    const appending = cli.start(['append', '-', '-w', 'notes', '-s', 'carol', '--json'])
    appending.child.stdin.write('first\nsecond\n')
    await appending.until(
      'both lines appended',
      () => lastRecord(appending, 'appended')?.['length'] === 2,
    )
    const done = await appending.stop('SIGINT')
    expect({ status: done.status, signal: done.signal }).toEqual({ status: 130, signal: null })
    expect((await ok(['cat', 'notes', '-s', 'carol'])).stdout).toBe('first\nsecond\n')
  })

  test('a storage directory in use by another process is refused, naming the process', async () => {
    await ok(['create', '-s', 'dave'])
    const seeding = cli.start(['seed', '-s', 'dave', '--json', ...bootstrap])
    await seeding.until('seeding', () => lastRecord(seeding, 'joined') !== undefined)
    const refused = await cli.run(['ls', '-s', 'dave', '--json'])
    expect(refused.status).toBe(1)
    expect(errorOf(refused).code).toBe('ERR_STORAGE_IN_USE')
    expect(errorOf(refused).message).toContain(`pid ${seeding.child.pid}`)
    // SIGTERM too ends seeding cleanly; the directory is free again.
    expect((await seeding.stop('SIGTERM')).status).toBe(0)
    expect((await ok(['ls', '-s', 'dave', '--json'])).stdout).toBe('[]\n')
  })

  test('a wrong key: malformed, of another multifeed, or one no peer has', async () => {
    await ok(['create', '-s', 'erin'])
    const malformed = await cli.run(['join', 'not-a-key', '-s', 'frank', '--json'])
    expect(malformed.status).toBe(1)
    expect(errorOf(malformed).code).toBe('ERR_INVALID_KEY')
    // The key was in the arguments: warned about, even though it was no key.
    expect(malformed.stderr).toContain('WARN_KEY_IN_ARGUMENTS')

    const other = randomBytes(32).toString('hex')
    const mismatch = await cli.run(['join', '-', '-s', 'erin', '--json'], `${other}\n`)
    expect(mismatch.status).toBe(1)
    expect(errorOf(mismatch).code).toBe('ERR_KEY_MISMATCH')
    expect(mismatch.stderr).not.toContain('WARN_KEY_IN_ARGUMENTS') // standard input is fine

    await ok(['join', '-', '-s', 'frank'], `${other}\n`)
    const lonely = await cli.run([
      'sync',
      '--once',
      '-t',
      '2',
      '-s',
      'frank',
      '--json',
      ...bootstrap,
    ])
    expect(lonely.status).toBe(1)
    expect(errorOf(lonely)).toMatchObject({
      code: 'ERR_SYNC_TIMEOUT',
      message: expect.stringContaining('found no peer'),
    })
  })

  test('a missing key file, a missing storage, an unknown feed, bad usage', async () => {
    await ok(['create', '-s', 'gina'])
    await rename(join(work, 'gina', 'key'), join(work, 'gina-key'))
    const missing = await cli.run(['ls', '-s', 'gina'])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^multifeed: ERR_KEY_FILE_MISSING: .*key file .* is missing/m)
    // join restores it (a key file given by path; a missing one is the same error).
    const absent = await cli.run(['join', '--key-file', 'nowhere', '-s', 'gina', '--json'])
    expect(errorOf(absent).code).toBe('ERR_KEY_FILE_MISSING')
    const restored = await ok(['join', '--key-file', 'gina-key', '-s', 'gina', '--json'])
    expect(jsonLines(restored.stdout)[0]).toMatchObject({ joined: true })
    await ok(['ls', '-s', 'gina'])

    const nothing = await cli.run(['ls', '-s', 'nothing-here', '--json'])
    expect(errorOf(nothing).code).toBe('ERR_NO_MULTIFEED')
    const unknown = await cli.run(['cat', 'nobody', '-s', 'gina', '--json'])
    expect(errorOf(unknown).code).toBe('ERR_UNKNOWN_FEED')
    const secret = (await readFile(join(work, 'gina-key'), 'utf8')).trim()
    const leaked = await cli.run(['block', secret, '-s', 'gina', '--json'])
    expect(errorOf(leaked)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })

    const flag = await cli.run(['ls', '--bogus', '--json'])
    expect(flag.status).toBe(2)
    expect(errorOf(flag)).toEqual({
      code: 'ERR_USAGE',
      message: 'unknown flag --bogus (see `multifeed ls --help`)',
    })
    const command = await cli.run(['frobnicate'])
    expect(command.status).toBe(2)
    expect(command.stderr).toBe(
      'multifeed: ERR_USAGE: unknown command "frobnicate" (see `multifeed --help`)\n',
    )
  })

  test('block, unblock and remove, listed by ls', async () => {
    await ok(['create', '-s', 'hal'])
    await ok(['append', 'mine', '-s', 'hal'])
    const other = randomBytes(32).toString('hex')
    await ok(['block', other, '-s', 'hal'])
    const listed = JSON.parse((await ok(['ls', '-s', 'hal', '--json'])).stdout)
    expect(listed).toEqual([
      expect.objectContaining({ local: true, writer: 'default', length: 1, blocked: false }),
      expect.objectContaining({ key: other, length: null, blocked: true }),
    ])
    await ok(['unblock', other, '-s', 'hal'])

    const refused = await cli.run(['remove', 'default', '-s', 'hal', '--json'])
    expect(refused.status).toBe(2)
    expect(errorOf(refused).message).toContain('--force')
    await ok(['remove', 'default', '--force', '-s', 'hal'])
    // The removed writer is blocked, no longer a feed; the unblocked key is gone from the list.
    const after = JSON.parse((await ok(['ls', '-s', 'hal', '--json'])).stdout)
    expect(after).toEqual([
      expect.objectContaining({ id: listed[0].id, length: null, writer: null, blocked: true }),
    ])
  })
})

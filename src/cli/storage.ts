/**
 * The storage directory of the command: one multifeed per directory.
 *
 *   DIR/key            the multifeed key, hex, owner-only (0600): the secret
 *   DIR/multifeed.json { "id": ... }: which multifeed the directory holds (no secret)
 *   DIR/lock           held by the process that has the directory open (its pid inside)
 *   DIR/corestore/     the Corestore
 *
 * The library never writes the key; this command keeps it so that a person does not have to
 * pass it again on every call. The key file is written owner-only, and a key file others can
 * read is warned about.
 */
import { ftruncateSync, openSync, writeSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import FDLock from 'fd-lock'
import HypercoreId from 'hypercore-id-encoding'
import { CliError, CliErrorCode } from './errors.js'
import type { Output } from './output.js'

export interface Layout {
  dir: string
  keyFile: string
  metaFile: string
  lockFile: string
  coreDir: string
}

/** What the directory records about its multifeed (nothing secret). */
export interface Meta {
  /** The multifeed's id: the z-base-32 of its discovery key. */
  id: string
}

const META_VERSION = 1

export function layoutOf(storage: string): Layout {
  const dir = resolve(storage)
  return {
    dir,
    keyFile: join(dir, 'key'),
    metaFile: join(dir, 'multifeed.json'),
    lockFile: join(dir, 'lock'),
    coreDir: join(dir, 'corestore'),
  }
}

/**
 * This process's hold on a storage directory: an advisory lock on DIR/lock, released when the
 * process exits however it exits, so a crash leaves nothing stale behind.
 */
export class StorageLock {
  readonly #lock: FDLock

  private constructor(lock: FDLock) {
    this.#lock = lock
  }

  /** Takes the directory (creating it, owner-only, when `create`); fails if another has it. */
  static async acquire(layout: Layout, create: boolean): Promise<StorageLock> {
    if (create) await mkdir(layout.dir, { recursive: true, mode: 0o700 })
    else if (!(await isDirectory(layout.dir))) throw noMultifeed(layout)
    const fd = openSync(layout.lockFile, 'a+', 0o600)
    const lock = new FDLock(fd)
    try {
      await lock.ready()
    } catch {
      // fd-lock closed the descriptor; whoever holds the lock wrote its pid.
      const holder = (await readFile(layout.lockFile, 'utf8').catch(() => '')).trim()
      throw new CliError(
        CliErrorCode.ERR_STORAGE_IN_USE,
        `${layout.dir} is in use by another process${holder ? ` (pid ${holder})` : ''}: stop it, or use another --storage`,
      )
    }
    // Through the locked descriptor itself (closing another one may drop a POSIX lock). 'a+'
    // appends, so after the truncation the file holds our pid alone.
    ftruncateSync(fd, 0)
    writeSync(fd, `${process.pid}\n`)
    return new StorageLock(lock)
  }

  async release(): Promise<void> {
    await this.#lock.close()
  }
}

export async function readMeta(layout: Layout): Promise<Meta | null> {
  let text: string
  try {
    text = await readFile(layout.metaFile, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const meta = JSON.parse(text) as Partial<Meta>
  if (typeof meta.id !== 'string') {
    throw new CliError(CliErrorCode.ERR_NO_MULTIFEED, `${layout.metaFile} names no multifeed`)
  }
  return { id: meta.id }
}

export async function writeMeta(layout: Layout, meta: Meta): Promise<void> {
  const text = `${JSON.stringify({ version: META_VERSION, id: meta.id }, null, 2)}\n`
  await writeAtomically(layout.metaFile, text, 0o644)
}

/** Does the key file exist? */
export async function hasKeyFile(layout: Layout): Promise<boolean> {
  return (await stat(layout.keyFile).catch(() => null)) !== null
}

/**
 * The key in a key file (64 hex characters or a z-base-32 id, surrounding space ignored).
 * Warns when the file can be read by others than its owner.
 */
export async function readKeyFile(path: string, out: Output): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(CliErrorCode.ERR_KEY_FILE_MISSING, `no key file at ${path}`)
    }
    throw err
  }
  if (process.platform !== 'win32') {
    const { mode } = await stat(path)
    if ((mode & 0o077) !== 0) {
      out.warn(
        'WARN_KEY_FILE_MODE',
        `the key file ${path} can be read by other users of this machine (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`,
      )
    }
  }
  return parseKey(text.trim(), `the key file ${path}`)
}

/** Writes the key file owner-only, replacing any earlier one in one step. */
export async function writeKeyFile(layout: Layout, key: Uint8Array): Promise<void> {
  await writeAtomically(layout.keyFile, `${Buffer.from(key).toString('hex')}\n`, 0o600)
}

/** A multifeed key given by a person: 64 hex characters or a 52-character z-base-32 id. */
export function parseKey(text: string, from: string): Uint8Array {
  try {
    return HypercoreId.decode(text)
  } catch {
    throw new CliError(
      'ERR_INVALID_KEY',
      `${from} does not hold a multifeed key (64 hex characters or a 52-character z-base-32 id)`,
    )
  }
}

export function noMultifeed(layout: Layout): CliError {
  return new CliError(
    CliErrorCode.ERR_NO_MULTIFEED,
    `no multifeed in ${layout.dir}: run \`multifeed create\` or \`multifeed join\` first, or pass --storage`,
  )
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await rm(temporary, { force: true }) // 'wx' below: created now, so with `mode`
  await writeFile(temporary, text, { mode, flag: 'wx' })
  await rename(temporary, path)
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false
}

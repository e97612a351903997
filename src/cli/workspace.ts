/**
 * Opening the multifeed of a storage directory: lock the directory, read (or write) its key
 * file, open its Corestore and the multifeed, and check that the key is the directory's.
 * Everything opened is closed by close(), last opened first.
 */
import Corestore from 'corestore'
import HypercoreId from 'hypercore-id-encoding'
import { codec, Multifeed } from '../index.js'
import { CliError, CliErrorCode } from './errors.js'
import type { Output } from './output.js'
import {
  hasKeyFile,
  type Layout,
  layoutOf,
  noMultifeed,
  readKeyFile,
  readMeta,
  StorageLock,
  writeKeyFile,
  writeMeta,
} from './storage.js'

export interface OpenOptions {
  /**
   * 'existing': the directory's multifeed, with the key from its key file.
   * 'create': a new multifeed with a fresh key, in a directory that holds none.
   * 'join': the multifeed of `key`, in a directory that holds none or that one.
   */
  mode: 'existing' | 'create' | 'join'
  /** The key to join with (mode 'join'). */
  key?: Uint8Array
  /**
   * Learn the local writers' names while loading (every stored feed is opened for that): for
   * listing feeds and finding one by writer name.
   */
  names?: boolean
}

/** The id a multifeed key has (`mf.id`): the z-base-32 of its discovery key. */
export function idOfKey(key: Uint8Array): string {
  return HypercoreId.encode(codec.discoveryKey(key))
}

export class Workspace {
  readonly layout: Layout
  readonly store: Corestore
  readonly multifeed: Multifeed
  /** Whether this call wrote the key file: a new multifeed, a first join, or a lost key file. */
  readonly wroteKey: boolean
  /** Writer names by hex feed key (only with `names`). */
  readonly #names: Map<string, string>
  readonly #lock: StorageLock
  #closing: Promise<void> | null = null

  private constructor(
    layout: Layout,
    lock: StorageLock,
    store: Corestore,
    multifeed: Multifeed,
    names: Map<string, string>,
    wroteKey: boolean,
  ) {
    this.layout = layout
    this.#lock = lock
    this.store = store
    this.multifeed = multifeed
    this.#names = names
    this.wroteKey = wroteKey
  }

  static async open(storage: string, out: Output, opts: OpenOptions): Promise<Workspace> {
    const layout = layoutOf(storage)
    const lock = await StorageLock.acquire(layout, opts.mode !== 'existing')
    let store: Corestore | null = null
    let multifeed: Multifeed | null = null
    try {
      const { key, writeKey } = await keyFor(layout, out, opts)
      store = new Corestore(layout.coreDir)
      multifeed = new Multifeed(store, key === null ? {} : { key })
      // Storage failing under the command: reported as any other failure (exit 1), not a crash.
      multifeed.on('error', (err) => out.warn(err.code, `storage: ${err.message}`))
      await multifeed.ready()
      const names = new Map<string, string>()
      if (opts.names) {
        for (const { name, key } of multifeed.writers()) {
          names.set(Buffer.from(key).toString('hex'), name)
        }
      }
      if (writeKey) {
        // The key first: a record without a key file reads as "key file missing", not as empty.
        await writeKeyFile(layout, multifeed.key)
        await writeMeta(layout, { id: multifeed.id })
      } else if ((await readMeta(layout)) === null) {
        await writeMeta(layout, { id: multifeed.id })
      }
      return new Workspace(layout, lock, store, multifeed, names, writeKey)
    } catch (err) {
      await multifeed?.close().catch(() => {})
      await store?.close().catch(() => {})
      await lock.release()
      throw err
    }
  }

  get id(): string {
    return this.multifeed.id
  }

  /** The name of a local writer, null for a feed from a peer (known only with `names`). */
  writerName(key: Uint8Array): string | null {
    return this.#names.get(Buffer.from(key).toString('hex')) ?? null
  }

  /** The key of the local writer called `name`, if there is one (known only with `names`). */
  writerKey(name: string): Uint8Array | null {
    for (const [hex, known] of this.#names) if (known === name) return Buffer.from(hex, 'hex')
    return null
  }

  /** Closes the multifeed, then the Corestore, then lets go of the directory. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.multifeed.close()
        await this.store.close()
      } finally {
        await this.#lock.release()
      }
    })()
    return this.#closing
  }
}

/** The key to open with (null: a fresh one), checked against what the directory holds. */
async function keyFor(
  layout: Layout,
  out: Output,
  opts: OpenOptions,
): Promise<{ key: Uint8Array | null; writeKey: boolean }> {
  const meta = await readMeta(layout)
  const keyFileExists = await hasKeyFile(layout)
  if (opts.mode === 'create') {
    if (meta !== null || keyFileExists) {
      throw new CliError(
        CliErrorCode.ERR_EXISTS,
        `${layout.dir} already holds multifeed ${meta?.id ?? '(see its key file)'}: use another --storage`,
      )
    }
    return { key: null, writeKey: true }
  }
  if (opts.mode === 'join') {
    const key = opts.key!
    const id = idOfKey(key)
    const storedId =
      meta?.id ?? (keyFileExists ? idOfKey(await readKeyFile(layout.keyFile, out)) : null)
    if (storedId !== null && storedId !== id) throw mismatch(layout, storedId, id, 'given')
    return { key, writeKey: storedId === null || !keyFileExists }
  }
  if (!keyFileExists) {
    if (meta === null) throw noMultifeed(layout)
    throw new CliError(
      CliErrorCode.ERR_KEY_FILE_MISSING,
      `${layout.dir} holds multifeed ${meta.id}, but its key file ${layout.keyFile} is missing: the library never stores the key, so give it again with \`multifeed join --storage ${layout.dir} --key-file FILE\``,
    )
  }
  const key = await readKeyFile(layout.keyFile, out)
  if (meta !== null && idOfKey(key) !== meta.id) {
    throw mismatch(layout, meta.id, idOfKey(key), `in ${layout.keyFile}`)
  }
  return { key, writeKey: false }
}

function mismatch(layout: Layout, stored: string, other: string, where: string): CliError {
  return new CliError(
    CliErrorCode.ERR_KEY_MISMATCH,
    `${layout.dir} holds multifeed ${stored}, but the key ${where} is of multifeed ${other}`,
  )
}

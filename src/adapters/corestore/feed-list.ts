/**
 * The persisted feed list of one multifeed: which feeds it holds (key, local writer name) and
 * which keys the user blocked or removed. An append-only log in a local-only core: a named core
 * of the multifeed's namespace, opened inactive so that Corestore never attaches it to a
 * replication stream. Its key derives from the store's secret primary key, so no peer can name it.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { HypercoreOptions } from 'hypercore'
import { toHex } from '../../state/hex.js'
import { parseKey } from './keys.js'

/** Core name of the list inside the multifeed namespace (writer names use another prefix). */
export const FEED_LIST_CORE_NAME = 'multifeed/feed-list'

type FeedListRecord =
  | { op: 'add'; key: string; name: string | null }
  | { op: 'block'; key: string }
  | { op: 'remove'; key: string }

/** A feed of the collection, as persisted. */
export interface StoredFeed {
  key: Uint8Array
  /** Local writer name, or null for a feed learned from a peer. */
  name: string | null
  blocked: boolean
}

export class FeedList {
  readonly #core: Hypercore
  /** Feeds in the order they joined (removed ones dropped). */
  readonly #feeds = new Map<string, StoredFeed>()
  /** Keys blocked or removed (removed keys are blocked forever). */
  readonly #blocked = new Map<string, Uint8Array>()
  #batch: FeedListRecord[] = []
  #flushing: Promise<void> | null = null

  private constructor(core: Hypercore) {
    this.#core = core
  }

  /** Opens (or creates) the list in `store` and replays it. */
  static async open(store: Corestore, coreOptions: HypercoreOptions): Promise<FeedList> {
    const core = store.get({
      ...coreOptions,
      name: FEED_LIST_CORE_NAME,
      valueEncoding: 'json',
      active: false,
    })
    await core.ready()
    const list = new FeedList(core)
    for (let index = 0; index < core.length; index++) {
      list.#apply((await core.get(index)) as FeedListRecord)
    }
    return list
  }

  /** Persisted feeds in joining order. */
  feeds(): StoredFeed[] {
    return [...this.#feeds.values()]
  }

  /** Blocked or removed keys. */
  blocked(): Uint8Array[] {
    return [...this.#blocked.values()]
  }

  isBlocked(hex: string): boolean {
    return this.#blocked.has(hex)
  }

  async add(key: Uint8Array, name: string | null): Promise<void> {
    await this.#append({ op: 'add', key: toHex(key), name })
  }

  async block(key: Uint8Array): Promise<void> {
    await this.#append({ op: 'block', key: toHex(key) })
  }

  async remove(key: Uint8Array): Promise<void> {
    await this.#append({ op: 'remove', key: toHex(key) })
  }

  close(): Promise<void> {
    return this.#core.close()
  }

  /** Records appended in the same turn of the event loop share one append (one storage flush). */
  #append(record: FeedListRecord): Promise<void> {
    this.#apply(record)
    this.#batch.push(record)
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const records = this.#batch.splice(0)
      this.#flushing = null
      return this.#core.append(records).then(noop)
    })
    return this.#flushing
  }

  #apply(record: FeedListRecord): void {
    const key = parseKey(record?.key)
    if (key === null) return // not written by this module: skip rather than fail the open
    const hex = record.key
    const feed = this.#feeds.get(hex)
    switch (record.op) {
      case 'add':
        if (feed === undefined)
          this.#feeds.set(hex, { key, name: record.name ?? null, blocked: false })
        else if (record.name !== null) feed.name = record.name
        if (this.#blocked.has(hex)) this.#feeds.get(hex)!.blocked = true
        return
      case 'block':
        this.#blocked.set(hex, key)
        if (feed !== undefined) feed.blocked = true
        return
      case 'remove':
        this.#blocked.set(hex, key)
        this.#feeds.delete(hex)
        return
    }
  }
}

function noop() {}

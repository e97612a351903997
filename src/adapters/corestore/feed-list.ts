/**
 * The persisted feed list of one multifeed: which feeds it holds (key, writer name, last known
 * lengths) and which keys the user blocked or removed. Local-only by construction: it is the
 * userData of an empty anchor core of the multifeed's namespace, and Hypercore persists userData
 * locally and never replicates it (hypercore README, "User Data"). The anchor is also governed
 * by the store's gate, so a peer that knows its key cannot even open a channel for it.
 *
 * A store-level registry (userData of one anchor in the root namespace of the root store) lists
 * the multifeeds of the store with the key of each one's anchor, so that remove() can tell whether
 * another multifeed still holds a feed, whichever namespace or session of the store it was given.
 *
 * While the list is open, the gate governs the multifeed's metadata cores (the anchor, the legacy
 * list, the store's registry), whether or not they are open: a peer that knows their keys gets no
 * channel for them (the Multifeed governs the members and blocked keys the same way).
 *
 * Feeds are stored in chunks: one record per block of FEEDS_PER_CHUNK consecutive joining
 * sequence numbers (`c/` and the chunk's 8-digit hex index), the chunk's live feeds in joining
 * order. Not a record per feed: the userData stream is a RocksDB iterator that reads 8 entries at a
 * time with ~50 us of JS and binding work per read, which was most of a 65,536-feed reopen. Blocked
 * keys (`b/` and the key's hex) stay one record each. Lists of format 1 (a record per feed, `f/`
 * and the key's hex) are rewritten into chunks once, at open, in one transaction.
 *
 * A closed multifeed's membership operations are kept there too, in the order the collection
 * stored them (`o/` and a 12-digit hex sequence number, so a range read returns that order).
 *
 * Private surface, kept to this module: batched writes and prefix reads go through the core's
 * storage (`core.state.storage.write()` and `createUserDataStream`, the hypercore-storage API the
 * hypercore README's atoms section reaches the same way);
 * `test/integration/security/feed-list.test.ts` (entries written in a batch, read back after a
 * restart) fails if an upgrade moves them.
 */
import b4a from 'b4a'
import c from 'compact-encoding'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import { toHex } from '../../state/hex.js'
import { logStore } from '../log.js'
import { parseKey } from './keys.js'
import type { StoreGate } from './store-gate.js'

/** Core name of the anchor inside the multifeed namespace (writer names use another prefix). */
export const FEED_LIST_CORE_NAME = 'multifeed/local'
/** The registry's anchor in the root namespace. */
const REGISTRY_CORE_NAME = 'multifeed/registry'
/** The feed list of versions up to 0.1, an append-only log of JSON records (migrated once). */
const LEGACY_CORE_NAME = 'multifeed/feed-list'

/** Format 1: a record per feed (migrated to chunks at open). */
const LEGACY_FEED = 'f/'
const CHUNK = 'c/'
const BLOCKED = 'b/'
const OPERATION = 'o/'
const MULTIFEED = 'm/'
/**
 * Set once the legacy log was read (or found empty): 1, a record per feed; 2, chunks. Absent in a
 * list never opened, or of version 0.1 (the JSON log).
 */
const FORMAT = 'format'
const FORMAT_CHUNKS = 2
const NAME_PRESENT = 1
/**
 * Feeds per chunk record. 256 chunks hold 65,536 feeds: 32 iterator reads at open (~2 ms of
 * overhead, against ~400 ms for a record per feed). Larger chunks gain nothing more at open and
 * cost more per write: a grown length or a new feed rewrites its whole chunk (~10 KB at 256).
 */
const FEEDS_PER_CHUNK = 256
const KEY_BYTES = 32

/** How long grown lengths wait before they are written (they only speed up the next open). */
const LENGTH_FLUSH_MS = 1000

/** A feed of the collection, as persisted. */
export interface StoredFeed {
  key: Uint8Array
  /** Local writer name, or null for a feed learned from a peer. */
  name: string | null
  /** Blocks held without a gap when last written (lower than the truth after a crash). */
  length: number
  blocked: boolean
}

/** A feed in memory: what is stored, and its joining order. */
type FeedEntry = StoredFeed & {
  /** Joining order (the chunk is seq / FEEDS_PER_CHUNK; removed feeds leave gaps). */
  seq: number
}

interface FeedRecord {
  seq: number
  name: string | null
  length: number
}

/** A format-1 record (`f/` and the key's hex): flags, joining order, the name if any, length. */
function decodeLegacyRecord(value: Uint8Array): FeedRecord {
  const state = c.state(0, value.byteLength, value)
  const flags = c.uint.decode(state)
  const seq = c.uint.decode(state)
  const name = (flags & NAME_PRESENT) !== 0 ? c.string.decode(state) : null
  return { seq, name, length: c.uint.decode(state) }
}

/**
 * A chunk record: the count, then per feed in joining order its flags, its seq less the chunk's
 * first, its key, the writer name if any, the held length.
 */
function encodeChunk(entries: Set<FeedEntry>): Uint8Array {
  const state = c.state()
  c.uint.preencode(state, entries.size)
  for (const entry of entries) {
    c.uint.preencode(state, entry.name === null ? 0 : NAME_PRESENT)
    c.uint.preencode(state, entry.seq % FEEDS_PER_CHUNK)
    state.end += KEY_BYTES
    if (entry.name !== null) c.string.preencode(state, entry.name)
    c.uint.preencode(state, entry.length)
  }
  const buffer = b4a.allocUnsafe(state.end)
  state.buffer = buffer
  c.uint.encode(state, entries.size)
  for (const entry of entries) {
    c.uint.encode(state, entry.name === null ? 0 : NAME_PRESENT)
    c.uint.encode(state, entry.seq % FEEDS_PER_CHUNK)
    buffer.set(entry.key, state.start)
    state.start += KEY_BYTES
    if (entry.name !== null) c.string.encode(state, entry.name)
    c.uint.encode(state, entry.length)
  }
  return buffer
}

/**
 * The feeds of chunk `index` (`blocked` false). Keys are views of one copy of the value, so a
 * chunk's keys share one allocation.
 */
function decodeChunk(index: number, value: Uint8Array): FeedEntry[] {
  const buffer = new Uint8Array(value)
  const state = c.state(0, buffer.byteLength, buffer)
  const count = c.uint.decode(state)
  const first = index * FEEDS_PER_CHUNK
  const entries: FeedEntry[] = []
  for (let i = 0; i < count; i++) {
    const flags = c.uint.decode(state)
    const offset = c.uint.decode(state)
    if (offset >= FEEDS_PER_CHUNK || state.end - state.start < KEY_BYTES) {
      throw new RangeError('malformed chunk')
    }
    const key = buffer.subarray(state.start, state.start + KEY_BYTES)
    state.start += KEY_BYTES
    const name = (flags & NAME_PRESENT) !== 0 ? c.string.decode(state) : null
    const length = c.uint.decode(state)
    entries.push({ key, name, length, blocked: false, seq: first + offset })
  }
  if (state.start !== state.end) throw new RangeError('trailing bytes in a chunk')
  return entries
}

function chunkOf(seq: number): number {
  return Math.floor(seq / FEEDS_PER_CHUNK)
}

function chunkKey(index: number): string {
  return CHUNK + index.toString(16).padStart(8, '0')
}

const CHUNK_INDEX = /^[0-9a-f]{8}$/

interface StorageWrite {
  putUserData(key: string, value: Uint8Array): void
  deleteUserData(key: string): void
  flush(): Promise<unknown>
}

interface CoreStorage {
  write(): StorageWrite
  createUserDataStream(range: {
    gte: string
    lt: string
  }): AsyncIterable<{ key: string; value: Uint8Array }>
}

/** The storage of a ready core (see the module comment). */
function storageOf(core: Hypercore): CoreStorage {
  return (core as unknown as { state: { storage: CoreStorage } }).state.storage
}

export class FeedList {
  readonly #anchor: Hypercore
  readonly #gate: StoreGate
  /** Feeds in the order they joined (removed ones dropped). */
  readonly #feeds = new Map<string, FeedEntry>()
  /** The feeds of each stored chunk, in joining order (a chunk with none is not stored). */
  readonly #chunks = new Map<number, Set<FeedEntry>>()
  #nextSeq = 0
  /** Keys blocked or removed (removed keys are blocked forever). */
  readonly #blocked = new Map<string, Uint8Array>()
  /** userData writes waiting for the next flush (null deletes). */
  #pending = new Map<string, Uint8Array | null>()
  /** Chunks to write at the next flush (encoded then, so a turn writes each one once). */
  #dirty = new Set<number>()
  #flushing: Promise<void> | null = null
  /** Chunks holding a feed whose length grew since it was written. */
  readonly #grown = new Set<number>()
  /** Format-1 records read at open (deleted when the list is rewritten into chunks). */
  #legacyRecords: string[] = []
  #lengthTimer: ReturnType<typeof setTimeout> | null = null
  /** Discovery keys of the metadata cores governed while the list is open (anchor excluded). */
  readonly #metadata: Uint8Array[] = []
  /** Membership operations in storage order (closed multifeeds). */
  readonly #operations: Uint8Array[] = []

  /** A write no caller awaits failed (the lengths written in the background). */
  readonly #failed: (err: unknown) => void

  private constructor(anchor: Hypercore, gate: StoreGate, failed: (err: unknown) => void) {
    this.#anchor = anchor
    this.#gate = gate
    this.#failed = failed
  }

  /**
   * Opens (or creates) the list of the multifeed whose namespace is `store`, and loads it.
   * `failed` hears of a background write that failed (every other write is awaited by a caller).
   */
  static async open(
    root: Corestore,
    store: Corestore,
    discoveryKey: Uint8Array,
    gate: StoreGate,
    failed: (err: unknown) => void,
  ): Promise<FeedList> {
    const anchor = await openAnchor(store, FEED_LIST_CORE_NAME, gate)
    const list = new FeedList(anchor, gate, failed)
    const format = await anchor.getUserData(FORMAT)
    if (format !== null && (format.byteLength !== 1 || format[0]! > FORMAT_CHUNKS)) {
      // Written by a newer version: reading it as an older format would lose it (and the
      // rewrite below would store that loss). Refused; nothing is changed.
      await closeAnchor(anchor, gate)
      throw new Error(
        `the feed list is in format ${format[0]}, newer than this version reads (${FORMAT_CHUNKS}): update multifeed-protocol`,
      )
    }
    const chunked = format !== null && format[0] === FORMAT_CHUNKS
    await list.#load(chunked)
    // The legacy list and the registry are open only for a moment, but a peer that knows their
    // keys must not get them at any other moment either: governed for the list's lifetime.
    const legacy = await openAnchor(store, LEGACY_CORE_NAME, gate, 'json')
    try {
      list.#holdGoverned(legacy.discoveryKey)
      if (format === null) await list.#migrate(legacy)
      if (!chunked) await list.#rewriteInChunks()
    } finally {
      await closeAnchor(legacy, gate)
    }
    list.#holdGoverned(await register(rootOf(root), discoveryKey, anchor.key, gate))
    return list
  }

  /**
   * True when a multifeed of the store other than `discoveryKey` holds `key` (so its blocks must
   * not be cleared).
   */
  static async heldElsewhere(
    root: Corestore,
    discoveryKey: Uint8Array,
    key: Uint8Array,
    gate: StoreGate,
  ): Promise<boolean> {
    root = rootOf(root)
    const registry = await openAnchor(root, REGISTRY_CORE_NAME, gate)
    const others: { hex: string; anchorKey: Uint8Array | null }[] = []
    try {
      for await (const { key: entry, value } of storageOf(registry).createUserDataStream({
        gte: MULTIFEED,
        lt: prefixEnd(MULTIFEED),
      })) {
        const hex = entry.slice(MULTIFEED.length)
        if (hex === toHex(discoveryKey)) continue
        others.push({ hex, anchorKey: value.byteLength === 32 ? value : null })
      }
    } finally {
      await closeAnchor(registry, gate)
    }
    for (const { hex, anchorKey } of others) {
      // By the anchor's key: the other multifeed may live in any namespace of the store. An entry
      // without one (written before keys were recorded) names a multifeed of the root namespace.
      const anchor =
        anchorKey === null
          ? await openAnchor(root.namespace(parseKey(hex)!), FEED_LIST_CORE_NAME, gate)
          : await openAnchorByKey(root, anchorKey, gate)
      try {
        if (await holdsFeed(anchor, key)) return true
      } finally {
        await closeAnchor(anchor, gate)
      }
    }
    return false
  }

  /** Feeds and blocked keys the list holds (an upper bound on the distinct keys it names). */
  get size(): number {
    return this.#feeds.size + this.#blocked.size
  }

  /** True when `key` is in the list (a member). */
  holds(key: Uint8Array): boolean {
    return this.#feeds.has(toHex(key))
  }

  /** True when `key` is blocked or removed. */
  isBlocked(key: Uint8Array): boolean {
    return this.#blocked.has(toHex(key))
  }

  /** Persisted feeds in joining order (the list's own records: read, never change them). */
  feeds(): readonly Readonly<StoredFeed>[] {
    return [...this.#feeds.values()]
  }

  /** Hex key and writer name of each local writer's feed. */
  *names(): Iterable<[hex: string, name: string]> {
    for (const [hex, feed] of this.#feeds) if (feed.name !== null) yield [hex, feed.name]
  }

  /** Blocked or removed keys. */
  blocked(): Uint8Array[] {
    return [...this.#blocked.values()]
  }

  /** A closed multifeed's membership operations, in the order they were stored. */
  operations(): Uint8Array[] {
    return [...this.#operations]
  }

  /** Appends membership operations (after those stored before), in one write. */
  addOperations(operations: Uint8Array[]): Promise<void> {
    let last: Promise<void> = Promise.resolve()
    for (const operation of operations) {
      const seq = this.#operations.length
      this.#operations.push(operation)
      last = this.#write(OPERATION + seq.toString(16).padStart(12, '0'), operation)
    }
    return last
  }

  add(key: Uint8Array, name: string | null): Promise<void> {
    const hex = toHex(key)
    let feed = this.#feeds.get(hex)
    if (feed === undefined) {
      feed = { key, name, length: 0, blocked: this.#blocked.has(hex), seq: this.#nextSeq++ }
      this.#feeds.set(hex, feed)
      this.#chunkEntries(chunkOf(feed.seq)).add(feed)
    } else if (name !== null) {
      feed.name = name
    }
    return this.#writeChunk(chunkOf(feed.seq))
  }

  /** Remote feeds joined (written in one batch). */
  addAll(keys: Uint8Array[]): Promise<void> {
    return Promise.all(keys.map((key) => this.add(key, null))).then(noop)
  }

  block(key: Uint8Array): Promise<void> {
    const hex = toHex(key)
    this.#blocked.set(hex, key)
    const feed = this.#feeds.get(hex)
    if (feed !== undefined) feed.blocked = true
    return this.#write(BLOCKED + hex, Uint8Array.of(1))
  }

  unblock(key: Uint8Array): Promise<void> {
    const hex = toHex(key)
    this.#blocked.delete(hex)
    const feed = this.#feeds.get(hex)
    if (feed !== undefined) feed.blocked = false
    return this.#write(BLOCKED + hex, null)
  }

  /** Out of the list for good, and blocked. */
  remove(key: Uint8Array): Promise<void> {
    const hex = toHex(key)
    const feed = this.#feeds.get(hex)
    if (feed !== undefined) {
      this.#feeds.delete(hex)
      const index = chunkOf(feed.seq)
      const chunk = this.#chunks.get(index)!
      chunk.delete(feed)
      if (chunk.size === 0) this.#chunks.delete(index)
      this.#dirty.add(index) // rewritten without it, or deleted when empty
    }
    this.#blocked.set(hex, key)
    return this.#write(BLOCKED + hex, Uint8Array.of(1))
  }

  /** Lengths seen grow; written within LENGTH_FLUSH_MS (they only speed up the next open). */
  setLengths(feeds: { key: Uint8Array; length: number }[]): void {
    for (const { key, length } of feeds) {
      const hex = toHex(key)
      const feed = this.#feeds.get(hex)
      if (feed === undefined || length <= feed.length) continue
      feed.length = length
      this.#grown.add(chunkOf(feed.seq))
    }
    if (this.#grown.size > 0 && this.#lengthTimer === null) {
      this.#lengthTimer = setTimeout(() => {
        this.#lengthTimer = null
        this.#writeLengths().catch(this.#failed)
      }, LENGTH_FLUSH_MS)
      this.#lengthTimer.unref?.()
    }
  }

  /** Writes what is pending and closes the anchor. */
  async close(): Promise<void> {
    if (this.#lengthTimer !== null) clearTimeout(this.#lengthTimer)
    await this.#writeLengths()
    await this.#flushing
    for (const discoveryKey of this.#metadata) this.#gate.release(discoveryKey, null)
    await closeAnchor(this.#anchor, this.#gate)
  }

  /** Keeps a metadata core governed until the list closes. */
  #holdGoverned(discoveryKey: Uint8Array): void {
    this.#gate.govern(discoveryKey)
    this.#metadata.push(discoveryKey)
  }

  #writeLengths(): Promise<void> {
    if (this.#grown.size === 0) return Promise.resolve()
    for (const index of this.#grown) this.#dirty.add(index)
    this.#grown.clear()
    return this.#flush()
  }

  /** The feeds of chunk `index`, created empty when it holds none. */
  #chunkEntries(index: number): Set<FeedEntry> {
    let chunk = this.#chunks.get(index)
    if (chunk === undefined) {
      chunk = new Set()
      this.#chunks.set(index, chunk)
    }
    return chunk
  }

  #write(key: string, value: Uint8Array | null): Promise<void> {
    this.#pending.set(key, value)
    return this.#flush()
  }

  #writeChunk(index: number): Promise<void> {
    this.#dirty.add(index)
    return this.#flush()
  }

  /** Writes of one turn of the event loop share one storage transaction (one flush). */
  #flush(): Promise<void> {
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const writes = this.#pending
      const dirty = this.#dirty
      this.#pending = new Map()
      this.#dirty = new Set()
      this.#flushing = null
      const tx = storageOf(this.#anchor).write()
      for (const index of dirty) {
        const chunk = this.#chunks.get(index)
        if (chunk === undefined) tx.deleteUserData(chunkKey(index))
        else tx.putUserData(chunkKey(index), encodeChunk(chunk))
      }
      for (const [entry, data] of writes) {
        if (data === null) tx.deleteUserData(entry)
        else tx.putUserData(entry, data)
      }
      await tx.flush()
    })
    return this.#flushing
  }

  /** `chunked`: the list is of format 2 (else format-1 records are read too, to be rewritten). */
  async #load(chunked: boolean): Promise<void> {
    const storage = storageOf(this.#anchor)
    for await (const { key } of storage.createUserDataStream({
      gte: BLOCKED,
      lt: prefixEnd(BLOCKED),
    })) {
      const parsed = parseKey(key.slice(BLOCKED.length))
      if (parsed !== null) this.#blocked.set(toHex(parsed), parsed)
    }
    const feeds: FeedEntry[] = []
    let firstFreeSeq = 0
    for await (const { key, value } of storage.createUserDataStream({
      gte: CHUNK,
      lt: prefixEnd(CHUNK),
    })) {
      const index = key.slice(CHUNK.length)
      if (!CHUNK_INDEX.test(index)) continue // not written by this module: skip, not fail
      const chunkIndex = Number.parseInt(index, 16)
      try {
        for (const feed of decodeChunk(chunkIndex, value)) feeds.push(feed)
      } catch (err) {
        // Skipped, and never written over: new feeds join after it (below), so its bytes stay
        // for whoever can recover them.
        logStore('skipping an unreadable feed list chunk: %s', (err as Error).message)
        firstFreeSeq = Math.max(firstFreeSeq, (chunkIndex + 1) * FEEDS_PER_CHUNK)
      }
    }
    if (!chunked) await this.#loadLegacyRecords(feeds)
    // Chunks come in index order, each in joining order: sorted unless format-1 records joined.
    if (!isSorted(feeds)) feeds.sort((a, b) => a.seq - b.seq)
    for (const feed of feeds) {
      const hex = toHex(feed.key)
      if (this.#feeds.has(hex)) continue // in a chunk and a format-1 record (a rewrite cut short)
      feed.blocked = this.#blocked.has(hex)
      this.#feeds.set(hex, feed)
      this.#chunkEntries(chunkOf(feed.seq)).add(feed)
    }
    this.#nextSeq = Math.max(
      firstFreeSeq,
      feeds.length === 0 ? 0 : feeds[feeds.length - 1]!.seq + 1,
    )
    // Keys sort as their sequence numbers (fixed width), so the stream yields storage order.
    for await (const { value } of storage.createUserDataStream({
      gte: OPERATION,
      lt: prefixEnd(OPERATION),
    })) {
      this.#operations.push(Uint8Array.from(value))
    }
  }

  /** Reads the records of format 1 (a record per feed) into `feeds`. */
  async #loadLegacyRecords(feeds: FeedEntry[]): Promise<void> {
    for await (const { key, value } of storageOf(this.#anchor).createUserDataStream({
      gte: LEGACY_FEED,
      lt: prefixEnd(LEGACY_FEED),
    })) {
      this.#legacyRecords.push(key)
      const parsed = parseKey(key.slice(LEGACY_FEED.length))
      if (parsed === null) continue // not written by this module: skip rather than fail the open
      let record: FeedRecord
      try {
        record = decodeLegacyRecord(value)
      } catch (err) {
        logStore('skipping an unreadable feed list record: %s', (err as Error).message)
        continue
      }
      feeds.push({ key: parsed, ...record, blocked: false })
    }
  }

  /**
   * Stores the list in chunks (format 2): every chunk written, every format-1 record deleted and
   * the format set, in one transaction (a crash before it leaves format 1 to read again).
   */
  #rewriteInChunks(): Promise<void> {
    for (const index of this.#chunks.keys()) this.#dirty.add(index)
    for (const key of this.#legacyRecords) this.#pending.set(key, null)
    this.#legacyRecords = []
    return this.#write(FORMAT, Uint8Array.of(FORMAT_CHUNKS))
  }

  /** Reads the feed list of versions up to 0.1 (a JSON log core), once. */
  async #migrate(legacy: Hypercore): Promise<void> {
    for (let index = 0; index < legacy.length; index++) {
      const record = (await legacy.get(index)) as {
        op?: string
        key?: string
        name?: string | null
      }
      const key = parseKey(record?.key)
      if (key === null) continue
      if (record.op === 'add') await this.add(key, record.name ?? null)
      else if (record.op === 'block') await this.block(key)
      else if (record.op === 'remove') await this.remove(key)
    }
    if (legacy.length > 0) await legacy.clear(0, legacy.length)
  }
}

/** True when the list stored in `anchor`'s userData holds `key` (either format), or may. */
async function holdsFeed(anchor: Hypercore, key: Uint8Array): Promise<boolean> {
  if ((await anchor.getUserData(LEGACY_FEED + toHex(key))) !== null) return true
  for await (const { key: entry, value } of storageOf(anchor).createUserDataStream({
    gte: CHUNK,
    lt: prefixEnd(CHUNK),
  })) {
    const index = entry.slice(CHUNK.length)
    if (!CHUNK_INDEX.test(index)) continue
    try {
      for (const feed of decodeChunk(Number.parseInt(index, 16), value)) {
        if (b4a.equals(feed.key, key)) return true
      }
    } catch {
      // Unreadable: it may hold the key, and clearing a feed another multifeed holds loses data.
      return true
    }
  }
  return false
}

function isSorted(feeds: FeedEntry[]): boolean {
  for (let i = 1; i < feeds.length; i++) if (feeds[i - 1]!.seq > feeds[i]!.seq) return false
  return true
}

/** An anchor: a named, never appended, governed core whose userData holds records. */
async function openAnchor(
  store: Corestore,
  name: string,
  gate: StoreGate,
  valueEncoding?: string,
): Promise<Hypercore> {
  const anchor = store.get({ name, active: false, ...(valueEncoding ? { valueEncoding } : {}) })
  await anchor.ready()
  gate.govern(anchor.discoveryKey)
  gate.gateSession(anchor)
  return anchor
}

/** Another multifeed's anchor, by its key, governed like openAnchor's. */
async function openAnchorByKey(
  root: Corestore,
  key: Uint8Array,
  gate: StoreGate,
): Promise<Hypercore> {
  // Governed first: a core opened by key alone is readable, and could be fetched if stored empty.
  const discoveryKey = discoveryKeyOf(key)
  gate.govern(discoveryKey)
  const anchor = root.get({ key, active: false })
  try {
    await anchor.ready()
  } catch (err) {
    gate.release(discoveryKey, null)
    throw err
  }
  gate.gateSession(anchor)
  return anchor
}

/** The root of a Corestore session or namespace: the registry lives in its root namespace. */
function rootOf(store: Corestore): Corestore {
  return store.root ?? store
}

function discoveryKeyOf(key: Uint8Array): Uint8Array {
  return crypto.discoveryKey(key)
}

async function closeAnchor(anchor: Hypercore, gate: StoreGate): Promise<void> {
  gate.release(anchor.discoveryKey, anchor)
  await anchor.close()
}

/**
 * Adds the multifeed (its discovery key, its anchor's key) to the store's registry; returns the
 * registry's discovery key.
 */
async function register(
  root: Corestore,
  discoveryKey: Uint8Array,
  anchorKey: Uint8Array,
  gate: StoreGate,
): Promise<Uint8Array> {
  const registry = await openAnchor(root, REGISTRY_CORE_NAME, gate)
  try {
    await registry.setUserData(MULTIFEED + toHex(discoveryKey), anchorKey)
    return registry.discoveryKey
  } finally {
    await closeAnchor(registry, gate)
  }
}

/** The first string after every string that starts with `prefix` (for range reads). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

function noop(): void {}

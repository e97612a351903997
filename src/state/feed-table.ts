/**
 * Everything one session knows about each feed key: the local collection, what we offered,
 * what the remote offered, requests, acceptance, replication and sync progress. A feed is an id
 * (0, 1, 2, ... in first-seen order, found by key bytes in a KeyTable) into columns of typed
 * arrays, with counters kept up to date by the mutators so that no rule ever scans the table.
 *
 * Columns rather than one object per feed: at 100k feeds the objects were the largest
 * allocation of an exchange, and the garbage collector copied and scanned each of them, while
 * typed arrays are a few large blocks it never looks inside.
 */
import { KeyBlock } from '../codec/key-block.js'
import type { Key } from '../codec/messages.js'
import type { IdList } from './id-list.js'
import { KeyTable, NOT_FOUND } from './key-table.js'

/** A feed's row in the FeedTable. */
export type FeedId = number

/** No feed (a lookup that found nothing, or no guess). */
export const NO_FEED = NOT_FOUND
/** Sentinel for "never" in the length and request fields. */
export const NONE = -1

const MAX_STAMP = 0x7fffffff

/** Smallest column length allocated (a session with a few feeds grows its columns once). */
const MIN_CAPACITY = 64

// Bits of the flags column.
/** The user blocked or removed it: never offered, requested or accepted again. */
const BLOCKED = 1
/** Requested while not in the collection: reserves room under maxFeeds. */
const RESERVES_ROOM = 2
/** The remote agreed to replicate it and it was not blocked since. */
const ACCEPTED = 4
/** Accepted and the local copy is shorter than the remote's advertised length (capped at the cut). */
const LAGGING = 8
/** Replication was started on this connection (and not stopped by a block). */
const REPLICATING = 16
/** Accepted since the last remote-feeds action. */
const UNREPORTED = 32

/** Every feed a session knows, by id, with counters kept by the mutators. */
export class FeedTable {
  /** Ids by key, and a copy of each key. */
  readonly #index = new KeyTable()
  #capacity = 0
  // Numeric columns hold value + 1, so that 0 (a fresh array's content) means NONE: new ids
  // need no filling. A column absent (null) is all NONE: it is created by its first write, so a
  // session that only offers (or only receives) never allocates the other side's.
  /** Length of the local copy, or NONE when the local collection does not hold the feed. */
  #localLength: Float64Array | null = null
  /** Opaque data we offer with the key (created with the first feed that has data). */
  #localData: DataColumn = null
  /** Highest length we offered in this session, or NONE. */
  #offeredLength: Float64Array | null = null
  /** Highest length the remote advertised in this session, or NONE. */
  #remoteLength: Float64Array | null = null
  /** Data of the remote's newest entry for the key (created with the first that has data). */
  #remoteData: DataColumn = null
  /** Sequence number of the outstanding Request holding the key, or NONE. */
  #requestSeq: Int32Array | null = null
  /** Last message that touched the feed (to skip duplicates within one message), or 0. */
  #stamp: Int32Array = new Int32Array(0)
  /** The stamp nextStamp gave last. */
  #lastStamp = 0
  #flags = new Uint8Array(0)
  /**
   * The feed after this one in the last offer batch we sent it in (a lookup guess), and in the
   * last Request: 0 for id + 1 (the usual case, so these columns mostly stay absent), else
   * next + 2.
   */
  #nextOffered: Int32Array | null = null
  #nextRequested: Int32Array | null = null
  /** 1.1: the cut of a removed writer (spec/membership.md 10), or NONE (created by a first cut). */
  #cut: Float64Array | null = null

  #collectionSize = 0
  #remoteOffered = 0
  #reservedRoom = 0
  #lagging = 0

  /** Feeds known (ids are 0 to size - 1, in first-seen order). */
  get size(): number {
    return this.#index.size
  }

  /** Feeds the local collection holds. */
  get collectionSize(): number {
    return this.#collectionSize
  }

  /** Distinct keys the remote offered in this session. */
  get remoteOffered(): number {
    return this.#remoteOffered
  }

  /** Requested keys the collection does not hold yet. */
  get reservedRoom(): number {
    return this.#reservedRoom
  }

  /** Accepted keys whose local copy is behind the remote's advertised length. */
  get laggingCount(): number {
    return this.#lagging
  }

  /** Makes room for `count` more feeds (a hint: adding works without it, growing as it goes). */
  reserve(count: number): void {
    this.#index.reserve(count)
    this.#growColumns(this.size + count)
  }

  /** The id of `key` (32 bytes), or NO_FEED. */
  find(key: Key): FeedId {
    return this.#index.find(key, 0)
  }

  /**
   * The id of the 32-byte key at `at` of a view, trying `guess` first: a remote answers in the
   * order we sent, so the guess is usually right and saves the hash lookup.
   */
  findAt(bytes: DataView, at: number, guess: FeedId): FeedId {
    if (guess >= 0 && guess < this.size && this.#index.keyEqualsIn(guess, bytes, at)) return guess
    return this.#index.findIn(bytes, at)
  }

  /** The id of `key`, created (knowing nothing yet) if new. */
  idOf(key: Key): FeedId {
    return this.idAt(key, 0)
  }

  /** The id of the 32-byte key at bytes[at, at + 32), created (knowing nothing yet) if new. */
  idAt(bytes: Uint8Array, at: number): FeedId {
    const id = this.#index.findOrAdd(bytes, at)
    this.#growColumns(this.#index.size)
    return id
  }

  /**
   * The ids of `count` keys at bytes[offsets[i], offsets[i] + 32) into `out`, in order, each
   * created if new: idAt on each key, in one batch (see KeyTable.findOrAddAll). The `scratch`
   * lists are work space: they come back empty.
   */
  idsAt(
    bytes: Uint8Array,
    offsets: Int32Array,
    count: number,
    out: IdList,
    scratch: [IdList, IdList],
  ): void {
    this.#index.findOrAddAll(bytes, offsets, count, out.room(count), rooms(scratch, count))
    out.filled(count)
    this.#growColumns(this.#index.size)
  }

  /** idsAt for keys given as objects: key i is `keyAt(i)` (all taken before any is added). */
  idsOf(keyAt: (i: number) => Key, count: number, out: IdList, scratch: [IdList, IdList]): void {
    this.#index.findOrAddKeys(keyAt, count, out.room(count), rooms(scratch, count))
    out.filled(count)
    this.#growColumns(this.#index.size)
  }

  /** Grows every typed column to hold `needed` feeds, at least doubling (data grows as written). */
  #growColumns(needed: number): void {
    if (needed <= this.#capacity) return
    const capacity = Math.max(needed, this.#capacity * 2, MIN_CAPACITY)
    this.#localLength = grown64(this.#localLength, capacity)
    this.#offeredLength = grown64(this.#offeredLength, capacity)
    this.#remoteLength = grown64(this.#remoteLength, capacity)
    this.#requestSeq = grown32(this.#requestSeq, capacity)
    this.#stamp = grown32(this.#stamp, capacity)!
    const flags = new Uint8Array(capacity)
    flags.set(this.#flags)
    this.#flags = flags
    this.#nextOffered = grown32(this.#nextOffered, capacity)
    this.#nextRequested = grown32(this.#nextRequested, capacity)
    this.#cut = grown64(this.#cut, capacity)
    this.#capacity = capacity
  }

  /** The key of `id`, as a view of the table's copy (do not write to it). */
  key(id: FeedId): Key {
    return this.#index.key(id)
  }

  /**
   * The keys of a list of ids, in order: a view of the table's own copy when the ids are
   * consecutive (the usual case), so its receiver must not write to it.
   */
  keyBlock(list: IdList): KeyBlock {
    if (list.consecutive) return this.keyBlockRun(list.first, list.length)
    return new KeyBlock(this.#index.keysOf(list.ids, list.length))
  }

  /** The keys of ids first to first + count - 1: a view of the table's own copy. */
  keyBlockRun(first: FeedId, count: number): KeyBlock {
    return new KeyBlock(this.#index.keysRun(first, count))
  }

  localLength(id: FeedId): number {
    const column = this.#localLength
    return column === null ? NONE : column[id]! - 1
  }

  /** Some feed has local data (else localData is null for every feed). */
  get hasLocalData(): boolean {
    return this.#localData !== null
  }

  localData(id: FeedId): Uint8Array | null {
    return this.#localData?.[id] ?? null
  }

  offeredLength(id: FeedId): number {
    const column = this.#offeredLength
    return column === null ? NONE : column[id]! - 1
  }

  remoteLength(id: FeedId): number {
    const column = this.#remoteLength
    return column === null ? NONE : column[id]! - 1
  }

  remoteData(id: FeedId): Uint8Array | null {
    return this.#remoteData?.[id] ?? null
  }

  /** The feed's cut (blocks from there on are not part of the multifeed), or NONE. */
  cut(id: FeedId): number {
    const column = this.#cut
    return column === null ? NONE : column[id]! - 1
  }

  /** The length `synced` waits for: the advertised one, capped at the cut (NONE if none). */
  expectedLength(id: FeedId): number {
    const remote = this.remoteLength(id)
    const cut = this.cut(id)
    return cut === NONE ? remote : Math.min(remote, cut)
  }

  requestSeq(id: FeedId): number {
    const column = this.#requestSeq
    return column === null ? NONE : column[id]! - 1
  }

  isBlocked(id: FeedId): boolean {
    return (this.#flags[id]! & BLOCKED) !== 0
  }

  isAccepted(id: FeedId): boolean {
    return (this.#flags[id]! & ACCEPTED) !== 0
  }

  /** Requested while not in the collection, and the Request not answered yet. */
  reservesRoom(id: FeedId): boolean {
    return (this.#flags[id]! & RESERVES_ROOM) !== 0
  }

  isReplicating(id: FeedId): boolean {
    return (this.#flags[id]! & REPLICATING) !== 0
  }

  /** Accepted since the last remote-feeds action, and not blocked since. */
  isUnreported(id: FeedId): boolean {
    return (this.#flags[id]! & UNREPORTED) !== 0
  }

  /** The feed after `id` in the last offer batch we sent it in (at worst a wrong guess). */
  nextOffered(id: FeedId): FeedId {
    return nextIn(this.#nextOffered, id)
  }

  /** The feed after `id` in the Request holding it (not the last), or a guess. */
  nextRequested(id: FeedId): FeedId {
    return nextIn(this.#nextRequested, id)
  }

  /** A stamp no feed carries, for the next message to touch its feeds with. */
  nextStamp(): number {
    if (this.#lastStamp === MAX_STAMP) {
      // Once in 2^31 messages: every stamp starts over.
      this.#stamp.fill(0)
      this.#lastStamp = 0
    }
    return ++this.#lastStamp
  }

  /** True the first time message `stamp` (from nextStamp) touches the feed. */
  touch(id: FeedId, stamp: number): boolean {
    if (this.#stamp[id] === stamp) return false
    this.#stamp[id] = stamp
    return true
  }

  /** We offer the feed at `length` now. */
  setOffered(id: FeedId, length: number): void {
    this.#offeredLength ??= new Float64Array(this.#capacity)
    this.#offeredLength[id] = length + 1
  }

  setNextOffered(id: FeedId, next: FeedId): void {
    this.#nextOffered = withNext(this.#nextOffered, id, next, this.#capacity)
  }

  setNextRequested(id: FeedId, next: FeedId): void {
    this.#nextRequested = withNext(this.#nextRequested, id, next, this.#capacity)
  }

  /** Replication of the feed started on this connection; false if it already had. */
  startReplicating(id: FeedId): boolean {
    if (this.isReplicating(id)) return false
    this.#flags[id]! |= REPLICATING
    return true
  }

  /** Reports the feed (remote-feeds): false if it was not waiting to be reported. */
  takeUnreported(id: FeedId): boolean {
    if (!this.isUnreported(id)) return false
    this.#flags[id]! &= ~UNREPORTED
    return true
  }

  /** The collection holds the feed now, at least at `length` (lengths only grow). */
  setLocal(id: FeedId, length: number, data: Uint8Array | null): void {
    const local = this.localLength(id)
    if (local === NONE) {
      this.#collectionSize++
      this.#setReservesRoom(id, false)
    }
    if (length > local) this.#setLocalLength(id, length)
    this.#localData = withData(this.#localData, id, data)
    this.#refreshLag(id)
  }

  #setLocalLength(id: FeedId, length: number): void {
    this.#localLength ??= new Float64Array(this.#capacity)
    this.#localLength[id] = length + 1
  }

  /** Raises the local length of a held feed; false when the collection does not hold it. */
  raiseLocalLength(id: FeedId, length: number): boolean {
    const local = this.localLength(id)
    if (local === NONE) return false
    if (length > local) this.#setLocalLength(id, length)
    this.#refreshLag(id)
    return true
  }

  /**
   * The local copy was truncated to `length` (a fork): the local, offered and advertised
   * lengths become at most `length`, so a later offer above it is announced again and synced
   * stops waiting for blocks of the old fork. False when the collection does not hold the feed.
   */
  truncate(id: FeedId, length: number): boolean {
    const local = this.localLength(id)
    if (local === NONE) return false
    if (local > length) this.#setLocalLength(id, length)
    if (this.offeredLength(id) > length) this.setOffered(id, length)
    if (this.remoteLength(id) > length) this.#setRemoteLength(id, length)
    this.#refreshLag(id)
    return true
  }

  /** The remote offered the key: advertised length = highest seen, data = newest. */
  mergeRemoteOffer(id: FeedId, length: number, data: Uint8Array | null): void {
    const remote = this.remoteLength(id)
    if (remote === NONE) this.#remoteOffered++
    if (length > remote) this.#setRemoteLength(id, length)
    this.#remoteData = withData(this.#remoteData, id, data)
    this.#refreshLag(id)
  }

  #setRemoteLength(id: FeedId, length: number): void {
    this.#remoteLength ??= new Float64Array(this.#capacity)
    this.#remoteLength[id] = length + 1
  }

  setRequested(id: FeedId, seq: number): void {
    this.#requestSeq ??= new Int32Array(this.#capacity)
    this.#requestSeq[id] = seq + 1
    this.#setReservesRoom(id, this.localLength(id) === NONE)
  }

  /** The Request holding the key was answered. */
  clearRequested(id: FeedId): void {
    if (this.#requestSeq !== null) this.#requestSeq[id] = 0
    this.#setReservesRoom(id, false)
  }

  accept(id: FeedId): void {
    this.#flags[id]! |= ACCEPTED | UNREPORTED
    this.#refreshLag(id)
  }

  /** Sets (a length) or lifts (null) the feed's cut. */
  setCut(id: FeedId, length: number | null): void {
    if (length === null && this.#cut === null) return
    this.#cut ??= new Float64Array(this.#capacity)
    this.#cut[id] = length === null ? 0 : length + 1
    this.#refreshLag(id)
  }

  /**
   * The feed stops here for now (a cut of 0): no longer accepted nor reported, and replication
   * stops, but it is not blocked. Returns whether it was replicating.
   */
  withdraw(id: FeedId): boolean {
    const wasReplicating = this.isReplicating(id)
    this.#flags[id]! &= ~(ACCEPTED | UNREPORTED | REPLICATING)
    this.#refreshLag(id)
    return wasReplicating
  }

  /** Blocks the key: it is no longer accepted nor reported. Returns whether it was replicating. */
  block(id: FeedId): boolean {
    const wasReplicating = this.isReplicating(id)
    this.#flags[id] = (this.#flags[id]! | BLOCKED) & ~(ACCEPTED | UNREPORTED | REPLICATING)
    this.#refreshLag(id)
    return wasReplicating
  }

  #setReservesRoom(id: FeedId, reserves: boolean): void {
    const flags = this.#flags[id]!
    if (((flags & RESERVES_ROOM) !== 0) === reserves) return
    this.#flags[id] = flags ^ RESERVES_ROOM
    this.#reservedRoom += reserves ? 1 : -1
  }

  #refreshLag(id: FeedId): void {
    const flags = this.#flags[id]!
    const lagging = (flags & ACCEPTED) !== 0 && this.localLength(id) < this.expectedLength(id)
    if (((flags & LAGGING) !== 0) === lagging) return
    this.#flags[id] = flags ^ LAGGING
    this.#lagging += lagging ? 1 : -1
  }
}

/**
 * Per-feed data, most often null for every feed: the column exists only once some feed has
 * data (a missing entry reads as null).
 */
type DataColumn = (Uint8Array | null)[] | null

/** `column` with `data` at `id`, created if this is the first data. */
function withData(column: DataColumn, id: FeedId, data: Uint8Array | null): DataColumn {
  if (column === null) {
    if (data === null) return null
    column = []
  }
  // Filled up to id, so the array stays dense (a far write would make it a slow sparse one).
  while (column.length < id) column.push(null)
  column[id] = data
  return column
}

/** The next feed recorded for `id` in a next column (see #nextOffered). */
function nextIn(column: Int32Array | null, id: FeedId): FeedId {
  const stored = column === null ? 0 : column[id]!
  return stored === 0 ? id + 1 : stored - 2
}

/** `column` with `next` recorded for `id`, created only when next is not id + 1. */
function withNext(
  column: Int32Array | null,
  id: FeedId,
  next: FeedId,
  capacity: number,
): Int32Array | null {
  const stored = next === id + 1 ? 0 : next + 2
  if (column === null) {
    if (stored === 0) return null
    column = new Int32Array(capacity)
  }
  column[id] = stored
  return column
}

/** Room for `count` ids in each of two lists, as their arrays. */
function rooms([a, b]: [IdList, IdList], count: number): [Int32Array, Int32Array] {
  return [a.room(count), b.room(count)]
}

/** A column of `capacity` holding `from` at its start; null (not created yet) stays null. */
function grown64(from: Float64Array | null, capacity: number): Float64Array | null {
  if (from === null) return null
  const into = new Float64Array(capacity)
  into.set(from)
  return into
}

function grown32(from: Int32Array | null, capacity: number): Int32Array | null {
  if (from === null) return null
  const into = new Int32Array(capacity)
  into.set(from)
  return into
}

/**
 * Every feed key a collection knows: its members (local writers and admitted remote feeds) in
 * joining order, blocked keys, room reserved for requested keys, and which feeds are open and
 * how many connections use them. A feed is an id into typed-array columns (as in FeedTable), so
 * 65,536 idle feeds cost a few bytes each and no object the garbage collector must scan.
 */
import type { Key } from '../codec/messages.js'
import { KeyTable, NOT_FOUND } from './key-table.js'

/** A key's row in the CollectionFeeds. */
export type CollectionFeedId = number

/** No such key. */
export const NO_ID = NOT_FOUND

const MIN_CAPACITY = 64

// Bits of the flags column.
/** In the collection (a local writer or an admitted remote feed). */
const MEMBER = 1
/** A local writer. */
const LOCAL = 2
/** Blocked or removed by the user: never offered, requested, accepted or attached. */
const BLOCKED = 4
/** Open (the caller reported it with feeds-opened), or a local writer added open. */
const OPEN = 8
/** open-feeds was emitted and feeds-opened has not come yet. */
const OPENING = 16

/** The collection's feed table. */
export class CollectionFeeds {
  readonly #index = new KeyTable()
  #capacity = 0
  #flags = new Uint8Array(0)
  /** Blocks held without a gap (what we serve and offer). */
  #length = new Float64Array(0)
  /** Blocks known to exist (the feed's length). */
  #known = new Float64Array(0)
  /** Connections replicating the feed, or waiting for it to open to replicate it. */
  #users = new Int32Array(0)
  /** Connections whose outstanding Request reserves room for the key (while not a member). */
  #reservers = new Int32Array(0)
  /** Opaque data offered with a key; absent for most. */
  readonly #data = new Map<CollectionFeedId, Uint8Array>()
  /** Member ids in joining order; ids of removed members are dropped lazily. */
  #order: CollectionFeedId[] = []
  #members = 0
  #locals = 0
  #reserved = 0

  /** Members (local and remote). */
  get size(): number {
    return this.#members
  }

  /** Local writers among the members. */
  get localCount(): number {
    return this.#locals
  }

  /** Keys that are not members and for which some connection reserved room. */
  get reservedCount(): number {
    return this.#reserved
  }

  /** The id of `key`, or NO_ID. */
  find(key: Key): CollectionFeedId {
    return this.#index.find(key, 0)
  }

  /** The id of `key`, created if new (the table keeps a copy: callers may pass views). */
  idOf(key: Key): CollectionFeedId {
    const id = this.#index.findOrAdd(key, 0)
    if (id >= this.#capacity) this.#grow(id + 1)
    return id
  }

  key(id: CollectionFeedId): Key {
    return this.#index.key(id)
  }

  reserve(count: number): void {
    this.#index.reserve(count)
    this.#grow(this.#index.size + count)
  }

  isMember(id: CollectionFeedId): boolean {
    return (this.#flags[id]! & MEMBER) !== 0
  }

  isLocal(id: CollectionFeedId): boolean {
    return (this.#flags[id]! & LOCAL) !== 0
  }

  isBlocked(id: CollectionFeedId): boolean {
    return (this.#flags[id]! & BLOCKED) !== 0
  }

  isOpen(id: CollectionFeedId): boolean {
    return (this.#flags[id]! & OPEN) !== 0
  }

  isOpening(id: CollectionFeedId): boolean {
    return (this.#flags[id]! & OPENING) !== 0
  }

  length(id: CollectionFeedId): number {
    return this.#length[id]!
  }

  known(id: CollectionFeedId): number {
    return this.#known[id]!
  }

  data(id: CollectionFeedId): Uint8Array | null {
    return this.#data.get(id) ?? null
  }

  users(id: CollectionFeedId): number {
    return this.#users[id]!
  }

  /** The key joins the collection (its reservation, if any, is used up). */
  admit(id: CollectionFeedId, local: boolean, data: Uint8Array | null): void {
    const flags = this.#flags[id]!
    if ((flags & MEMBER) !== 0) {
      // A writer's key pair for a feed learned from a peer: it becomes local.
      if (local && (flags & LOCAL) === 0) {
        this.#flags[id] = flags | LOCAL
        this.#locals++
      }
      return
    }
    if (this.#reservers[id]! > 0) {
      this.#reservers[id] = 0
      this.#reserved--
    }
    this.#flags[id] = flags | MEMBER | (local ? LOCAL : 0)
    this.#members++
    if (local) this.#locals++
    this.#order.push(id)
    if (data !== null) this.#data.set(id, data)
  }

  /** The key leaves the collection for good (removed); it stays blocked. */
  drop(id: CollectionFeedId): void {
    const flags = this.#flags[id]!
    if ((flags & MEMBER) === 0) return
    this.#flags[id] = (flags & ~(MEMBER | LOCAL)) | BLOCKED
    this.#members--
    if ((flags & LOCAL) !== 0) this.#locals--
    this.#data.delete(id)
    // Compact the order once removed members make up half of it.
    if (this.#order.length > 2 * this.#members + MIN_CAPACITY) {
      this.#order = this.#order.filter((member) => this.isMember(member))
    }
  }

  setBlocked(id: CollectionFeedId, blocked: boolean): void {
    if (blocked) this.#flags[id]! |= BLOCKED
    else this.#flags[id]! &= ~BLOCKED
  }

  /** Lengths only grow; `known` is at least `length`. Returns true when `length` grew. */
  setLengths(id: CollectionFeedId, length: number, known: number): boolean {
    const grew = length > this.#length[id]!
    if (grew) this.#length[id] = length
    const atLeast = Math.max(known, this.#length[id]!)
    if (atLeast > this.#known[id]!) this.#known[id] = atLeast
    return grew
  }

  /** A fork: both lengths are capped at `length`. */
  truncate(id: CollectionFeedId, length: number): void {
    if (this.#length[id]! > length) this.#length[id] = length
    if (this.#known[id]! > length) this.#known[id] = length
  }

  setOpening(id: CollectionFeedId): void {
    this.#flags[id]! |= OPENING
  }

  setOpen(id: CollectionFeedId, open: boolean): void {
    if (open) this.#flags[id] = (this.#flags[id]! | OPEN) & ~OPENING
    else this.#flags[id]! &= ~(OPEN | OPENING)
  }

  addUser(id: CollectionFeedId): void {
    this.#users[id]!++
  }

  removeUser(id: CollectionFeedId): void {
    this.#users[id]!--
  }

  /** Some connection reserves room for a non-member key; true if this is the first one. */
  addReserver(id: CollectionFeedId): boolean {
    const first = this.#reservers[id] === 0
    this.#reservers[id]!++
    if (first) this.#reserved++
    return first
  }

  /** A connection gives up its reservation of a key (a no-op once the key is a member). */
  removeReserver(id: CollectionFeedId): void {
    if (this.#reservers[id]! === 0) return
    this.#reservers[id]!--
    if (this.#reservers[id] === 0) this.#reserved--
  }

  hasReservers(id: CollectionFeedId): boolean {
    return this.#reservers[id]! > 0
  }

  /** Member ids in joining order. */
  members(): CollectionFeedId[] {
    const members: CollectionFeedId[] = []
    for (const id of this.#order) if (this.isMember(id)) members.push(id)
    return members
  }

  /** Ids of every blocked key. */
  blocked(): CollectionFeedId[] {
    const blocked: CollectionFeedId[] = []
    for (let id = 0; id < this.#index.size; id++) if (this.isBlocked(id)) blocked.push(id)
    return blocked
  }

  #grow(needed: number): void {
    if (needed <= this.#capacity) return
    const capacity = Math.max(needed, this.#capacity * 2, MIN_CAPACITY)
    this.#flags = grown(this.#flags, new Uint8Array(capacity))
    this.#length = grown(this.#length, new Float64Array(capacity))
    this.#known = grown(this.#known, new Float64Array(capacity))
    this.#users = grown(this.#users, new Int32Array(capacity))
    this.#reservers = grown(this.#reservers, new Int32Array(capacity))
    this.#capacity = capacity
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, into: T): T {
  into.set(from as never)
  return into
}

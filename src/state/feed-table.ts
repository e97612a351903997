/**
 * Everything one session knows about each feed key, in one record per key (found by key bytes
 * in a KeyTable), with counters kept up to date by the mutators so that no rule ever scans the table:
 * the local collection, what we offered, what the remote offered, requests, acceptance,
 * replication and sync progress. One Map lookup per key per message keeps the cost linear.
 */
import type { Key } from '../codec/messages.js'
import { sameKeyAt } from './key-id.js'
import { KeyTable } from './key-table.js'

/** Sentinel for "never" in the length fields. */
export const NONE = -1

/** What the session knows about one feed key. */
export interface FeedRecord {
  readonly key: Key
  /** Length of the local copy, or NONE when the local collection does not hold the feed. */
  localLength: number
  /** Opaque data we offer with the key. */
  localData: Uint8Array | null
  /** The user blocked or removed it: never offered, requested or accepted again. */
  blocked: boolean
  /** Highest length we offered in this session, or NONE. */
  offeredLength: number
  /** Highest length the remote advertised in this session, or NONE. */
  remoteLength: number
  /** Data of the remote's newest entry for the key. */
  remoteData: Uint8Array | null
  /** Sequence number of the outstanding Request holding the key, or NONE. */
  requestSeq: number
  /** Requested while not in the collection: reserves room under maxFeeds. */
  reservesRoom: boolean
  /** The remote agreed to replicate it and it was not blocked since. */
  accepted: boolean
  /** Accepted and the local copy is shorter than the remote's advertised length. */
  lagging: boolean
  /** Replication was started on this connection (and not stopped by a block). */
  replicating: boolean
  /** Accepted since the last remote-feeds action. */
  unreported: boolean
  /** Last message that touched the record (to skip duplicates within one message). */
  stamp: number
  /** The record after this one in the last offer batch we sent it in (a lookup guess). */
  nextOffered: FeedRecord | null
  /** The record after this one in the last Request we sent it in (a lookup guess). */
  nextRequested: FeedRecord | null
}

/** Every FeedRecord of a session, with counters kept by the mutators (no rule scans the table). */
export class FeedTable {
  readonly #records = new KeyTable<FeedRecord>()
  #collectionSize = 0
  #remoteOffered = 0
  #reservedRoom = 0
  #lagging = 0

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

  get(key: Key): FeedRecord | undefined {
    return this.#records.get(key)
  }

  /**
   * The record of the 32-byte key at bytes[at, at + 32), trying `guess` first: a remote
   * answers in the order we sent, so the guess is usually right, and comparing 32 bytes
   * costs far less than building a Map key and looking it up.
   */
  findAt(bytes: Uint8Array, at: number, guess: FeedRecord | null): FeedRecord | undefined {
    if (guess !== null && sameKeyAt(guess.key, bytes, at)) return guess
    return this.#records.getAt(bytes, at)
  }

  /**
   * The record of the 32-byte key at bytes[at, at + 32), created if the table has none (its key
   * then a view of those bytes: `bytes` must not change afterwards).
   */
  recordAt(bytes: Uint8Array, at: number): FeedRecord {
    const record = this.#records.getAt(bytes, at)
    if (record !== undefined) return record
    return this.#create(new Uint8Array(bytes.buffer, bytes.byteOffset + at, 32))
  }

  /** The record of `key`, created (knowing nothing yet) if the table has none. */
  recordOf(key: Key): FeedRecord {
    return this.#records.get(key) ?? this.#create(key)
  }

  #create(key: Key): FeedRecord {
    const record: FeedRecord = {
      key,
      localLength: NONE,
      localData: null,
      blocked: false,
      offeredLength: NONE,
      remoteLength: NONE,
      remoteData: null,
      requestSeq: NONE,
      reservesRoom: false,
      accepted: false,
      lagging: false,
      replicating: false,
      unreported: false,
      stamp: 0,
      nextOffered: null,
      nextRequested: null,
    }
    this.#records.add(record)
    return record
  }

  /** Records in first-seen order (before the remote's first Manifest: collection order). */
  values(): readonly FeedRecord[] {
    return this.#records.values()
  }

  /** The collection holds the feed now, at least at `length` (lengths only grow). */
  setLocal(record: FeedRecord, length: number, data: Uint8Array | null): void {
    if (record.localLength === NONE) {
      this.#collectionSize++
      if (record.reservesRoom) this.#setReservesRoom(record, false)
    }
    if (length > record.localLength) record.localLength = length
    record.localData = data
    this.#refreshLag(record)
  }

  /** Raises the local length of a held feed; false when the collection does not hold it. */
  raiseLocalLength(record: FeedRecord, length: number): boolean {
    if (record.localLength === NONE) return false
    if (length > record.localLength) record.localLength = length
    this.#refreshLag(record)
    return true
  }

  /** The remote offered the key: advertised length = highest seen, data = newest. */
  mergeRemoteOffer(record: FeedRecord, length: number, data: Uint8Array | null): void {
    if (record.remoteLength === NONE) this.#remoteOffered++
    if (length > record.remoteLength) record.remoteLength = length
    record.remoteData = data
    this.#refreshLag(record)
  }

  setRequested(record: FeedRecord, seq: number): void {
    record.requestSeq = seq
    this.#setReservesRoom(record, record.localLength === NONE)
  }

  /** The Request holding the key was answered. */
  clearRequested(record: FeedRecord): void {
    record.requestSeq = NONE
    this.#setReservesRoom(record, false)
  }

  accept(record: FeedRecord): void {
    record.accepted = true
    record.unreported = true
    this.#refreshLag(record)
  }

  /** Blocks the key: it is no longer accepted nor reported. Returns whether it was replicating. */
  block(record: FeedRecord): boolean {
    record.blocked = true
    record.accepted = false
    record.unreported = false
    this.#refreshLag(record)
    const wasReplicating = record.replicating
    record.replicating = false
    return wasReplicating
  }

  #setReservesRoom(record: FeedRecord, reserves: boolean): void {
    if (record.reservesRoom === reserves) return
    record.reservesRoom = reserves
    this.#reservedRoom += reserves ? 1 : -1
  }

  #refreshLag(record: FeedRecord): void {
    const lagging = record.accepted && record.localLength < record.remoteLength
    if (lagging === record.lagging) return
    record.lagging = lagging
    this.#lagging += lagging ? 1 : -1
  }
}

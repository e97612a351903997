/**
 * The Hypercore sessions a multifeed holds open for its collection: opened on `open-feeds`,
 * closed on `close-feeds` (spec/collection.md section 7). Each is governed by the store's gate
 * from the moment it opens, so nothing the collection did not attach can travel. It reports,
 * batched per turn of the event loop, when feeds finished opening and when their lengths
 * changed. It decides nothing: which feeds are open, and what to download, is the collection's.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { Download, HypercoreOptions } from 'hypercore'
import crypto from 'hypercore-crypto'
import type { Key } from '../../codec/messages.js'
import { toHex } from '../../state/hex.js'
import type { StoreGate } from './store-gate.js'

/** A feed's lengths as the collection takes them. */
export interface FeedLengths {
  key: Key
  /** Blocks held from the start without a gap. */
  length: number
  /** The feed's length (blocks known to exist). */
  known: number
}

/** What FeedCores reports to its owner. */
export interface FeedCoresEvents {
  /** Feeds that finished opening (with their lengths now). */
  opened(feeds: FeedLengths[]): void
  /** Open feeds whose lengths changed. */
  grew(feeds: FeedLengths[]): void
  /** A feed's copy was truncated to `length` (a Hypercore fork). */
  truncated(key: Key, length: number): void
  /** A feed failed to open while the owner was not closing. */
  failed(key: Key, error: unknown): void
}

interface OpenFeed {
  core: Hypercore
  download: Download | null
  /** The collection asked for every block (below the cut, if any). */
  downloads: boolean
  onChange: () => void
  onTruncate: (length: number) => void
}

/** The collection's open feeds, by hex key. */
export class FeedCores {
  readonly #store: Corestore
  readonly #coreOptions: HypercoreOptions
  readonly #gate: StoreGate
  readonly #events: FeedCoresEvents
  readonly #open = new Map<string, OpenFeed>()
  /** Opens in flight: a close that arrives meanwhile is applied when the open completes. */
  readonly #opening = new Map<string, Promise<void>>()
  readonly #unwanted = new Set<string>()
  #openedBatch: FeedLengths[] = []
  readonly #grown = new Set<string>()
  /** The last followed session that grew, per feed (to read its lengths). */
  readonly #followed = new Map<string, Hypercore>()
  #flush: ReturnType<typeof setImmediate> | null = null
  #closed = false
  /**
   * Closed multifeeds: blocks from these indexes on are not part of the multifeed (a removed
   * writer's cut, spec/membership.md section 10): never downloaded, and cleared if held.
   */
  readonly #cuts = new Map<string, number>()

  constructor(
    store: Corestore,
    coreOptions: HypercoreOptions,
    gate: StoreGate,
    events: FeedCoresEvents,
  ) {
    this.#store = store
    this.#coreOptions = coreOptions
    this.#gate = gate
    this.#events = events
  }

  /** The open core of `key`, if any. */
  get(key: Key): Hypercore | undefined {
    return this.#open.get(toHex(key))?.core
  }

  /** The Hypercore channels our open cores replicate on now (to await their full close). */
  peerChannels(): { fullyClosed(): Promise<void> }[] {
    const channels: { fullyClosed(): Promise<void> }[] = []
    for (const { core } of this.#open.values()) {
      for (const peer of core.peers) channels.push(peer.channel)
    }
    return channels
  }

  /** Number of open cores. */
  get size(): number {
    return this.#open.size
  }

  /** Opens a feed (by key; a writer's key pair is found in storage). Reported with `opened`. */
  open(key: Key, download: boolean): void {
    const hex = toHex(key)
    this.#unwanted.delete(hex)
    if (this.#open.has(hex) || this.#opening.has(hex)) return
    const opening = this.#openCore(key, hex, download)
      .catch((err) => {
        if (!this.#closed) this.#events.failed(key, err)
      })
      .finally(() => this.#opening.delete(hex))
    this.#opening.set(hex, opening)
  }

  /**
   * Reports the growth of a ready session the owner handed to the user (a writer grows only
   * through one), until it closes; it is not one of the collection's open feeds.
   */
  follow(core: Hypercore): void {
    const hex = toHex(core.key)
    const onChange = () => {
      this.#followed.set(hex, core)
      this.#grown.add(hex)
      this.#schedule()
    }
    const onTruncate = (length: number) => this.#events.truncated(core.key, length)
    core.on('append', onChange)
    core.on('truncate', onTruncate)
    core.once('close', () => {
      core.off('append', onChange)
      core.off('truncate', onTruncate)
      if (this.#followed.get(hex) === core) this.#followed.delete(hex)
    })
  }

  /**
   * A removed writer's cut (null: none). An open copy downloads only the blocks below it, and
   * a remote feed's blocks at or above it are cleared, so they are served to no one.
   */
  setCut(key: Key, cut: number | null): void {
    const hex = toHex(key)
    if (cut === null) this.#cuts.delete(hex)
    else this.#cuts.set(hex, cut)
    const feed = this.#open.get(hex)
    if (feed === undefined) return
    if (feed.downloads) {
      feed.download?.destroy()
      feed.download = this.#startDownload(feed.core, hex)
    }
    this.#clearPastCut(feed.core, hex)
  }

  #startDownload(core: Hypercore, hex: string): Download | null {
    const cut = this.#cuts.get(hex)
    if (cut === undefined) return core.download({ start: 0, end: -1 })
    return cut === 0 ? null : core.download({ start: 0, end: cut })
  }

  /** Clears a remote copy's blocks at or above its cut (a local writer keeps its own). */
  #clearPastCut(core: Hypercore, hex: string): void {
    const cut = this.#cuts.get(hex)
    if (cut === undefined || core.writable || core.length <= cut) return
    core.clear(cut, core.length).catch(noop)
  }

  /** Closes a feed (it stays in the collection). */
  close(key: Key): void {
    const hex = toHex(key)
    if (this.#opening.has(hex)) {
      this.#unwanted.add(hex)
      return
    }
    const feed = this.#open.get(hex)
    if (feed === undefined) return
    this.#open.delete(hex)
    this.#release(feed)
  }

  /** Closes every core; resolves when they are closed. */
  async closeAll(): Promise<void> {
    this.#closed = true
    if (this.#flush !== null) clearImmediate(this.#flush)
    await Promise.allSettled([...this.#opening.values()])
    const closing = [...this.#open.values()].map((feed) => this.#release(feed))
    this.#open.clear()
    await Promise.allSettled(closing)
  }

  async #openCore(key: Key, hex: string, download: boolean): Promise<void> {
    // Governed before Corestore creates the core, so it is gated from its first moment.
    const discoveryKey = crypto.discoveryKey(key)
    this.#gate.govern(discoveryKey)
    const core = this.#store.get({ ...this.#coreOptions, key })
    try {
      await core.ready()
    } catch (err) {
      this.#gate.release(discoveryKey, null)
      throw err
    }
    this.#gate.gateSession(core)
    if (this.#closed || this.#unwanted.delete(hex)) {
      this.#gate.release(discoveryKey, core)
      await core.close()
      return
    }
    this.#track(hex, core, download ? this.#startDownload(core, hex) : null, download)
    this.#clearPastCut(core, hex)
    this.#openedBatch.push(lengthsOf(core))
    this.#schedule()
  }

  #track(hex: string, core: Hypercore, download: Download | null, downloads: boolean): void {
    const onChange = () => {
      this.#grown.add(hex)
      this.#schedule()
    }
    const onTruncate = (length: number) => this.#events.truncated(core.key, length)
    core.on('append', onChange)
    core.on('download', onChange)
    core.on('truncate', onTruncate)
    this.#open.set(hex, { core, download, downloads, onChange, onTruncate })
  }

  #release(feed: OpenFeed): Promise<void> {
    const { core, download, onChange, onTruncate } = feed
    download?.destroy()
    core.off('append', onChange)
    core.off('download', onChange)
    core.off('truncate', onTruncate)
    this.#gate.release(core.discoveryKey, core)
    return core.close().catch(noop)
  }

  /** Reports once per turn of the event loop, whatever the number of blocks or opens. */
  #schedule(): void {
    if (this.#flush !== null || this.#closed) return
    this.#flush = setImmediate(() => {
      this.#flush = null
      if (this.#openedBatch.length > 0) {
        const opened = this.#openedBatch
        this.#openedBatch = []
        this.#events.opened(opened)
      }
      if (this.#grown.size > 0) {
        const grown: FeedLengths[] = []
        for (const hex of this.#grown) {
          const core = this.#open.get(hex)?.core ?? this.#followed.get(hex)
          if (core !== undefined && !core.closed) grown.push(lengthsOf(core))
        }
        this.#grown.clear()
        if (grown.length > 0) this.#events.grew(grown)
      }
    })
  }
}

function lengthsOf(core: Hypercore): FeedLengths {
  return { key: core.key, length: core.contiguousLength, known: core.length }
}

function noop(): void {}

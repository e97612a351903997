/**
 * The gate of one Corestore: a Hypercore that belongs to an open multifeed of this store is
 * attached to a connection only where some multifeed's collection attached it (spec/collection.md
 * section 9; security.md, "What a connection carries"). Corestore on its own attaches every open
 * core to every replication stream, and opens any stored core a remote asks for by discovery key;
 * Hypercore has no public hook to refuse either.
 *
 * Mechanism, and why: every path by which Corestore attaches a core to a stream (the loop in
 * `store.replicate`, `attachAll` when a core starts downloading, and `_attachMaybe` when a remote
 * opens a channel for a stored core) ends in the core's `replicator.attachTo(mux)`. The gate
 * gives each governed replicator an own `attachTo` that refuses a mux no multifeed allowed, and
 * learns of every core the store opens through Corestore's public `store.watch()`, so a core
 * opened by Corestore for a remote's request is governed before it can attach. A refused open
 * from the remote is then rejected by protomux, exactly as for a core the store does not have.
 * This is the least fragile seam found: it replaces one method on objects we are handed, reads
 * no private field, and the canary in `test/integration/security/blocking.test.ts` fails if an
 * upgrade adds a path around it.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { KeyTable, NOT_FOUND } from '../../state/key-table.js'

/** The replicator methods the gate relies on (hypercore 11: lib/replicator.js). */
interface Replicator {
  attachTo(mux: unknown): void
  detachFrom(mux: unknown): void
  attached(mux: unknown): boolean
}

/** A core as the store's watch() hands it over (the internal core, with its replicator). */
interface WatchedCore {
  discoveryKey: Uint8Array | null
  replicator: Replicator | null
}

const gates = new WeakMap<Corestore, StoreGate>()
/** Marks replicators that already carry the gate's attachTo. */
const GATED = Symbol('multifeed gate')
const MIN_CAPACITY = 64

/** The gate of a root Corestore (shared by every multifeed of the store). */
export class StoreGate {
  /**
   * Discovery keys ever governed, each an id into the columns below. A binary table: a large
   * collection governs every member, and hex strings and an object per key cost more than the
   * 2 KB per idle feed a collection may spend (spec/collection.md, scale targets).
   */
  readonly #keys = new KeyTable()
  /** Open govern() calls per id (each matched by a release()); 0: not governed. */
  #holders = new Int32Array(MIN_CAPACITY)
  /** For the few ids attached somewhere: owner -> muxes it allowed the core on. */
  readonly #allowed = new Map<number, Map<object, Set<unknown>>>()
  readonly #root: Corestore
  readonly #onCore = (core: unknown) => this.#onOpen(core as WatchedCore)

  private constructor(root: Corestore) {
    this.#root = root
    root.watch(this.#onCore)
  }

  /** The gate of `root` (created on first use). */
  static of(root: Corestore): StoreGate {
    let gate = gates.get(root)
    if (gate === undefined) {
      gate = new StoreGate(root)
      gates.set(root, gate)
    }
    return gate
  }

  /** Makes room for `count` more governed keys (a hint for a large collection's open). */
  reserve(count: number): void {
    this.#keys.reserve(count)
    this.#grow(this.#keys.size + count)
  }

  /**
   * From now on the core of `discoveryKey` attaches only where allowed: call it before opening
   * the core, so that the core is gated as Corestore creates it. Matched by `release`.
   */
  govern(discoveryKey: Uint8Array): void {
    const id = this.#keys.findOrAdd(discoveryKey, 0)
    this.#grow(id + 1)
    this.#holders[id]!++
  }

  /** `govern` of each key, at once (a large collection's open: one pass in slot order). */
  governAll(discoveryKeys: readonly Uint8Array[]): void {
    const count = discoveryKeys.length
    const ids = new Int32Array(count)
    const scratch: [Int32Array, Int32Array] = [new Int32Array(count), new Int32Array(count)]
    this.#keys.findOrAddKeys((i) => discoveryKeys[i]!, count, ids, scratch)
    this.#grow(this.#keys.size)
    for (let i = 0; i < count; i++) this.#holders[ids[i]!]!++
  }

  /** Gates a ready session's core that Corestore had opened before it was governed. */
  gateSession(core: Hypercore): void {
    if (core.discoveryKey && this.#governedId(core.discoveryKey) !== NOT_FOUND) {
      this.#gate(core as unknown as WatchedCore)
    }
  }

  /** Ends one `govern`; when none is left it is detached wherever it was allowed. */
  release(discoveryKey: Uint8Array, core: Hypercore | null): void {
    const id = this.#governedId(discoveryKey)
    if (id === NOT_FOUND || --this.#holders[id]! > 0) return
    const allowed = this.#allowed.get(id)
    this.#allowed.delete(id)
    if (core === null || allowed === undefined) return
    for (const muxes of allowed.values()) {
      for (const mux of muxes) detach(core, mux)
    }
  }

  /** `owner` allows `core` (governed, ready) on `mux` and attaches it there. */
  allow(owner: object, core: Hypercore, mux: unknown): void {
    const id = this.#governedId(core.discoveryKey)
    if (id === NOT_FOUND) throw new Error('allow() on a core the gate does not govern')
    let allowed = this.#allowed.get(id)
    if (allowed === undefined) {
      allowed = new Map()
      this.#allowed.set(id, allowed)
    }
    let muxes = allowed.get(owner)
    if (muxes === undefined) {
      muxes = new Set()
      allowed.set(owner, muxes)
    }
    muxes.add(mux)
    const replicator = core.replicator as Replicator | null
    if (replicator && !replicator.attached(mux)) core.replicate(mux as never)
  }

  /** `owner` withdraws its allowance; the core is detached unless another owner allows it. */
  disallow(owner: object, core: Hypercore, mux: unknown): void {
    const id = this.#governedId(core.discoveryKey)
    const allowed = id === NOT_FOUND ? undefined : this.#allowed.get(id)
    const muxes = allowed?.get(owner)
    if (muxes === undefined || !muxes.delete(mux)) return
    if (muxes.size === 0) allowed!.delete(owner)
    if (allowed!.size === 0) this.#allowed.delete(id)
    if (!this.#isAllowed(id, mux)) detach(core, mux)
  }

  /** True while `core` is attached to `mux` (as far as Hypercore knows). */
  attached(core: Hypercore, mux: unknown): boolean {
    return (core.replicator as Replicator | null)?.attached(mux) === true
  }

  /** Stops watching the store. */
  destroy(): void {
    this.#root.unwatch(this.#onCore)
    gates.delete(this.#root)
  }

  /** The id of a governed discovery key, or NOT_FOUND (also once every holder released it). */
  #governedId(discoveryKey: Uint8Array): number {
    const id = this.#keys.find(discoveryKey, 0)
    return id !== NOT_FOUND && this.#holders[id]! > 0 ? id : NOT_FOUND
  }

  #isAllowed(id: number, mux: unknown): boolean {
    const allowed = this.#allowed.get(id)
    if (allowed === undefined) return false
    for (const muxes of allowed.values()) if (muxes.has(mux)) return true
    return false
  }

  #grow(needed: number): void {
    if (needed <= this.#holders.length) return
    const grown = new Int32Array(Math.max(needed, this.#holders.length * 2))
    grown.set(this.#holders)
    this.#holders = grown
  }

  /** Corestore opened a core (for anyone, a remote's request included): gate it if governed. */
  #onOpen(core: WatchedCore): void {
    if (core.discoveryKey === null || core.replicator === null) return
    if (this.#governedId(core.discoveryKey) !== NOT_FOUND) this.#gate(core)
  }

  /** Gives the core's replicator an attachTo that asks the gate first. */
  #gate(core: WatchedCore): void {
    const replicator = core.replicator as (Replicator & { [GATED]?: true }) | null
    if (replicator === null || replicator[GATED] === true) return
    const discoveryKey = core.discoveryKey!
    const attachTo = replicator.attachTo
    replicator.attachTo = (mux: unknown) => {
      const id = this.#governedId(discoveryKey)
      if (id !== NOT_FOUND && !this.#isAllowed(id, mux)) return
      attachTo.call(replicator, mux)
    }
    replicator[GATED] = true
  }
}

/** Stops replicating `core` on `mux` (closes its hypercore channel there). */
function detach(core: Hypercore, mux: unknown): void {
  core.replicator?.detachFrom(mux)
  for (const peer of core.peers) if (peer.protomux === mux) peer.channel.close()
}

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
import { toHex } from '../../state/hex.js'

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

interface Governed {
  /**
   * Who allowed the core on which mux: owner -> muxes. Null until the first allow: most
   * governed keys (every member of a large collection) are never attached anywhere.
   */
  allowed: Map<object, Set<unknown>> | null
  /** Open govern() calls (each matched by a release()). */
  holders: number
}

const gates = new WeakMap<Corestore, StoreGate>()
/** Marks replicators that already carry the gate's attachTo. */
const GATED = Symbol('multifeed gate')

/** The gate of a root Corestore (shared by every multifeed of the store). */
export class StoreGate {
  /** Governed cores by hex discovery key. */
  readonly #governed = new Map<string, Governed>()
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

  /**
   * From now on the core of `discoveryKey` attaches only where allowed: call it before opening
   * the core, so that the core is gated as Corestore creates it. Matched by `release`.
   */
  govern(discoveryKey: Uint8Array): void {
    const hex = toHex(discoveryKey)
    let governed = this.#governed.get(hex)
    if (governed === undefined) {
      governed = { allowed: null, holders: 0 }
      this.#governed.set(hex, governed)
    }
    governed.holders++
  }

  /** Gates a ready session's core that Corestore had opened before it was governed. */
  gateSession(core: Hypercore): void {
    if (core.discoveryKey && this.#governed.has(toHex(core.discoveryKey))) {
      this.#gate(core as unknown as WatchedCore)
    }
  }

  /** Ends one `govern`; when none is left it is detached wherever it was allowed. */
  release(discoveryKey: Uint8Array, core: Hypercore | null): void {
    const hex = toHex(discoveryKey)
    const governed = this.#governed.get(hex)
    if (governed === undefined || --governed.holders > 0) return
    this.#governed.delete(hex)
    if (core === null || governed.allowed === null) return
    for (const muxes of governed.allowed.values()) {
      for (const mux of muxes) detach(core, mux)
    }
  }

  /** `owner` allows `core` (governed, ready) on `mux` and attaches it there. */
  allow(owner: object, core: Hypercore, mux: unknown): void {
    const governed = this.#governed.get(toHex(core.discoveryKey))
    if (governed === undefined) throw new Error('allow() on a core the gate does not govern')
    governed.allowed ??= new Map()
    let muxes = governed.allowed.get(owner)
    if (muxes === undefined) {
      muxes = new Set()
      governed.allowed.set(owner, muxes)
    }
    muxes.add(mux)
    const replicator = core.replicator as Replicator | null
    if (replicator && !replicator.attached(mux)) core.replicate(mux as never)
  }

  /** `owner` withdraws its allowance; the core is detached unless another owner allows it. */
  disallow(owner: object, core: Hypercore, mux: unknown): void {
    const governed = this.#governed.get(toHex(core.discoveryKey))
    if (governed?.allowed == null) return
    const muxes = governed.allowed.get(owner)
    if (muxes === undefined || !muxes.delete(mux)) return
    if (muxes.size === 0) governed.allowed.delete(owner)
    if (!isAllowed(governed, mux)) detach(core, mux)
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

  /** Corestore opened a core (for anyone, a remote's request included): gate it if governed. */
  #onOpen(core: WatchedCore): void {
    if (core.discoveryKey === null || core.replicator === null) return
    if (this.#governed.has(toHex(core.discoveryKey))) this.#gate(core)
  }

  /** Gives the core's replicator an attachTo that asks the gate first. */
  #gate(core: WatchedCore): void {
    const replicator = core.replicator as (Replicator & { [GATED]?: true }) | null
    if (replicator === null || replicator[GATED] === true) return
    const hex = toHex(core.discoveryKey!)
    const attachTo = replicator.attachTo
    replicator.attachTo = (mux: unknown) => {
      const governed = this.#governed.get(hex)
      if (governed !== undefined && !isAllowed(governed, mux)) return
      attachTo.call(replicator, mux)
    }
    replicator[GATED] = true
  }
}

function isAllowed(governed: Governed, mux: unknown): boolean {
  if (governed.allowed === null) return false
  for (const muxes of governed.allowed.values()) if (muxes.has(mux)) return true
  return false
}

/** Stops replicating `core` on `mux` (closes its hypercore channel there). */
function detach(core: Hypercore, mux: unknown): void {
  core.replicator?.detachFrom(mux)
  for (const peer of core.peers) if (peer.protomux === mux) peer.channel.close()
}

/**
 * The membership state of one closed multifeed (spec/membership.md): operations in, state and
 * changes out. Sans-IO and deterministic: no I/O, clock, randomness or promises. The same set
 * of operations gives the same members, admins and cuts whatever the order they arrive in.
 *
 * `receive` takes operation bytes from anywhere (a peer, the local signer, storage) and, for
 * each, stores it, holds it until its dependencies arrive (bounded), or refuses it with a
 * coded error; a refused operation changes nothing.
 */
import b4a from 'b4a'
import type { DecodeError } from '../../codec/errors.js'
import { toHex } from '../hex.js'
import { keyId } from '../key-id.js'
import { invalidArgument } from '../usage-error.js'
import { isAdminAt, isSeniorAt } from './admission.js'
import {
  KEY_BYTES,
  type MembershipLimits,
  OperationType,
  type OperationTypeNumber,
  resolveMembershipLimits,
} from './constants.js'
import {
  expectedGenesis,
  operationId,
  type SigningKeyPair,
  signOperation,
  verifySignature,
} from './crypto.js'
import { type MembershipError, membershipError } from './errors.js'
import type { OperationGraph } from './graph.js'
import {
  compareBytes,
  type DecodedOperation,
  decodeOperation,
  encodeSignable,
  isRefusal,
  type OperationBody,
} from './operation.js'
import { DependencyBuffer } from './pending.js'
import { Resolution } from './resolve.js'
import { isAdminOp, isWriterOp, MembershipStore, type WriterStatus } from './store.js'

export interface MembershipConfig {
  /** The founder's Ed25519 public key (from the invitation). */
  founder: Uint8Array
  /** The 1.0 discovery key of the multifeed key, which the genesis binds. */
  discoveryKey: Uint8Array
  limits?: Partial<MembershipLimits>
}

export type Refusal = DecodeError | MembershipError

/** What became of one operation given to `receive`, as of the end of that call. */
export type OperationOutcome =
  | { status: 'stored'; id: Uint8Array }
  | { status: 'pending'; id: Uint8Array; missing: Uint8Array[] }
  | { status: 'refused'; id: Uint8Array | null; error: Refusal }

/**
 * A change of the resolution since the previous `receive`: a feed's new status (a feed that no
 * effective operation names any more is reported as removed with cut 0), or a key that became
 * or stopped being an admin.
 */
export type MembershipChange =
  | { type: 'writer'; feed: Uint8Array; member: boolean; cut: number | null }
  | { type: 'admin'; key: Uint8Array; admin: boolean }

export interface ReceiveResult {
  /** One per input operation, in input order. */
  outcomes: OperationOutcome[]
  /** Ids stored by this call, in storage order (dependencies first): what to relay. */
  stored: Uint8Array[]
  /** Operations of earlier calls that waited and were refused or dropped in this call. */
  refused: { id: Uint8Array; error: MembershipError }[]
  /** How members, cuts and admins changed: writers by feed key, then admins by key. */
  changes: MembershipChange[]
}

export interface WriterEntry {
  feed: Uint8Array
  /** A member: every block belongs to the multifeed. */
  member: boolean
  /** Removed: the blocks below `cut` belong to the multifeed, none from `cut` on. */
  cut: number | null
}

/** A plain-data view of the resolved state, for comparisons and vectors. */
export interface MembershipSnapshot {
  /** Member feeds, hex, ascending. */
  members: string[]
  /** Removed feeds with their cuts, by feed hex ascending. */
  removed: { feed: string; cut: number }[]
  /** Admin keys (founder included), hex, ascending. */
  admins: string[]
}

interface Held {
  op: DecodedOperation
  id: Uint8Array
  idKey: string
}

export class MembershipState {
  readonly limits: Readonly<MembershipLimits>
  readonly founder: Uint8Array
  readonly discoveryKey: Uint8Array
  /** The id of this multifeed's genesis, known before the genesis arrives. */
  readonly genesisId: Uint8Array
  private readonly store: MembershipStore
  private readonly resolution = new Resolution()
  /** A grant or revoke was stored since the last full resolution. */
  private dirty = false
  private readonly pending: DependencyBuffer<Held>
  /** Ids refused for good (bounded, oldest forgotten first) -> why. */
  private readonly refusedIds = new Map<string, MembershipError>()
  /** Feed record -> the status last reported in `changes` (absent: not part of the multifeed). */
  private readonly published = new Map<number, WriterStatus>()
  /** Key records last reported as admins. */
  private publishedAdmins = new Set<number>()

  constructor(config: MembershipConfig) {
    if (!(config?.founder instanceof Uint8Array) || config.founder.byteLength !== KEY_BYTES) {
      throw invalidArgument('founder must be a 32-byte public key')
    }
    if (!(config.discoveryKey instanceof Uint8Array) || config.discoveryKey.byteLength !== 32) {
      throw invalidArgument('discoveryKey must be 32 bytes')
    }
    this.limits = resolveMembershipLimits(config.limits)
    this.founder = b4a.from(config.founder)
    this.discoveryKey = b4a.from(config.discoveryKey)
    this.genesisId = operationId(
      encodeSignable(expectedGenesis(this.founder, this.discoveryKey), this.limits),
    )
    this.store = new MembershipStore(this.founder)
    this.pending = new DependencyBuffer(this.limits.maxPendingOperations)
    this.resolution.admins = new Set([this.store.founder])
    this.publishedAdmins = new Set([this.store.founder])
  }

  // ------------------------------------------------------------------ input

  /** Takes operations (bytes), in any order, any number of times. */
  receive(operations: readonly Uint8Array[]): ReceiveResult {
    // Checked up front, so a misuse throws before anything is applied.
    if (!Array.isArray(operations) || !operations.every((b) => b instanceof Uint8Array)) {
      throw invalidArgument('operations must be an array of Uint8Arrays')
    }
    const run: Run = { outcomes: [], byId: new Map(), stored: [], refused: [], feeds: new Set() }
    for (let i = 0; i < operations.length; i++) {
      run.outcomes[i] = this.ingest(operations[i]!, run, i)
    }
    const changes = this.settle(run)
    return { outcomes: run.outcomes, stored: run.stored, refused: run.refused, changes }
  }

  /**
   * Signs an operation with the current heads as dependencies (at most maxDependencies of
   * them) and returns its bytes; it is not applied until given to `receive`. For the
   * adapter and tests: the secret key is the caller's.
   */
  sign(body: Exclude<OperationBody, { type: 'genesis' }>, keyPair: SigningKeyPair): Uint8Array {
    const dependencies = this.heads().slice(0, this.limits.maxDependencies)
    if (dependencies.length === 0) throw invalidArgument('the genesis is not stored yet')
    return signOperation({ ...body, dependencies }, keyPair, this.limits)
  }

  /** The founder's genesis, signed (the founder calls this once, then gives it to `receive`). */
  signGenesis(keyPair: SigningKeyPair): Uint8Array {
    if (!b4a.equals(keyPair?.publicKey ?? new Uint8Array(), this.founder)) {
      throw invalidArgument('only the founder signs the genesis')
    }
    const { author: _, ...genesis } = expectedGenesis(this.founder, this.discoveryKey)
    return signOperation(genesis, keyPair, this.limits)
  }

  // ------------------------------------------------------------------ queries

  get size(): number {
    return this.store.size
  }

  get pendingCount(): number {
    return this.pending.size
  }

  has(id: Uint8Array): boolean {
    return this.store.position(keyId(id)) !== undefined
  }

  /** The bytes of a stored operation, or null. */
  operation(id: Uint8Array): Uint8Array | null {
    const pos = this.store.position(keyId(id))
    return pos === undefined ? null : this.store.bytes[pos]!
  }

  /** Stored operations no other stored operation depends on, ascending by id. */
  heads(): Uint8Array[] {
    return this.store.graph
      .headPositions()
      .map((p) => this.store.ids[p]!)
      .sort(compareBytes)
  }

  /** Ids the pending operations wait for and that are not pending themselves. */
  missing(): Uint8Array[] {
    return this.pending
      .missing()
      .map((idKey) => Uint8Array.from(idKey, (ch) => ch.charCodeAt(0)))
      .sort(compareBytes)
  }

  /** Every stored operation's bytes in storage order (each after its dependencies). */
  *operations(): IterableIterator<{ id: Uint8Array; bytes: Uint8Array; position: number }> {
    for (let p = 0; p < this.store.size; p++) {
      yield { id: this.store.ids[p]!, bytes: this.store.bytes[p]!, position: p }
    }
  }

  /** The stored DAG, for the sync module (read only). */
  get dag(): MembershipDag {
    const store = this.store
    return {
      graph: store.graph,
      ids: store.ids,
      bytes: store.bytes,
      position: (id) => store.position(keyId(id)),
    }
  }

  /** Every feed some effective operation names: members, and removed feeds with their cut. */
  writers(): WriterEntry[] {
    const out: WriterEntry[] = []
    for (const record of this.store.feeds) {
      if (record.state === null) continue
      out.push({ feed: record.key, member: record.state.member, cut: record.state.cut })
    }
    return out.sort((a, b) => compareBytes(a.feed, b.feed))
  }

  /** The status of one feed: null when no effective operation names it (not a member). */
  writer(feed: Uint8Array): WriterStatus | null {
    const f = this.store.findFeed(feed)
    return f < 0 ? null : this.store.feeds[f]!.state
  }

  /** Member feeds, ascending. */
  members(): Uint8Array[] {
    return this.writers()
      .filter((w) => w.member)
      .map((w) => w.feed)
  }

  /** Admin keys, founder included, ascending. */
  adminKeys(): Uint8Array[] {
    return [...this.resolution.admins].map((k) => this.store.keys[k]!.key).sort(compareBytes)
  }

  isAdmin(key: Uint8Array): boolean {
    const k = this.store.findKey(key)
    return k >= 0 && this.resolution.admins.has(k)
  }

  snapshot(): MembershipSnapshot {
    const writers = this.writers()
    return {
      members: writers.filter((w) => w.member).map((w) => toHex(w.feed)),
      removed: writers.filter((w) => !w.member).map((w) => ({ feed: toHex(w.feed), cut: w.cut! })),
      admins: this.adminKeys().map(toHex),
    }
  }

  // ------------------------------------------------------------------ internals

  /** Spec "Receiving an operation", steps 1 to 7. */
  private ingest(bytes: Uint8Array, run: Run, input: number): OperationOutcome {
    let op: DecodedOperation
    try {
      op = decodeOperation(bytes, this.limits)
    } catch (err) {
      if (isRefusal(err)) return { status: 'refused', id: null, error: err }
      throw err
    }
    const id = operationId(op.signable)
    const idKey = keyId(id)
    const refuse = (error: MembershipError): OperationOutcome => ({ status: 'refused', id, error })
    if (this.store.position(idKey) !== undefined || this.pending.has(idKey)) {
      return refuse(membershipError('DUPLICATE', `operation ${toHex(id)} is already held`))
    }
    const known = this.refusedIds.get(idKey)
    if (known !== undefined) return refuse(known)
    if (op.type === 'genesis' && !b4a.equals(id, this.genesisId)) {
      return refuse(
        membershipError('WRONG_GENESIS', 'not the genesis of this multifeed and founder'),
      )
    }
    if (!verifySignature(op.signable, op.signature, op.author)) {
      return refuse(membershipError('BAD_SIGNATURE', `bad signature on ${toHex(id)}`))
    }
    const missing: string[] = []
    for (const dep of op.dependencies) {
      const depKey = keyId(dep)
      if (this.refusedIds.has(depKey)) {
        return this.refuseForGood(
          idKey,
          id,
          membershipError('DEPENDENCY_REJECTED', `${toHex(dep)} was refused`),
        )
      }
      if (this.store.position(depKey) === undefined) missing.push(depKey)
    }
    const held: Held = { op, id, idKey }
    run.byId.set(idKey, input)
    if (missing.length > 0) {
      const added = this.pending.add(idKey, missing, held)
      if (!added.ok) {
        run.byId.delete(idKey)
        return refuse(membershipError('DEPENDENCY_CYCLE', `${toHex(id)} depends on itself`))
      }
      for (const d of added.dropped) {
        this.report(
          run,
          d.value,
          membershipError('PENDING_OVERFLOW', `dropped ${toHex(d.value.id)}: buffer full`),
        )
      }
      if (run.byId.get(idKey) === input) {
        return {
          status: 'pending',
          id,
          missing: missing.map((k) => Uint8Array.from(k, (ch) => ch.charCodeAt(0))),
        }
      }
      return (
        run.outcomes[input] ?? refuse(membershipError('PENDING_OVERFLOW', 'dropped: buffer full'))
      )
    }
    this.admitAndRelease(held, run)
    const outcome = run.outcomes[input]
    return outcome ?? { status: 'stored', id }
  }

  /** Admits `first`, then every pending operation that becomes ready, dependencies first. */
  private admitAndRelease(first: Held, run: Run): void {
    const queue = [first]
    while (queue.length > 0) {
      const held = queue.shift()!
      const refusal = this.admit(held, run)
      if (refusal?.code === 'ERR_MEMBERSHIP_LIMIT') {
        this.report(run, held, refusal) // local and not for good: nothing is remembered
        continue
      }
      if (refusal !== null) {
        this.refuseForGood(held.idKey, held.id, refusal)
        this.report(run, held, refusal)
        for (const dependent of this.pending.refused(held.idKey)) {
          const why = membershipError('DEPENDENCY_REJECTED', `${toHex(held.id)} was refused`)
          this.refuseForGood(dependent.id, dependent.value.id, why)
          this.report(run, dependent.value, why)
        }
        continue
      }
      for (const ready of this.pending.stored(held.idKey)) queue.push(ready)
    }
  }

  /** Spec "Admission": stores the operation or says why not. */
  private admit(held: Held, run: Run): MembershipError | null {
    const { op, id, idKey } = held
    const store = this.store
    const depPositions = op.dependencies.map((d) => store.position(keyId(d))!)
    const placement = store.graph.place(depPositions, op.author)
    const signer = store.findKey(op.author)
    const type = TYPE_NUMBER[op.type]
    if (op.type !== 'genesis') {
      if (signer < 0 || !isAdminAt(store, signer, placement)) {
        return membershipError('NOT_ADMIN', `${toHex(op.author)} is not an admin at ${toHex(id)}`)
      }
      if (op.type === 'grant-admin' || op.type === 'revoke-admin') {
        const subject = store.findKey(op.admin)
        if (subject === store.founder) {
          return membershipError('FOUNDER', 'the founder is always an admin')
        }
        if (subject >= 0 && !isSeniorAt(store, signer, subject, placement)) {
          return membershipError(
            'NOT_SENIOR',
            `${toHex(op.author)} is not senior to ${toHex(op.admin)}`,
          )
        }
      }
    }
    if (store.size >= this.limits.maxOperations) {
      return membershipError(
        'LIMIT',
        `${store.size} operations stored, limit ${this.limits.maxOperations}`,
      )
    }
    const pos = store.graph.add(placement, op.author)
    const signerRecord = store.keyRecord(op.author)
    let subject = -1
    let cut = 0
    if (op.type === 'add-writer' || op.type === 'remove-writer') {
      subject = store.feedRecord(op.feed)
      if (op.type === 'remove-writer') cut = op.cut
    } else if (op.type === 'grant-admin' || op.type === 'revoke-admin') {
      subject = store.keyRecord(op.admin)
    }
    store.record(pos, { idKey, id, bytes: op.bytes, type, signer: signerRecord, subject, cut })
    run.stored.push(id)
    const input = run.byId.get(idKey)
    if (input !== undefined) run.outcomes[input] = { status: 'stored', id }
    if (isAdminOp(type) || type === OperationType.Genesis) this.dirty = true
    else if (isWriterOp(type) && !this.dirty) {
      if (this.resolution.resolveWriterOperation(store, pos)) run.feeds.add(subject)
    }
    return null
  }

  private refuseForGood(idKey: string, id: Uint8Array, why: MembershipError): OperationOutcome {
    this.refusedIds.set(idKey, why)
    while (this.refusedIds.size > this.limits.maxPendingOperations) {
      this.refusedIds.delete(this.refusedIds.keys().next().value as string)
    }
    return { status: 'refused', id, error: why }
  }

  /** Records the refusal of a held operation: its input's outcome, or the `refused` list. */
  private report(run: Run, held: Held, why: MembershipError): void {
    const input = run.byId.get(held.idKey)
    if (input !== undefined) {
      run.outcomes[input] = { status: 'refused', id: held.id, error: why }
      run.byId.delete(held.idKey)
    } else {
      run.refused.push({ id: held.id, error: why })
    }
  }

  /** Brings the resolution up to date and lists what changed since the last call. */
  private settle(run: Run): MembershipChange[] {
    let feeds: Iterable<number> = run.feeds
    if (this.dirty) {
      this.resolution.resolveAll(this.store)
      this.dirty = false
      feeds = this.store.feeds.keys()
    }
    const store = this.store
    const changes: MembershipChange[] = []
    const touched = [...feeds].sort((a, b) =>
      compareBytes(store.feeds[a]!.key, store.feeds[b]!.key),
    )
    for (const f of touched) {
      const { key, state } = store.feeds[f]!
      const before = this.published.get(f) ?? NOT_LISTED
      const after = state ?? NOT_LISTED
      if (before.member !== after.member || before.cut !== after.cut) {
        changes.push({ type: 'writer', feed: key, member: after.member, cut: after.cut })
      }
      if (state === null) this.published.delete(f)
      else this.published.set(f, state)
    }
    const admins = this.resolution.admins
    const keyOrder = (a: number, b: number) => compareBytes(store.keys[a]!.key, store.keys[b]!.key)
    for (const k of [...admins].filter((k) => !this.publishedAdmins.has(k)).sort(keyOrder)) {
      changes.push({ type: 'admin', key: store.keys[k]!.key, admin: true })
    }
    for (const k of [...this.publishedAdmins].filter((k) => !admins.has(k)).sort(keyOrder)) {
      changes.push({ type: 'admin', key: store.keys[k]!.key, admin: false })
    }
    this.publishedAdmins = new Set(admins)
    return changes
  }
}

/** A feed no effective operation names: no block of it belongs to the multifeed. */
const NOT_LISTED: WriterStatus = { member: false, cut: 0 }

interface Run {
  outcomes: OperationOutcome[]
  /** Id key -> index of the input that carried it (while its outcome may still change). */
  byId: Map<string, number>
  stored: Uint8Array[]
  refused: { id: Uint8Array; error: MembershipError }[]
  /** Feeds whose status the fast path changed. */
  feeds: Set<number>
}

/** The stored operations as a DAG, read only: what the sync module needs. */
export interface MembershipDag {
  graph: OperationGraph
  ids: Uint8Array[]
  bytes: Uint8Array[]
  position(id: Uint8Array): number | undefined
}

const TYPE_NUMBER: Record<DecodedOperation['type'], OperationTypeNumber> = {
  genesis: OperationType.Genesis,
  'add-writer': OperationType.AddWriter,
  'remove-writer': OperationType.RemoveWriter,
  'grant-admin': OperationType.GrantAdmin,
  'revoke-admin': OperationType.RevokeAdmin,
}

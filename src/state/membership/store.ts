/**
 * What the membership state stores: the operations (bytes, ids, DAG) and, per subject, the
 * positions of the operations about it. No rule is decided here: admission (admission.ts)
 * and resolution (resolve.ts) read these tables.
 */
import { keyId } from '../key-id.js'
import { OperationType, type OperationTypeNumber } from './constants.js'
import { OperationGraph } from './graph.js'

/** An admin key: a key some operation names as admin subject or that signed one. */
export interface KeyRecord {
  key: Uint8Array
  /** Positions of grant-admin and revoke-admin operations naming this key, ascending. */
  powerOps: number[]
  /** The grant-admin ones among them. */
  grants: number[]
  /** Positions of operations this key signed, ascending. */
  signed: number[]
}

/** A writer feed named by some add-writer or remove-writer operation. */
export interface FeedRecord {
  key: Uint8Array
  /** Positions of the add-writer and remove-writer operations naming it, ascending. */
  ops: number[]
  /** Resolved: null when no effective operation names it (it is not listed). */
  state: WriterStatus | null
}

/** A writer's resolved status: a member, or removed with the length the multifeed keeps. */
export type WriterStatus = { member: true; cut: null } | { member: false; cut: number }

export class MembershipStore {
  readonly graph = new OperationGraph()
  /** Per position: id bytes, operation bytes, type number, subject record, cut. */
  readonly ids: Uint8Array[] = []
  readonly bytes: Uint8Array[] = []
  readonly type: OperationTypeNumber[] = []
  /** Feed record index (writer operations) or key record index (admin operations); -1 for genesis. */
  readonly subject: number[] = []
  readonly cut: number[] = []
  /** Key record index of each position's author. */
  readonly signer: number[] = []
  private readonly idIndex = new Map<string, number>()
  readonly keys: KeyRecord[] = []
  private readonly keyIndex = new Map<string, number>()
  readonly feeds: FeedRecord[] = []
  private readonly feedIndex = new Map<string, number>()
  /** Key record index of the founder (0). */
  readonly founder: number

  constructor(founder: Uint8Array) {
    this.founder = this.keyRecord(founder)
  }

  get size(): number {
    return this.ids.length
  }

  position(idKey: string): number | undefined {
    return this.idIndex.get(idKey)
  }

  /** The key record of `key`, created if new. */
  keyRecord(key: Uint8Array): number {
    const id = keyId(key)
    let index = this.keyIndex.get(id)
    if (index === undefined) {
      index = this.keys.length
      this.keys.push({ key, powerOps: [], grants: [], signed: [] })
      this.keyIndex.set(id, index)
    }
    return index
  }

  findKey(key: Uint8Array): number {
    return this.keyIndex.get(keyId(key)) ?? -1
  }

  feedRecord(key: Uint8Array): number {
    const id = keyId(key)
    let index = this.feedIndex.get(id)
    if (index === undefined) {
      index = this.feeds.length
      this.feeds.push({ key, ops: [], state: null })
      this.feedIndex.set(id, index)
    }
    return index
  }

  findFeed(key: Uint8Array): number {
    return this.feedIndex.get(keyId(key)) ?? -1
  }

  /** Records a stored operation at graph position `pos`. */
  record(
    pos: number,
    fields: {
      idKey: string
      id: Uint8Array
      bytes: Uint8Array
      type: OperationTypeNumber
      signer: number
      subject: number
      cut: number
    },
  ): void {
    this.idIndex.set(fields.idKey, pos)
    this.ids.push(fields.id)
    this.bytes.push(fields.bytes)
    this.type.push(fields.type)
    this.signer.push(fields.signer)
    this.subject.push(fields.subject)
    this.cut.push(fields.cut)
    this.keys[fields.signer]!.signed.push(pos)
    if (isWriterOp(fields.type)) this.feeds[fields.subject]!.ops.push(pos)
    else if (isAdminOp(fields.type)) {
      const record = this.keys[fields.subject]!
      record.powerOps.push(pos)
      if (fields.type === OperationType.GrantAdmin) record.grants.push(pos)
    }
  }
}

export function isWriterOp(type: number): boolean {
  return type === OperationType.AddWriter || type === OperationType.RemoveWriter
}

export function isAdminOp(type: number): boolean {
  return type === OperationType.GrantAdmin || type === OperationType.RevokeAdmin
}

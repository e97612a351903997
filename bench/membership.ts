/**
 * Membership benchmark (spec/membership.md): a history of N operations by 8 admins working
 * concurrently in rounds (each extends its own branch, then all merge), ending with N/10 member
 * writers; 1,000 members from 10,000 operations at the main size.
 *
 * - apply: CPU to give every operation to a fresh MembershipState (batches of 512, as sync
 *   messages would carry them) and read the resolution; with Ed25519 verification alone of the
 *   same operations as the machine reference.
 * - converge: two in-memory peers, through the sync module and its message encodings:
 *   (a) one holds half the history, (b) both hold a common 90% and each its own 5% branch.
 *   CPU for the whole exchange, bytes on the wire, and operations sent that the receiver had.
 * - two real peers: Multifeeds of a closed multifeed on their own Corestores, over a piped Noise
 *   stream pair (Hypercore's secret-stream and protomux, no network): the founder holds N
 *   operations (signed through authorize()); a new member opens from the invitation and
 *   connects. Wall time from attaching to the last operation applied on the member, and the
 *   bytes both multifeed channels carried (Handshakes, Manifests, Haves, Operations).
 * Linear cost: the 10k/1k ratios (linear = 10x).
 *
 * Run alone: `npx tsx bench/membership.ts`, or `BENCH_ONLY=membership npm run bench`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import b4a from 'b4a'
import Corestore from 'corestore'
import crypto from 'hypercore-crypto'
import { Multifeed } from '../src/adapters/corestore/multifeed.js'
import { discoveryKey } from '../src/codec/capability.js'
import {
  DEFAULT_MEMBERSHIP_LIMITS,
  decodeHave,
  decodeOperation,
  decodeOperationsMessage,
  encodeHave,
  encodeOperationsMessages,
  haveOf,
  MembershipState,
  type OperationBody,
  operationId,
  operationsFor,
  type SigningKeyPair,
  signOperation,
} from '../src/state/membership/index.js'
import { type BenchSection, printSection } from './report.js'

const QUICK = process.env['BENCH_QUICK'] === '1'
const SIZES = [1_000, 10_000]
const RUNS = QUICK ? 2 : 5
const ADMINS = 8
/** Operations each admin signs on its own branch between two merges. */
const ROUND = 8

const FOUNDER = crypto.keyPair(b4a.alloc(32, 1))
const admins: SigningKeyPair[] = Array.from({ length: ADMINS }, (_, i) =>
  crypto.keyPair(b4a.alloc(32, 2 + i)),
)
const DK = discoveryKey(b4a.alloc(32, 0x42))
const L = DEFAULT_MEMBERSHIP_LIMITS

function feedKey(n: number): Uint8Array {
  const key = b4a.alloc(32, 0xfe)
  new DataView(key.buffer, key.byteOffset, 4).setUint32(0, n)
  return key
}

interface History {
  ops: Uint8Array[]
  /** Index where the two final branches start (for the diverged exchange). */
  splitAt: number
  /** Operations of each final branch (indices into ops). */
  branches: [number[], number[]]
}

/**
 * Deterministic history of `total` operations: genesis, grants, then rounds in which every
 * admin extends its own branch by ROUND writer operations (adds, and removes of members it
 * added, keeping the member count on course for total / 10) and then merges everyone's heads. The last 10% are two groups of admins that do
 * not merge with each other.
 */
function buildHistory(total: number): History {
  const ops: Uint8Array[] = []
  const idOf = (bytes: Uint8Array) => operationId(decodeOperation(bytes, L).signable)
  const sign = (body: OperationBody, by: SigningKeyPair, deps: Uint8Array[]) => {
    const sorted = [...deps].sort(b4a.compare)
    const bytes = signOperation({ ...body, dependencies: sorted } as never, by, L)
    ops.push(bytes)
    return idOf(bytes)
  }
  let head = sign({ type: 'genesis', rules: 1, discoveryKey: DK } as OperationBody, FOUNDER, [])
  for (const admin of admins)
    head = sign({ type: 'grant-admin', admin: admin.publicKey }, FOUNDER, [head])
  // What each admin's next operation depends on: its own last operation, or everyone's after a merge.
  const next: Uint8Array[][] = admins.map(() => [head])
  const members: number[][] = admins.map(() => [])
  let nextFeed = 0
  let memberCount = 0
  let j = 0
  const splitAt = Math.floor(total * 0.9)
  let split = -1
  const branches: [number[], number[]] = [[], []]
  while (ops.length < total) {
    const diverged = ops.length >= splitAt
    if (diverged && split < 0) split = ops.length
    const last: Uint8Array[] = []
    for (let a = 0; a < ADMINS && ops.length < total; a++) {
      for (let k = 0; k < ROUND && ops.length < total; k++, j++) {
        const mine = members[a]!
        let body: OperationBody
        // Keep the members on course for total / 10 at the end.
        if (mine.length > 0 && memberCount > Math.floor((ops.length - ADMINS - 1) * 0.1)) {
          memberCount--
          body = { type: 'remove-writer', feed: feedKey(mine.shift()!), cut: j % 100 }
        } else {
          memberCount++
          mine.push(nextFeed)
          body = { type: 'add-writer', feed: feedKey(nextFeed++) }
        }
        next[a] = [sign(body, admins[a]!, next[a]!)]
        if (diverged) branches[a < ADMINS / 2 ? 0 : 1].push(ops.length - 1)
      }
      last.push(next[a]![0]!)
    }
    // Merge (until the split): each admin's next operation names every admin's last one.
    if (!diverged) for (let a = 0; a < ADMINS; a++) next[a] = last
  }
  return { ops, splitAt: split < 0 ? ops.length : split, branches }
}

function cpuMicros(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const newState = () => new MembershipState({ founder: FOUNDER.publicKey, discoveryKey: DK })

function apply(ops: Uint8Array[]): { micros: number; state: MembershipState } {
  const start = cpuMicros()
  const state = newState()
  for (let i = 0; i < ops.length; i += 512) state.receive(ops.slice(i, i + 512))
  const members = state.members().length
  const micros = cpuMicros() - start
  if (state.size !== ops.length || members === 0) throw new Error('history did not apply')
  return { micros, state }
}

function verifyOnly(ops: Uint8Array[]): number {
  const [ns] = crypto.namespace('multifeed/membership', 3) as Uint8Array[]
  const decoded = ops.map((o) => decodeOperation(o, L))
  const start = cpuMicros()
  for (const op of decoded) {
    if (!crypto.verify(b4a.concat([ns!, op.signable]), op.signature, op.author)) {
      throw new Error('bad signature in the history')
    }
  }
  return cpuMicros() - start
}

interface Exchange {
  micros: number
  bytes: number
  /** Bytes of the operations the receivers lacked: the least any exchange must carry. */
  minimalBytes: number
  /** Operations sent. */
  sent: number
  redundant: number
}

/** One sync round both ways between two states, through the encoded messages. */
function exchange(a: MembershipState, b: MembershipState): Exchange {
  const lacking = (from: MembershipState, to: MembershipState) =>
    [...from.operations()].filter((o) => !to.has(o.id)).reduce((n, o) => n + o.bytes.byteLength, 0)
  const minimalBytes = lacking(a, b) + lacking(b, a)
  const start = cpuMicros()
  let bytes = 0
  let sent = 0
  let redundant = 0
  const haveA = encodeHave(haveOf(a))
  const haveB = encodeHave(haveOf(b))
  bytes += haveA.byteLength + haveB.byteLength
  for (const [from, to, have] of [
    [a, b, haveB],
    [b, a, haveA],
  ] as const) {
    const operations = operationsFor(from, decodeHave(have))
    if (operations.length === 0) continue // nothing to send: no message
    sent += operations.length
    for (const message of encodeOperationsMessages(operations)) {
      bytes += message.byteLength
      const result = to.receive(decodeOperationsMessage(message))
      redundant += result.outcomes.filter(
        (o) => o.status === 'refused' && o.error.code === 'ERR_MEMBERSHIP_DUPLICATE',
      ).length
    }
  }
  const micros = cpuMicros() - start
  return { micros, bytes, minimalBytes, sent, redundant }
}

function converge(history: History, diverged: boolean): Exchange {
  const { ops } = history
  const a = newState()
  const b = newState()
  if (!diverged) {
    a.receive(ops)
    b.receive(ops.slice(0, Math.floor(ops.length / 2)))
  } else {
    const common = ops.slice(0, history.splitAt)
    a.receive([...common, ...history.branches[0].map((i) => ops[i]!)])
    b.receive([...common, ...history.branches[1].map((i) => ops[i]!)])
  }
  const result = exchange(a, b)
  const again = exchange(a, b)
  if (again.sent !== 0 || a.size !== b.size || a.heads().length !== b.heads().length) {
    throw new Error('peers did not converge in one round')
  }
  if (JSON.stringify(a.snapshot()) !== JSON.stringify(b.snapshot())) {
    throw new Error('peers disagree after the exchange')
  }
  return result
}

interface PeerRun {
  ms: number
  bytes: number
}

/** The founder of a closed multifeed with `total` operations: the genesis and adds. */
async function founderWith(dir: string, total: number) {
  const store = new Corestore(join(dir, 'founder'))
  const founder = new Multifeed(store, { closed: true })
  await founder.ready()
  // The genesis is stored; each authorize() signs one add-writer on the heads (a line).
  for (let i = 1; i < total; i++) await founder.authorize(feedKey(i))
  return { store, founder, sentinel: feedKey(total - 1) }
}

/** A new member opens from the invitation and connects: until the last operation applies. */
async function memberRun(
  dir: string,
  source: Awaited<ReturnType<typeof founderWith>>,
  run: number,
): Promise<PeerRun> {
  const store = new Corestore(join(dir, `member-${run}`))
  const member = new Multifeed(store, { invitation: source.founder.invitation! })
  await member.ready()
  const a = new NoiseSecretStream(true)
  const b = new NoiseSecretStream(false)
  a.rawStream.pipe(b.rawStream).pipe(a.rawStream)
  source.store.replicate(a)
  store.replicate(b)
  const start = performance.now()
  const ours = source.founder.attach(a)
  const theirs = member.attach(b)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the member did not converge')), 120_000)
    const check = () => {
      if (member.cut(source.sentinel) !== null) return
      clearTimeout(timer)
      member.off('membership', check)
      resolve()
    }
    member.on('membership', check)
  })
  const ms = performance.now() - start
  const bytes = ours.stats.bytesSent + theirs.stats.bytesSent
  a.destroy()
  b.destroy()
  await member.close()
  await store.close()
  return { ms, bytes }
}

async function realPeers(sizes: number[], runs: number) {
  const out = new Map<number, PeerRun[]>()
  for (const n of sizes) {
    const dir = await mkdtemp(join(tmpdir(), `multifeed-bench-membership-${n}-`))
    try {
      const source = await founderWith(dir, n)
      const results: PeerRun[] = []
      for (let r = 0; r < runs; r++) results.push(await memberRun(dir, source, r))
      out.set(n, results)
      await source.founder.close()
      await source.store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return out
}

export async function run(): Promise<BenchSection> {
  const histories = new Map(SIZES.map((n) => [n, buildHistory(n)]))
  const applyMicros = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const verifyMicros = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const halfMicros = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const forkMicros = new Map<number, number[]>(SIZES.map((n) => [n, []]))
  const half = new Map<number, Exchange>()
  const fork = new Map<number, Exchange>()
  const members = new Map<number, number>()
  apply(histories.get(SIZES[0]!)!.ops) // warm-up
  for (let round = 0; round < RUNS; round++) {
    for (const [n, history] of histories) {
      const applied = apply(history.ops)
      applyMicros.get(n)!.push(applied.micros)
      members.set(n, applied.state.members().length)
      verifyMicros.get(n)!.push(verifyOnly(history.ops))
      const h = converge(history, false)
      halfMicros.get(n)!.push(h.micros)
      half.set(n, h)
      const f = converge(history, true)
      forkMicros.get(n)!.push(f.micros)
      fork.set(n, f)
    }
  }
  const peers = await realPeers(SIZES, QUICK ? 1 : 3)
  const peerMs = (n: number) => median(peers.get(n)!.map((p) => p.ms))
  const peerBytes = (n: number) => median(peers.get(n)!.map((p) => p.bytes))
  const ms = (micros: number) => +(micros / 1000).toFixed(1)
  const rows: BenchSection['rows'] = SIZES.map((n) => ({
    operations: n,
    members: members.get(n)!,
    'apply CPU ms': ms(median(applyMicros.get(n)!)),
    'apply µs/op': +(median(applyMicros.get(n)!) / n).toFixed(1),
    'Ed25519 verify alone ms': ms(median(verifyMicros.get(n)!)),
    'converge from half: CPU ms': ms(median(halfMicros.get(n)!)),
    'from half: KB (minimal KB)': `${(half.get(n)!.bytes / 1024).toFixed(0)} (${(half.get(n)!.minimalBytes / 1024).toFixed(0)})`,
    'converge 5%+5% fork: CPU ms': ms(median(forkMicros.get(n)!)),
    'fork: KB (minimal KB)': `${(fork.get(n)!.bytes / 1024).toFixed(1)} (${(fork.get(n)!.minimalBytes / 1024).toFixed(1)})`,
    'fork: ops resent': fork.get(n)!.redundant,
    'two Multifeeds: ms': +peerMs(n).toFixed(0),
    'two Multifeeds: KB': +(peerBytes(n) / 1024).toFixed(0),
  }))
  const [small, big] = SIZES as [number, number]
  const ratio = (m: Map<number, number[]>) => median(m.get(big)!) / median(m.get(small)!)
  const linear = big / small
  return {
    name: 'Membership: apply a history, converge two peers',
    rows,
    notes: [
      `${big / 1000}k/${small / 1000}k CPU ratios (linear = ${linear}x): apply ${ratio(applyMicros).toFixed(2)}x, converge from half ${ratio(halfMicros).toFixed(2)}x, converge fork ${ratio(forkMicros).toFixed(2)}x`,
      `two Multifeeds (founder with N operations, a new member from the invitation, piped Noise streams): ${big / 1000}k/${small / 1000}k ratios (linear = ${linear}x): time ${(peerMs(big) / peerMs(small)).toFixed(2)}x, bytes ${(peerBytes(big) / peerBytes(small)).toFixed(2)}x; bytes per operation at ${big}: ${(peerBytes(big) / big).toFixed(0)} (an add-writer is 163 bytes)`,
      `Ed25519 verification is ${((median(verifyMicros.get(big)!) / median(applyMicros.get(big)!)) * 100).toFixed(0)}% of apply at ${big} operations (machine reference, same operations)`,
      `history: ${ADMINS} admins, each extending its own branch by ${ROUND} operations per round, merged after every round; the last 10% are two unmerged groups`,
      'converge: one Have each way, then the operations each side lacks, through the message encodings; bytes = Haves + Operations messages;',
      'minimal = bytes of the operations the receiver lacked; ops resent = operations the receiver already held (refused as duplicates).',
    ],
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printSection(await run())
}

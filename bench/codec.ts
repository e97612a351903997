/**
 * Codec cost against the floor: encoding and decoding a 1000-key message with our strict
 * codec vs plain compact-encoding `c.array(c.fixed32)` on the same keys, in one process.
 * Target: each message within 1.5x of the floor (Manifest, the brief's figure, and Request).
 */
import c from 'compact-encoding'
import {
  decodeMessage,
  EntryBlock,
  encodeMessage,
  KeyBlock,
  type Manifest,
  MessageType,
  type Request,
} from '../src/codec/index.js'
import { type BenchSection, judge } from './report.js'

const KEY_COUNT = 1000
const ROUNDS = 41
const TARGET = 'x floor <= 1.5'

interface Subject {
  name: string
  /** One encode followed by one decode of the result. */
  roundTrip: () => unknown
}

function makeKeys(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const key = new Uint8Array(32)
    for (let j = 0; j < 32; j++) key[j] = (i * 31 + j * 7) & 0xff
    return key
  })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

/**
 * ns per round trip of each subject in each of ROUNDS short rounds. The subjects run back to
 * back inside a round, so a ratio taken within one round compares them under the same load.
 */
function measure(subjects: Subject[], iterations: number): Map<string, number[]> {
  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]))
  for (const subject of subjects) for (let i = 0; i < iterations * 5; i++) subject.roundTrip() // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const subject of subjects) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < iterations; i++) subject.roundTrip()
      const elapsed = Number(process.hrtime.bigint() - start)
      samples.get(subject.name)!.push(elapsed / iterations)
    }
  }
  return samples
}

/** Median over rounds of the per-round ratio subject / floor. */
function pairedRatio(subject: number[], floor: number[]): number {
  return median(subject.map((ns, round) => ns / floor[round]!))
}

export async function run(): Promise<BenchSection> {
  const keys = makeKeys(KEY_COUNT)
  const keyArray = c.array(c.fixed32)
  const manifest: Manifest = {
    type: 'manifest',
    more: false,
    entries: EntryBlock.from(keys.map((key, i) => ({ key, length: i % 200, data: null }))),
  }
  const request: Request = { type: 'request', keys: KeyBlock.from(keys) }

  const subjects: Subject[] = [
    { name: 'c.array(c.fixed32)', roundTrip: () => c.decode(keyArray, c.encode(keyArray, keys)) },
    {
      name: 'Manifest',
      roundTrip: () => decodeMessage(MessageType.Manifest, encodeMessage(manifest)),
    },
    {
      name: 'Request',
      roundTrip: () => decodeMessage(MessageType.Request, encodeMessage(request)),
    },
  ]
  const samples = measure(subjects, 300)
  const floor = samples.get('c.array(c.fixed32)')!
  const rows = subjects.map((subject, index) => {
    const ratio = Number(pairedRatio(samples.get(subject.name)!, floor).toFixed(2))
    return {
      codec: subject.name,
      keys: KEY_COUNT,
      'ns/op (encode+decode)': Math.round(median(samples.get(subject.name)!)),
      // subjects[0] is the floor itself; every message of ours has the same target.
      'x floor': index === 0 ? ratio : judge(ratio, TARGET),
    }
  })
  return {
    name: 'Codec: 1000-key message, encode + decode vs c.array(c.fixed32)',
    rows,
    notes: [
      'Manifest entries carry a 1-byte length and no data; the floor encodes the bare keys.',
      `x floor: median over ${ROUNDS} rounds of the ratio within a round (subjects run back to back); the ratio is what counts, not the absolute times.`,
    ],
  }
}

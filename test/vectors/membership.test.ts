/**
 * membership.json: the checked-in file equals the generator's output, and this package passes
 * every vector (spec/membership.md section 16).
 */
import { readFileSync } from 'node:fs'
import b4a from 'b4a'
import { describe, expect, test } from 'vitest'
import { discoveryKey } from '../../src/codec/capability.js'
import {
  closedMultifeedKey,
  type DecodedOperation,
  decodeOperation,
  encodeOperation,
  encodeSignable,
  genesisId,
  MembershipState,
  membershipNamespace,
  operationId,
  verifySignature,
} from '../../src/state/membership/index.js'
import { buildMembershipVectors } from './gen/membership.js'
import { vectorFileText } from './gen/write.js'

const text = readFileSync(new URL('membership.json', import.meta.url), 'utf8')
const file = JSON.parse(text) as ReturnType<typeof buildMembershipVectors>
const fromHex = (h: string) => b4a.from(h, 'hex')
const hex = (b: Uint8Array) => b4a.toString(b, 'hex')

test('membership.json is up to date (run `npm run vectors` after changing a generator)', () => {
  expect(text).toBe(vectorFileText(buildMembershipVectors()))
})

test('header: every test counted once, namespace and multifeed values', () => {
  const tests = file.testGroups.flatMap((g) => g.tests as { tcId: number }[])
  expect(file.numberOfTests).toBe(tests.length)
  expect(new Set(tests.map((t) => t.tcId)).size).toBe(tests.length)
  expect(membershipNamespace().map(hex)).toEqual([
    file.namespace.signature,
    file.namespace.operationId,
    file.namespace.closedKey,
  ])
  const m = file.multifeed
  const limits = file.testGroups[0]!.limits!
  expect(hex(discoveryKey(fromHex(m.multifeedKey)))).toBe(m.discoveryKey)
  const invitation = { multifeedKey: fromHex(m.multifeedKey), founder: fromHex(m.founder) }
  expect(hex(genesisId(invitation, limits))).toBe(m.genesisId)
  expect(hex(operationId(decodeOperation(fromHex(m.genesis), limits).signable))).toBe(m.genesisId)
  expect(hex(closedMultifeedKey(invitation.multifeedKey, fromHex(m.genesisId)))).toBe(m.closedKey)
  expect(hex(discoveryKey(fromHex(m.closedKey)))).toBe(m.closedDiscoveryKey)
})

function decodedJson(op: DecodedOperation) {
  const { bytes: _b, signable: _s, ...fields } = op
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k === 'dependencies' ? 'dependencies' : k] =
      v instanceof Uint8Array ? hex(v) : Array.isArray(v) ? v.map((x) => hex(x)) : v
  }
  return out
}

const newState = (limits: Record<string, number>) =>
  new MembershipState({
    founder: fromHex(file.multifeed.founder),
    discoveryKey: fromHex(file.multifeed.discoveryKey),
    limits,
  })

describe('operation vectors', () => {
  const group = file.testGroups.find((g) => g.type === 'operation')!
  for (const v of group.tests as {
    tcId: number
    comment: string
    hex: string
    result: string
    decoded?: Record<string, unknown>
    signable?: string
    id?: string
    signatureValid?: boolean
    error?: string
  }[]) {
    test(`tcId ${v.tcId}: ${v.comment}`, () => {
      const bytes = fromHex(v.hex)
      if (v.result === 'invalid') {
        expect(() => decodeOperation(bytes, group.limits!)).toThrow(
          expect.objectContaining({ code: v.error }),
        )
        return
      }
      const op = decodeOperation(bytes, group.limits!)
      expect(decodedJson(op)).toEqual(v.decoded)
      expect(hex(op.signable)).toBe(v.signable)
      expect(hex(operationId(op.signable))).toBe(v.id)
      expect(verifySignature(op.signable, op.signature, op.author)).toBe(v.signatureValid)
      const { bytes: _b, signable: _s, signature, ...unsigned } = op
      expect(
        hex(encodeOperation(encodeSignable(unsigned, group.limits!), signature, group.limits!)),
      ).toBe(v.hex)
    })
  }
})

describe('receive vectors', () => {
  const group = file.testGroups.find((g) => g.type === 'receive')!
  for (const v of group.tests as {
    tcId: number
    comment: string
    limits: Record<string, number>
    steps: { hex: string; outcome: string }[]
  }[]) {
    test(`tcId ${v.tcId}: ${v.comment}`, () => {
      const state = newState(v.limits)
      const seen = v.steps.map((step) => {
        const outcome = state.receive([fromHex(step.hex)]).outcomes[0]!
        return outcome.status === 'refused' ? outcome.error.code : outcome.status
      })
      expect(seen).toEqual(v.steps.map((s) => s.outcome))
    })
  }
})

describe('resolution vectors', () => {
  const group = file.testGroups.find((g) => g.type === 'resolution')!
  for (const v of group.tests as {
    tcId: number
    comment: string
    operations: string[]
    deliveries: number[][]
    expected: {
      stored: number[]
      refused: { index: number; error: string }[]
      pending: number[]
      members: string[]
      removed: { feed: string; cut: number }[]
      admins: string[]
    }
  }[]) {
    test(`tcId ${v.tcId}: ${v.comment}`, () => {
      const ops = v.operations.map(fromHex)
      const ids = ops.map((o) => hex(operationId(decodeOperation(o, group.limits!).signable)))
      v.deliveries.forEach((order, d) => {
        const state = newState(group.limits!)
        const fate = new Map<number, string>()
        const note = (index: number, outcome: string) => {
          if (outcome !== 'ERR_MEMBERSHIP_DUPLICATE' || !fate.has(index)) fate.set(index, outcome)
        }
        // The first order arrives in one batch, the others one operation at a time.
        const batches = d === 0 ? [order] : order.map((i) => [i])
        for (const batch of batches) {
          const result = state.receive(batch.map((i) => ops[i]!))
          result.outcomes.forEach((o, k) => {
            note(batch[k]!, o.status === 'refused' ? o.error.code : o.status)
          })
          for (const r of result.stored) fate.set(ids.indexOf(hex(r)), 'stored')
          for (const r of result.refused) fate.set(ids.indexOf(hex(r.id)), r.error.code)
        }
        const of = (status: string) =>
          [...fate]
            .filter(([, s]) => s === status)
            .map(([i]) => i)
            .sort((a, b) => a - b)
        expect(of('stored'), `delivery ${d}`).toEqual(v.expected.stored)
        expect(of('pending'), `delivery ${d}`).toEqual(v.expected.pending)
        const refused = [...fate]
          .filter(([, s]) => s.startsWith('ERR_'))
          .map(([index, error]) => ({ index, error }))
          .sort((a, b) => a.index - b.index)
        expect(refused, `delivery ${d}`).toEqual(v.expected.refused)
        const snap = state.snapshot()
        expect(snap.members, `delivery ${d}`).toEqual(v.expected.members)
        expect(snap.removed, `delivery ${d}`).toEqual(v.expected.removed)
        expect(snap.admins, `delivery ${d}`).toEqual(v.expected.admins)
      })
    })
  }
})

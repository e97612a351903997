/**
 * membership.json (draft 1.1, spec/membership.md) through the line protocol. Operations:
 * - `namespace {name}` -> `{base, signature, operationId, closedKey}` (the file's `namespace`);
 * - `invitation {multifeedKey, founder}` -> `{discoveryKey, genesisId, closedKey,
 *   closedDiscoveryKey}` (the file's `multifeed`);
 * - `decode {hex, limits}` -> `{decoded: <operation JSON>}` or `{error: code}`;
 * - `id {hex, limits}` -> `{signable, id}`; `verify {hex, limits}` -> `{signatureValid}`;
 * - `encode {operation, limits}` -> `{hex}`;
 * - `start {multifeedKey, founder, limits}` -> `{}`: a fresh membership state;
 * - `receive {operations: [hex]}` -> `{outcomes: [{id, outcome}], stored: [id], refused:
 *   [{id, error}]}`;
 * - `resolution {}` -> `{members, removed, admins}`.
 *
 * Receive vectors compare each step's outcome. Resolution vectors replay every delivery twice
 * (all operations in one `receive`, then one per `receive`), follow what became of each
 * operation from the answers, and compare that and the resolution with `expected`.
 */
import { Skipped } from '../implementation.js'
import { brief, expectEqual, field, Mismatch, type Suite, type VectorCase } from './suite.js'

type Json = Record<string, unknown>
type Implementation = Parameters<VectorCase['run']>[0]
type Limits = Record<string, number>

interface TestBase {
  tcId: number
  comment: string
  flags: string[]
}

interface OperationTest extends TestBase {
  hex: string
  result: 'valid' | 'invalid'
  decoded?: Json
  signable?: string
  id?: string
  signatureValid?: boolean
  error?: string
}

interface ReceiveTest extends TestBase {
  limits: Limits
  steps: { hex: string; outcome: string }[]
}

interface Expected {
  stored: number[]
  pending: number[]
  refused: { index: number; error: string }[]
  members: string[]
  removed: { feed: string; cut: number }[]
  admins: string[]
}

interface ResolutionTest extends TestBase {
  operations: string[]
  deliveries: number[][]
  expected: Expected
}

interface MembershipFile {
  namespace: {
    name: string
    base: string
    signature: string
    operationId: string
    closedKey: string
  }
  multifeed: {
    multifeedKey: string
    founder: string
    discoveryKey: string
    genesisId: string
    closedKey: string
    closedDiscoveryKey: string
  }
  testGroups: { type: string; limits?: Limits; tests: TestBase[] }[]
}

const NAME = 'membership'
const DUPLICATE = 'ERR_MEMBERSHIP_DUPLICATE'

/** Every named field of `result` equals the same field of `expected`. */
function expectFields(op: string, expected: Json, result: Json, names: readonly string[]): void {
  for (const name of names) expectEqual(name, expected[name], field(result, name, op))
}

function operationCase(test: OperationTest, limits: Limits): VectorCase {
  const id = String(test.tcId)
  return {
    id,
    title: `operation: ${test.comment}`,
    async run(implementation) {
      const { hex } = test
      const decoded = await implementation.call(NAME, id, 'decode', { hex, limits })
      if (test.result === 'invalid') {
        expectEqual('decode error', test.error, decoded.error ?? { decoded: decoded.decoded })
        return
      }
      if ('error' in decoded) {
        throw new Mismatch(`decode: expected success, got error ${brief(decoded.error)}`)
      }
      expectEqual('decoded', test.decoded, field(decoded, 'decoded', 'decode'))
      const hashed = await implementation.call(NAME, id, 'id', { hex, limits })
      expectFields('id', test as unknown as Json, hashed, ['signable', 'id'])
      const encoded = await implementation.call(NAME, id, 'encode', {
        operation: test.decoded,
        limits,
      })
      expectEqual('encoded', hex, field(encoded, 'hex', 'encode'))
      // Last, so that an implementation without Ed25519 still has the rest checked.
      let verified: Json
      try {
        verified = await implementation.call(NAME, id, 'verify', { hex, limits })
      } catch (err) {
        if (!(err instanceof Skipped)) throw err
        throw new Skipped(`verify: ${err.message} (decode, id and encode were right)`)
      }
      expectEqual(
        'signatureValid',
        test.signatureValid,
        field(verified, 'signatureValid', 'verify'),
      )
    },
  }
}

function receiveCase(test: ReceiveTest, multifeed: MembershipFile['multifeed']): VectorCase {
  const id = String(test.tcId)
  return {
    id,
    title: `receive: ${test.comment}`,
    async run(implementation) {
      const { multifeedKey, founder } = multifeed
      await implementation.call(NAME, id, 'start', { multifeedKey, founder, limits: test.limits })
      for (const [i, step] of test.steps.entries()) {
        const result = await implementation.call(NAME, id, 'receive', { operations: [step.hex] })
        const outcomes = checkReceive(`step ${i}`, result, 1).outcomes
        expectEqual(`step ${i} outcome`, step.outcome, outcomes[0]!.outcome)
      }
    },
  }
}

interface ReceiveAnswer {
  outcomes: { id: string | null; outcome: string }[]
  stored: string[]
  refused: { id: string; error: string }[]
}

const isHexOrNull = (value: unknown) => value === null || typeof value === 'string'

/** The answer to `receive`, checked for shape: one outcome per operation given. */
function checkReceive(where: string, result: Json, given: number): ReceiveAnswer {
  const { outcomes, stored, refused } = result
  const fault = (what: string) => new Mismatch(`${where}: receive ${what}: ${brief(result)}`)
  if (!Array.isArray(outcomes) || outcomes.length !== given) {
    throw fault(`must give one outcome per operation (${given})`)
  }
  for (const o of outcomes) {
    if (typeof o?.outcome !== 'string' || !isHexOrNull(o.id)) {
      throw fault('outcomes must be {id, outcome}')
    }
  }
  if (!Array.isArray(stored) || !stored.every((s) => typeof s === 'string')) {
    throw fault('stored must be a list of ids')
  }
  if (
    !Array.isArray(refused) ||
    !refused.every((r) => typeof r?.id === 'string' && typeof r.error === 'string')
  ) {
    throw fault('refused must be a list of {id, error}')
  }
  return result as unknown as ReceiveAnswer
}

/**
 * What became of each operation of a resolution vector, from the answers to `receive`: its
 * index is learned from the id its outcome carries; a redelivery refused as a duplicate does
 * not count (README "Resolution group").
 */
class Fates {
  readonly #index = new Map<string, number>()
  readonly #ids = new Map<number, string>()
  readonly fate = new Map<number, string>()

  record(where: string, given: number[], answer: ReceiveAnswer): void {
    answer.outcomes.forEach(({ id }, k) => {
      if (id !== null) this.#learn(where, given[k]!, id)
    })
    // Order within one call: earlier operations dropped or refused, then each operation given
    // (a redelivery after a drop waits again), then whatever got stored.
    for (const { id, error } of answer.refused) this.fate.set(this.#indexOf(where, id), error)
    answer.outcomes.forEach(({ outcome }, k) => {
      const index = given[k]!
      if (outcome !== DUPLICATE || !this.fate.has(index)) this.fate.set(index, outcome)
    })
    for (const id of answer.stored) this.fate.set(this.#indexOf(where, id), 'stored')
  }

  indices(status: string): number[] {
    return [...this.fate]
      .filter(([, s]) => s === status)
      .map(([i]) => i)
      .sort((a, b) => a - b)
  }

  refused(): { index: number; error: string }[] {
    return [...this.fate]
      .filter(([, s]) => s !== 'stored' && s !== 'pending')
      .map(([index, error]) => ({ index, error }))
      .sort((a, b) => a.index - b.index)
  }

  #learn(where: string, index: number, id: string): void {
    const known = this.#ids.get(index)
    const other = this.#index.get(id)
    if ((known !== undefined && known !== id) || (other !== undefined && other !== index)) {
      throw new Mismatch(`${where}: id ${id} for operation ${index}, which is not consistent`)
    }
    this.#ids.set(index, id)
    this.#index.set(id, index)
  }

  #indexOf(where: string, id: string): number {
    const index = this.#index.get(id)
    if (index === undefined) {
      throw new Mismatch(`${where}: ${brief(id)} is not the id of an operation given so far`)
    }
    return index
  }
}

function resolutionCase(
  test: ResolutionTest,
  limits: Limits,
  multifeed: MembershipFile['multifeed'],
): VectorCase {
  const id = String(test.tcId)
  const replay = async (implementation: Implementation, where: string, batches: number[][]) => {
    const { multifeedKey, founder } = multifeed
    await implementation.call(NAME, id, 'start', { multifeedKey, founder, limits })
    const fates = new Fates()
    for (const batch of batches) {
      const operations = batch.map((i) => test.operations[i]!)
      const result = await implementation.call(NAME, id, 'receive', { operations })
      fates.record(where, batch, checkReceive(where, result, batch.length))
    }
    const { expected } = test
    expectEqual(`${where}: stored`, expected.stored, fates.indices('stored'))
    expectEqual(`${where}: pending`, expected.pending, fates.indices('pending'))
    expectEqual(`${where}: refused`, expected.refused, fates.refused())
    const resolution = await implementation.call(NAME, id, 'resolution')
    for (const name of ['members', 'removed', 'admins'] as const) {
      expectEqual(`${where}: ${name}`, expected[name], field(resolution, name, 'resolution'))
    }
  }
  return {
    id,
    title: `resolution: ${test.comment}`,
    async run(implementation) {
      for (const [d, order] of test.deliveries.entries()) {
        await replay(implementation, `delivery ${d} in one batch`, [order])
        await replay(
          implementation,
          `delivery ${d} one at a time`,
          order.map((i) => [i]),
        )
      }
    },
  }
}

/** A group this runner does not know (a later revision's): its tests are reported as skipped. */
function unknownGroupCase(type: string, test: TestBase): VectorCase {
  return {
    id: String(test.tcId),
    title: `${type}: ${test.comment}`,
    async run() {
      throw new Skipped(`this runner does not know test groups of type ${JSON.stringify(type)}`)
    },
  }
}

export const membershipSuite: Suite = {
  name: NAME,
  file: 'membership.json',
  cases(file) {
    const { namespace, multifeed, testGroups } = file as MembershipFile
    const cases: VectorCase[] = [
      {
        id: 'namespace',
        title: 'the namespace NSM (spec 4.1)',
        async run(implementation) {
          const result = await implementation.call(NAME, 'namespace', 'namespace', {
            name: namespace.name,
          })
          expectFields('namespace', namespace, result, [
            'base',
            'signature',
            'operationId',
            'closedKey',
          ])
        },
      },
      {
        id: 'multifeed',
        title: 'the fixed multifeed: genesis id and closed key of its invitation (spec 3)',
        async run(implementation) {
          const { multifeedKey, founder } = multifeed
          const result = await implementation.call(NAME, 'multifeed', 'invitation', {
            multifeedKey,
            founder,
          })
          expectFields('invitation', multifeed, result, [
            'discoveryKey',
            'genesisId',
            'closedKey',
            'closedDiscoveryKey',
          ])
        },
      },
    ]
    for (const group of testGroups) {
      const limits = group.limits ?? {}
      for (const test of group.tests) {
        if (group.type === 'operation') cases.push(operationCase(test as OperationTest, limits))
        else if (group.type === 'receive') cases.push(receiveCase(test as ReceiveTest, multifeed))
        else if (group.type === 'resolution') {
          cases.push(resolutionCase(test as ResolutionTest, limits, multifeed))
        } else cases.push(unknownGroupCase(group.type, test))
      }
    }
    return cases
  },
}

/**
 * traces.json through the line protocol. Operations:
 * - `start {config}`: a fresh session for this trace (replacing any earlier one), with the
 *   config's policies; the first step's `open` event takes its fields from the config;
 * - `event {step, event}` -> `{actions: [...]}`, or `{refused: "ERR_INVALID_STATE" |
 *   "ERR_INVALID_ARGUMENT"}` when the implementation refused a local input and changed nothing.
 *
 * Actions are compared as README "How to replay" says: exactly, except that a Close we send is
 * checked by decoding its body under the trace's limits (flags 0, same code; the reason is
 * prose) and `fail.message` is compared only when it reports a received Close.
 */
import { decodeMessage } from '../../codec/channel-message.js'
import { DecodeError } from '../../codec/errors.js'
import { resolveLimits } from '../../codec/limits.js'
import type { Close } from '../../codec/messages.js'
import { fromHex } from '../../state/hex.js'
import type { ActionJson, Trace } from '../trace-form.js'
import { brief, expectEqual, field, Mismatch, type Suite, type VectorCase } from './suite.js'

const NAME = 'traces'

/** Detail fields of `fail` (spec section 10.1); compared exactly, absent equal to null. */
const FAIL_DETAILS = ['decodeCode', 'usVersion', 'themVersion', 'usClient', 'themClient'] as const

type Json = Record<string, unknown>

type Limits = ReturnType<typeof resolveLimits>

function compareSend(
  where: string,
  expected: ActionJson & { type: 'send' },
  actual: Json,
  limits: Limits,
): void {
  expectEqual(`${where} messageType`, expected.messageType, actual.messageType)
  if (typeof actual.body !== 'string') throw new Mismatch(`${where}: body is ${brief(actual.body)}`)
  const message = expected.message
  if (!('type' in message) || message.type !== 'close') {
    expectEqual(`${where} body`, expected.body, actual.body)
    return
  }
  expectCloseBody(where, message.code, actual.body, limits)
}

/** The session's own Close: it must fit the limits the remote enforces (spec 8.1). */
function expectCloseBody(where: string, code: number, body: string, limits: Limits): void {
  let close: Close
  try {
    close = decodeMessage(3, fromHex(body), limits) as Close
  } catch (err) {
    const why = err instanceof DecodeError ? err.code : (err as Error).message
    throw new Mismatch(`${where}: our Close must decode under the trace's limits: ${why}`)
  }
  expectEqual(`${where} Close code`, code, close.code)
}

function compareFail(where: string, expected: Json, actual: Json, reportsClose: boolean): void {
  for (const name of ['code', 'wireCode', 'remote'] as const) {
    expectEqual(`${where} ${name}`, expected[name], actual[name])
  }
  for (const name of FAIL_DETAILS) {
    expectEqual(`${where} ${name}`, expected[name] ?? null, actual[name] ?? null)
  }
  // A received Close is reported with its reason as the message (spec 10.2); ours is prose.
  if (reportsClose) expectEqual(`${where} message`, expected.message, actual.message)
}

function compareActions(
  step: number,
  expected: ActionJson[],
  actual: unknown,
  limits: Limits,
): void {
  if (!Array.isArray(actual)) throw new Mismatch(`step ${step}: actions is ${brief(actual)}`)
  const types = (list: { type?: unknown }[]) => list.map((a) => a?.type)
  expectEqual(`step ${step} action types`, types(expected), types(actual))
  expected.forEach((want, i) => {
    const got = actual[i] as Json
    const where = `step ${step} action ${i} (${want.type})`
    if (want.type === 'send') compareSend(where, want, got, limits)
    else if (want.type === 'fail') {
      const next = expected[i + 1]
      compareFail(where, want, got, next?.type === 'close' && next.by === 'remote')
    } else expectEqual(where, want, got)
  })
}

export const tracesSuite: Suite = {
  name: NAME,
  file: 'traces.json',
  cases(file) {
    return ((file as { traces: Trace[] }).traces ?? []).map(
      (trace): VectorCase => ({
        id: trace.id,
        title: trace.comment,
        async run(implementation) {
          // Limits that do not resolve are refused at open; no Close is compared then.
          let limits = resolveLimits()
          try {
            limits = resolveLimits(trace.config.limits)
          } catch {}
          await implementation.call(NAME, trace.id, 'start', { config: trace.config })
          for (let step = 0; step < trace.steps.length; step++) {
            const expected = trace.steps[step]!
            const result = await implementation.call(NAME, trace.id, 'event', {
              step,
              event: expected.input,
            })
            if ('throws' in expected) {
              expectEqual(
                `step ${step} (${expected.input.type}) refused`,
                expected.throws,
                result.refused,
              )
              continue
            }
            if ('refused' in result) {
              throw new Mismatch(
                `step ${step} (${expected.input.type}): refused ${brief(result.refused)}`,
              )
            }
            compareActions(step, expected.expect, field(result, 'actions', 'event'), limits)
          }
        },
      }),
    )
  },
}

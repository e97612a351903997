/**
 * Session trace vectors: (a) the checked-in traces.json equals the generator's output;
 * (b) replaying every trace against a fresh Session gives exactly the expected actions, step by
 * step; (c) every recorded send body is the encoding of its message and decodes back to it.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { decodeMessage } from '../../src/codec/channel-message.js'
import { decodeHandshake } from '../../src/codec/handshake.js'
import { membershipMessageToJson } from '../../src/conformance/membership-message-form.js'
import { fromHex } from '../../src/state/hex.js'
import { Session } from '../../src/state/session.js'
import { messageToJson } from './gen/json-form.js'
import {
  actionToJson,
  buildTraceVectors,
  eventFromJson,
  sessionOptionsOf,
  type Trace,
} from './gen/traces.js'
import { vectorFileText } from './gen/write.js'

const fileText = readFileSync(new URL('traces.json', import.meta.url), 'utf8')
const file = JSON.parse(fileText) as ReturnType<typeof buildTraceVectors>

test('traces.json is up to date (run `npm run vectors` after changing the generator)', () => {
  expect(fileText).toBe(vectorFileText(buildTraceVectors()))
})

test('the file covers both roles, every session error code and at least 40 traces', () => {
  expect(file.numberOfTraces).toBe(file.traces.length)
  expect(file.traces.length).toBeGreaterThanOrEqual(40)
  expect(new Set(file.traces.map((t) => t.role))).toEqual(new Set(['initiator', 'responder']))
  for (const trace of file.traces) expect(trace.role, trace.id).toBe(trace.config.role)
  const failed = new Set<string>()
  for (const trace of file.traces) {
    for (const step of trace.steps) {
      if (!('expect' in step)) continue
      for (const action of step.expect)
        if (action.type === 'fail') failed.add(action.code as string)
    }
  }
  for (const code of Object.keys(file.errorCodes).filter((name) => name !== 'OK')) {
    expect(failed, code).toContain(code)
  }
  expect(failed).toContain('ERR_REMOTE_UNKNOWN')
})

describe('replay', () => {
  for (const trace of file.traces as Trace[]) {
    test(`${trace.id}`, () => {
      const session = new Session(sessionOptionsOf(trace.config))
      trace.steps.forEach((step, index) => {
        const event = eventFromJson(step.input, trace.config)
        const where = `${trace.id} step ${index} (${step.input.type})`
        if ('throws' in step) {
          expect(() => session.handle(event), where).toThrow(
            expect.objectContaining({ code: step.throws }),
          )
          return
        }
        const actions = session.handle(event).map(actionToJson)
        expect(actions, where).toEqual(step.expect)
      })
    })
  }
})

test('every recorded send body decodes to its recorded message', () => {
  for (const trace of file.traces as Trace[]) {
    for (const step of trace.steps) {
      if (!('expect' in step)) continue
      for (const action of step.expect) {
        if (action.type !== 'send') continue
        const body = fromHex(action.body)
        // Messages of minor 1 (4 to 8) decode with their own forms (spec/membership.md 14.2).
        const extension =
          action.messageType === null ? null : membershipMessageToJson(action.messageType, body)
        if (extension !== null) {
          expect(extension).toEqual(action.message)
          continue
        }
        const decoded =
          action.messageType === null
            ? decodeHandshake(body)
            : decodeMessage(action.messageType, body, { maxEntriesPerMessage: 1 << 20 })
        expect(messageToJson(decoded!)).toEqual(action.message)
      }
    }
  }
})

import { readFileSync } from 'node:fs'
import b4a from 'b4a'
import sodium from 'sodium-universal'
import { describe, expect, test } from 'vitest'
import {
  type ChannelMessage,
  capability,
  capabilityNamespace,
  DEFAULT_LIMITS,
  DecodeError,
  decodeHandshake,
  decodeMessage,
  discoveryKey,
  encodeHandshake,
  encodeMessage,
  type Handshake,
} from '../../src/codec/index.js'
import { buildCapabilityVectors } from './gen/capability.js'
import { buildCodecVectors, type CodecTest, type CodecTestGroup } from './gen/codec.js'
import { type MessageJson, messageFromJson, messageToJson, vectorBytes } from './gen/json-form.js'
import { vectorFileText } from './gen/write.js'

const readVectorFile = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')

describe('checked-in vector files are up to date (run `npm run vectors` after changing a generator)', () => {
  test('codec.json', () => {
    expect(readVectorFile('codec.json')).toBe(vectorFileText(buildCodecVectors()))
  })
  test('capability.json', () => {
    expect(readVectorFile('capability.json')).toBe(vectorFileText(buildCapabilityVectors()))
  })
})

const codecFile = JSON.parse(readVectorFile('codec.json')) as ReturnType<typeof buildCodecVectors>

function decode(group: CodecTestGroup, bytes: Uint8Array) {
  return group.typeNumber === null
    ? decodeHandshake(bytes, group.limits)
    : decodeMessage(group.typeNumber, bytes, group.limits)
}

function encode(group: CodecTestGroup, json: MessageJson): Uint8Array {
  const message = messageFromJson(json)
  return group.typeNumber === null
    ? encodeHandshake(message as Handshake)
    : encodeMessage(message as ChannelMessage)
}

function decodeError(run: () => unknown): DecodeError {
  try {
    run()
  } catch (err) {
    if (err instanceof DecodeError) return err
    throw err
  }
  throw new Error('decoded without an error')
}

describe('codec vectors', () => {
  test('header counts every test once', () => {
    const tests = codecFile.testGroups.flatMap((group) => group.tests)
    expect(codecFile.numberOfTests).toBe(tests.length)
    expect(new Set(tests.map((t) => t.tcId)).size).toBe(tests.length)
  })

  for (const group of codecFile.testGroups) {
    describe(`${group.messageType} (type ${group.typeNumber})`, () => {
      test('group limits are the spec defaults', () => {
        for (const [name, value] of Object.entries(group.limits)) {
          expect(value).toBe(DEFAULT_LIMITS[name as keyof typeof DEFAULT_LIMITS])
        }
      })
      for (const vector of group.tests as CodecTest[]) {
        test(`tcId ${vector.tcId}: ${vector.comment}`, () => {
          const bytes = vectorBytes(vector)
          if (vector.result === 'invalid') {
            expect(decodeError(() => decode(group, bytes)).code).toBe(vector.error)
            return
          }
          const decoded = decode(group, bytes)
          if (vector.result === 'ignored') {
            expect(decoded).toBeNull()
            return
          }
          expect(decoded).not.toBeNull()
          const expected = messageFromJson(vector.decoded!)
          expect(messageToJson(decoded!)).toEqual(messageToJson(expected))
          if (vector.roundtrip) {
            expect(b4a.toString(encode(group, vector.decoded!), 'hex')).toBe(
              b4a.toString(bytes, 'hex'),
            )
          } else {
            expect(vector.flags).toContain('NoRoundtrip')
            if (expected.type === 'foreign-handshake') return // not ours to encode
            // The canonical re-encoding is shorter (ignored parts dropped) and decodes the same.
            const canonical = encode(group, vector.decoded!)
            expect(canonical.byteLength).toBeLessThan(bytes.byteLength)
            expect(messageToJson(decode(group, canonical)!)).toEqual(vector.decoded)
          }
        })
      }
    })
  }
})

describe('capability vectors', () => {
  const file = JSON.parse(readVectorFile('capability.json')) as ReturnType<
    typeof buildCapabilityVectors
  >
  const fromHex = (hex: string) => b4a.from(hex, 'hex')

  test('namespace values', () => {
    const [initiator, responder] = capabilityNamespace()
    expect(b4a.toString(initiator, 'hex')).toBe(file.namespace.initiator)
    expect(b4a.toString(responder, 'hex')).toBe(file.namespace.responder)
  })

  test('numberOfTests counts every test once: namespace, discovery key and capability', () => {
    const tests = [...file.discoveryKeyTests, ...file.capabilityTests, ...file.namespaceTests]
    expect(file.numberOfTests).toBe(tests.length)
    expect(new Set(tests.map((t) => t.tcId)).size).toBe(tests.length)
  })

  for (const vector of file.namespaceTests) {
    test(`tcId ${vector.tcId}: namespace ${vector.which}`, () => {
      const [initiator, responder] = capabilityNamespace()
      const base = b4a.alloc(32)
      sodium.crypto_generichash(base, b4a.from(vector.name))
      const values: Record<string, Uint8Array> = { base, initiator, responder }
      expect(b4a.toString(values[vector.which]!, 'hex')).toBe(vector.value)
      expect(vector.value).toBe(file.namespace[vector.which as keyof typeof file.namespace])
    })
  }

  for (const vector of file.discoveryKeyTests) {
    test(`tcId ${vector.tcId}: discovery key, ${vector.comment}`, () => {
      const out = discoveryKey(fromHex(vector.multifeedKey))
      expect(b4a.toString(out, 'hex')).toBe(vector.discoveryKey)
    })
  }

  for (const vector of file.capabilityTests) {
    test(`tcId ${vector.tcId}: capability, ${vector.comment}`, () => {
      const out = capability(
        fromHex(vector.multifeedKey),
        fromHex(vector.handshakeHash),
        vector.role,
      )
      expect(b4a.toString(out, 'hex')).toBe(vector.capability)
    })
  }
})

/**
 * codec.json through the line protocol. Operations:
 * - `decode {typeNumber, hex, limits}` -> `{decoded: <message JSON> | null}` (null: an unknown
 *   type, ignored) or `{error: "ERR_DECODE_..."}`;
 * - `encode {typeNumber, message, limits}` -> `{hex}`.
 */
import { expandArray, type HexRun, type MessageJson } from '../json-form.js'
import { brief, expectEqual, field, Mismatch, type Suite, type VectorCase } from './suite.js'

interface CodecTest {
  tcId: number
  comment: string
  flags: string[]
  hex?: string
  hexRepeat?: HexRun[]
  decoded?: MessageJson | null
  result: 'valid' | 'invalid' | 'ignored'
  roundtrip?: boolean
  error?: string
}

interface CodecFile {
  testGroups: {
    messageType: string
    typeNumber: number | null
    limits: Record<string, number>
    tests: CodecTest[]
  }[]
}

const NAME = 'codec'

/** The decoded form with every `repeat` run written out, as an implementation returns it. */
function expanded(json: MessageJson): MessageJson {
  if (json.type === 'manifest') return { ...json, entries: expandArray(json.entries) }
  if (json.type === 'request' || json.type === 'replicate') {
    return { ...json, keys: expandArray(json.keys) }
  }
  return json
}

const hexOf = (test: CodecTest): string =>
  test.hex ?? test.hexRepeat!.map((run) => run.hex.repeat(run.count)).join('')

export const codecSuite: Suite = {
  name: NAME,
  file: 'codec.json',
  cases(file) {
    const cases: VectorCase[] = []
    for (const group of (file as CodecFile).testGroups) {
      const { typeNumber, limits } = group
      for (const test of group.tests) {
        const id = String(test.tcId)
        const decode = async (
          implementation: Parameters<VectorCase['run']>[0],
          hex: string,
        ): Promise<Record<string, unknown>> =>
          implementation.call(NAME, id, 'decode', { typeNumber, hex, limits })
        const encode = async (
          implementation: Parameters<VectorCase['run']>[0],
          message: MessageJson,
        ): Promise<string> => {
          const result = await implementation.call(NAME, id, 'encode', {
            typeNumber,
            message,
            limits,
          })
          const hex = field(result, 'hex', 'encode')
          if (typeof hex !== 'string') throw new Mismatch(`encode: hex is ${brief(hex)}`)
          return hex
        }
        cases.push({
          id,
          title: `${group.messageType}: ${test.comment}`,
          async run(implementation) {
            const hex = hexOf(test)
            const result = await decode(implementation, hex)
            if (test.result === 'invalid') {
              expectEqual('decode error', test.error, result.error ?? { decoded: result.decoded })
              return
            }
            if ('error' in result) {
              throw new Mismatch(`decode: expected success, got error ${brief(result.error)}`)
            }
            const decoded = field(result, 'decoded', 'decode')
            if (test.result === 'ignored') {
              expectEqual('decoded (null: ignored)', null, decoded)
              return
            }
            const expected = expanded(test.decoded!)
            expectEqual('decoded', expected, decoded)
            if (expected.type === 'foreign-handshake') return // not ours to encode
            const encoded = await encode(implementation, expected)
            if (test.roundtrip) {
              expectEqual('encoded', hex, encoded)
              return
            }
            // Not round-tripping (ignored parts): the canonical encoding decodes the same.
            const again = await decode(implementation, encoded)
            expectEqual('decoding the canonical encoding', expected, again.decoded)
          },
        })
      }
    }
    return cases
  },
}

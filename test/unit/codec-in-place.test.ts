/**
 * The session reads Request, Replicate and Manifest bodies in place (decodeKeyList,
 * decodeManifestLayout) instead of through decodeMessage. Both paths must accept and reject
 * exactly the same bytes with the same codes, and read the same values: every codec vector of
 * those three types is decoded both ways here.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  DecodeError,
  decodeMessage,
  EntryBlock,
  KeyBlock,
  type Manifest,
  type Request,
} from '../../src/codec/index.js'
import { decodeKeyList } from '../../src/codec/keys-message.js'
import { resolveLimits } from '../../src/codec/limits.js'
import { decodeManifestLayout } from '../../src/codec/manifest.js'
import type { buildCodecVectors } from '../vectors/gen/codec.js'
import { vectorBytes } from '../vectors/gen/json-form.js'

const file = JSON.parse(
  readFileSync(new URL('../vectors/codec.json', import.meta.url), 'utf8'),
) as ReturnType<typeof buildCodecVectors>

function outcome(run: () => unknown): { value: unknown } | { code: string } {
  try {
    return { value: run() }
  } catch (err) {
    if (err instanceof DecodeError) return { code: err.code }
    throw err
  }
}

/** The in-place result rebuilt as the message decodeMessage returns. */
function keyListAsMessage(type: 'request' | 'replicate', bytes: Uint8Array): Request {
  const list = decodeKeyList(type, bytes, resolveLimits(file.testGroups[0]!.limits))
  const keys: Uint8Array[] = []
  for (let i = 0; i < list.count; i++) {
    keys.push(list.bytes.slice(list.offset + 32 * i, list.offset + 32 * i + 32))
  }
  return { type: type as 'request', keys: KeyBlock.from(keys) }
}

function layoutAsMessage(bytes: Uint8Array): Manifest {
  const layout = decodeManifestLayout(bytes, resolveLimits(file.testGroups[0]!.limits))
  const entries = []
  for (let i = 0; i < layout.count; i++) {
    const at = layout.keyOffsets[i]!
    entries.push({
      key: layout.bytes.slice(at, at + 32),
      length: layout.lengths[i]!,
      data: layout.data === null ? null : layout.data[i]!,
    })
  }
  return { type: 'manifest', more: layout.more, entries: EntryBlock.from(entries) }
}

// Blocks as the arrays they list, byte arrays as hex.
const normalise = (value: unknown) =>
  JSON.parse(
    JSON.stringify(value, (_k, v) =>
      v instanceof KeyBlock || v instanceof EntryBlock
        ? [...v]
        : v instanceof Uint8Array
          ? Buffer.from(v).toString('hex')
          : v,
    ),
  )

for (const group of file.testGroups) {
  if (
    group.messageType !== 'manifest' &&
    group.messageType !== 'request' &&
    group.messageType !== 'replicate'
  )
    continue
  const type = group.messageType
  describe(`in-place ${type} decoding agrees with decodeMessage`, () => {
    for (const vector of group.tests) {
      test(`tcId ${vector.tcId}: ${vector.comment}`, () => {
        const bytes = vectorBytes(vector)
        const expected = outcome(() => decodeMessage(group.typeNumber!, bytes, group.limits))
        const actual = outcome(() =>
          type === 'manifest' ? layoutAsMessage(bytes) : keyListAsMessage(type, bytes),
        )
        if ('code' in expected) expect(actual).toEqual(expected)
        else expect('value' in actual && normalise(actual.value)).toEqual(normalise(expected.value))
      })
    }
  })
}

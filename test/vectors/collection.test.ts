/**
 * Collection trace vectors: (a) the checked-in collection.json equals the generator's output;
 * (b) replaying every trace against a fresh Collection gives exactly the expected actions.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { Collection } from '../../src/state/collection.js'
import {
  buildCollectionTraceVectors as build,
  type buildCollectionTraceVectors,
  type CollectionTrace,
  collectionActionToJson,
  collectionEventFromJson,
  collectionOptionsOf,
} from './gen/collection.js'
import { vectorFileText } from './gen/write.js'

const fileText = readFileSync(new URL('collection.json', import.meta.url), 'utf8')
const file = JSON.parse(fileText) as ReturnType<typeof buildCollectionTraceVectors>

test('collection.json is up to date (run `npm run vectors` after changing the generator)', () => {
  expect(fileText).toBe(vectorFileText(build()))
})

test('every collection section is covered by a trace', () => {
  const covered = new Set(file.traces.flatMap((trace) => trace.covers))
  for (const section of [
    '4.1',
    '4.2',
    '4.3',
    '4.4',
    '5',
    '6.1',
    '6.2',
    '7',
    '8.1',
    '8.2',
    '8.3',
    '8.4',
  ]) {
    expect(covered, `collection ${section}`).toContain(`collection ${section}`)
  }
  // 1.1: the collection of a closed multifeed (spec/membership.md 14.3, 14.4).
  for (const section of ['12.2', '12.3', '12.4', '14.1', '14.3', '14.4', '14.5']) {
    expect(covered, `membership ${section}`).toContain(`membership ${section}`)
  }
})

describe('replay', () => {
  for (const trace of file.traces as CollectionTrace[]) {
    test(trace.id, () => {
      const collection = new Collection(collectionOptionsOf(trace.config))
      trace.steps.forEach((step, index) => {
        const event = collectionEventFromJson(step.input, trace.config)
        const where = `${trace.id} step ${index} (${step.input.type})`
        if ('throws' in step) {
          expect(() => collection.handle(event), where).toThrow(
            expect.objectContaining({ code: step.throws }),
          )
          return
        }
        expect(collection.handle(event).map(collectionActionToJson), where).toEqual(step.expect)
      })
    })
  }
})

/**
 * Writes the vector files (`npm run vectors`). Each entry pairs a file with a pure builder;
 * vectors.test.ts compares the checked-in files with the builders, so a stale file fails CI.
 * To add a generator: import its builder and add one line to VECTOR_FILES.
 */
import { fileURLToPath } from 'node:url'
import { buildCapabilityVectors } from './gen/capability.js'
import { buildCodecVectors } from './gen/codec.js'
import { buildCollectionTraceVectors } from './gen/collection.js'
import { buildMembershipVectors } from './gen/membership.js'
import { buildTraceVectors } from './gen/traces.js'
import { writeVectorFile } from './gen/write.js'

export const VECTOR_FILES: [file: string, build: () => unknown][] = [
  ['codec.json', buildCodecVectors],
  ['capability.json', buildCapabilityVectors],
  ['traces.json', buildTraceVectors],
  ['collection.json', buildCollectionTraceVectors],
  ['membership.json', buildMembershipVectors],
]

function main(): void {
  for (const [file, build] of VECTOR_FILES) {
    const path = fileURLToPath(new URL(file, import.meta.url))
    writeVectorFile(path, build())
    console.log(`wrote ${path}`)
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main()

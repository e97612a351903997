/**
 * This package's implementation (src/codec, src/state) behind the conformance line protocol:
 * reads requests from stdin, one JSON object per line, and answers each on stdout (the answers
 * are reference.ts's). The runner starts it for `multifeed-conformance --reference`; the test
 * suite runs it through every vector.
 */
import { createInterface } from 'node:readline'
import type { LineRequest, LineResponse } from './protocol.js'
import { answer } from './reference.js'

function respond(line: string): LineResponse {
  let request: LineRequest
  try {
    request = JSON.parse(line) as LineRequest
  } catch {
    return { id: -1, error: 'request is not JSON' }
  }
  try {
    const result = answer(request)
    if (result === null) return { id: request.id, skip: `no ${request.suite}/${request.op} here` }
    return { id: request.id, result }
  } catch (err) {
    return { id: request.id, error: (err as Error).stack ?? String(err) }
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })
lines.on('line', (line) => {
  if (line.trim() !== '') process.stdout.write(`${JSON.stringify(respond(line))}\n`)
})

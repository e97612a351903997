/**
 * The conformance line protocol (test/vectors/README.md, "Conformance runner"): the runner
 * writes one JSON request per line to the implementation's stdin and reads one JSON response
 * per line from its stdout, strictly in turn. Every request names its suite, vector and
 * operation, so a new suite (membership) adds operations, never framing.
 */

/** Sent in `hello`; an implementation may refuse a protocol it does not speak. */
export const LINE_PROTOCOL = 'multifeed-conformance/1'

/** One request line. Operands depend on `op` (README lists them per suite). */
export interface LineRequest {
  /** 0, 1, 2, ...: the response repeats it. */
  id: number
  /** `runner` for hello; otherwise the suite of the vector (codec, capability, traces, ...). */
  suite: string
  /** The vector's id within its suite (a tcId or a trace id), for logs and session keys. */
  vector: string
  op: string
  [operand: string]: unknown
}

/**
 * One response line: exactly one of `result` (done), `skip` (this implementation does not
 * implement the operation: the vector is reported as skipped) or `error` (it failed while
 * trying: the vector fails).
 */
export type LineResponse =
  | { id: number; result: Record<string, unknown> }
  | { id: number; skip: string }
  | { id: number; error: string }

/** Parses and checks one response line; throws an Error naming what is wrong with it. */
export function parseResponse(line: string, expectedId: number): LineResponse {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new Error(`response is not JSON: ${line.slice(0, 200)}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`response is not a JSON object: ${line.slice(0, 200)}`)
  }
  const response = value as Record<string, unknown>
  if (response.id !== expectedId) {
    throw new Error(`response id ${String(response.id)}, expected ${expectedId}`)
  }
  const kinds = ['result', 'skip', 'error'].filter((kind) => kind in response)
  if (kinds.length !== 1) {
    throw new Error(`response ${expectedId} must have exactly one of result, skip, error`)
  }
  if ('result' in response) {
    const result = response.result
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new Error(`response ${expectedId}: result must be a JSON object`)
    }
  } else {
    const text = 'skip' in response ? response.skip : response.error
    if (typeof text !== 'string') {
      throw new Error(`response ${expectedId}: ${kinds[0]} must be a string`)
    }
  }
  return response as LineResponse
}

/**
 * What a suite is: a vector file and, for each of its vectors, a case that drives the
 * implementation through the line protocol and throws Mismatch when an answer is wrong.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Implementation } from '../implementation.js'

/** One vector of a suite, ready to run. */
export interface VectorCase {
  /** The vector's id in its suite (a tcId or a trace id), as sent in requests. */
  id: string
  /** One line for the report (the vector's comment). */
  title: string
  /** Resolves when every answer was right; throws Mismatch (or a line-protocol error) if not. */
  run(implementation: Implementation): Promise<void>
}

/** A set of vectors in one file of the vectors directory. */
export interface Suite {
  /** The name requests carry in `suite`. */
  name: string
  /** The vector file, relative to the vectors directory. */
  file: string
  /** The cases of the parsed file, in file order. */
  cases(file: unknown): VectorCase[]
}

/** An answer differs from the vector. */
export class Mismatch extends Error {
  override name = 'Mismatch'
}

/** At most `max` characters of a value's JSON, for a report line. */
export function brief(value: unknown, max = 160): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value)
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`
}

/** Throws Mismatch unless `actual` deep-equals `expected`. */
export function expectEqual(what: string, expected: unknown, actual: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Mismatch(`${what}: expected ${brief(expected)}, got ${brief(actual)}`)
  }
}

/** The field `name` of a result, which must be present. */
export function field(result: Record<string, unknown>, name: string, op: string): unknown {
  if (!(name in result)) throw new Mismatch(`${op}: the result has no "${name}": ${brief(result)}`)
  return result[name]
}

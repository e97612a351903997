/**
 * The suites the runner knows, in run order. A new vector file becomes a suite with one more
 * entry here (its operations go in its own module; the line protocol's framing stays).
 */
import { capabilitySuite } from './capability.js'
import { codecSuite } from './codec.js'
import { membershipSuite } from './membership.js'
import type { Suite } from './suite.js'
import { tracesSuite } from './traces.js'

export const SUITES: readonly Suite[] = [codecSuite, capabilitySuite, tracesSuite, membershipSuite]

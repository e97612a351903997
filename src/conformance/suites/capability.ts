/**
 * capability.json through the line protocol. Operations:
 * - `namespace {name}` -> `{base, initiator, responder}`;
 * - `discovery-key {multifeedKey}` -> `{discoveryKey}`;
 * - `capability {multifeedKey, handshakeHash, role}` -> `{capability}`.
 */
import { expectEqual, field, type Suite, type VectorCase } from './suite.js'

interface CapabilityFile {
  discoveryKeyTests: { tcId: number; comment: string; multifeedKey: string; discoveryKey: string }[]
  capabilityTests: {
    tcId: number
    comment: string
    multifeedKey: string
    handshakeHash: string
    role: string
    capability: string
  }[]
  namespaceTests: { tcId: number; comment: string; name: string; which: string; value: string }[]
}

const NAME = 'capability'

export const capabilitySuite: Suite = {
  name: NAME,
  file: 'capability.json',
  cases(file) {
    const { discoveryKeyTests, capabilityTests, namespaceTests } = file as CapabilityFile
    const cases: VectorCase[] = []
    for (const test of discoveryKeyTests) {
      const id = String(test.tcId)
      cases.push({
        id,
        title: `discovery key: ${test.comment}`,
        async run(implementation) {
          const result = await implementation.call(NAME, id, 'discovery-key', {
            multifeedKey: test.multifeedKey,
          })
          expectEqual(
            'discoveryKey',
            test.discoveryKey,
            field(result, 'discoveryKey', 'discovery-key'),
          )
        },
      })
    }
    for (const test of capabilityTests) {
      const id = String(test.tcId)
      cases.push({
        id,
        title: `capability: ${test.comment}`,
        async run(implementation) {
          const { multifeedKey, handshakeHash, role } = test
          const result = await implementation.call(NAME, id, 'capability', {
            multifeedKey,
            handshakeHash,
            role,
          })
          expectEqual('capability', test.capability, field(result, 'capability', 'capability'))
        },
      })
    }
    for (const test of namespaceTests) {
      const id = String(test.tcId)
      cases.push({
        id,
        title: `namespace ${test.which}: ${test.comment}`,
        async run(implementation) {
          const result = await implementation.call(NAME, id, 'namespace', { name: test.name })
          expectEqual(test.which, test.value, field(result, test.which, 'namespace'))
        },
      })
    }
    return cases
  },
}

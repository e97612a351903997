import crypto from 'hypercore-crypto'
import { describe, expect, test } from 'vitest'
import { coreDiscoveryKeys } from '../../src/adapters/corestore/keys.js'

describe('coreDiscoveryKeys', () => {
  test("equals hypercore-crypto's discoveryKey for each key, in order", () => {
    const keys = Array.from({ length: 5 }, () => crypto.randomBytes(32))
    const batch = coreDiscoveryKeys(keys)
    expect(batch.map((k) => Buffer.from(k).toString('hex'))).toEqual(
      keys.map((k) => Buffer.from(crypto.discoveryKey(k)).toString('hex')),
    )
    expect(coreDiscoveryKeys([])).toEqual([])
  })
})

/** The command's DHT options: --bootstrap parsing, and where the DHT node binds. */
import { describe, expect, test } from 'vitest'
import { dhtHost, parseBootstrap } from '../../src/cli/network.js'

describe('--bootstrap and --host', () => {
  test('host:port, [ipv6]:port and comma-separated lists', () => {
    expect(parseBootstrap(['127.0.0.1:49736', 'node.example:1,[::1]:2'])).toEqual([
      { host: '127.0.0.1', port: 49736 },
      { host: 'node.example', port: 1 },
      { host: '::1', port: 2 },
    ])
  })

  test.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', ':80', 'host:port', '::1:80'])(
    '%s is a usage error',
    (value) => {
      expect(() => parseBootstrap([value])).toThrow(
        expect.objectContaining({ code: 'ERR_USAGE', exitStatus: 2 }),
      )
    },
  )

  test('the DHT binds to 127.0.0.1 when every bootstrap node is on loopback, else where asked', () => {
    const loopback = parseBootstrap(['127.0.0.1:49736', 'localhost:1', '[::1]:2'])
    expect(dhtHost({ bootstrap: loopback, host: undefined })).toBe('127.0.0.1')
    expect(dhtHost({ bootstrap: loopback, host: '0.0.0.0' })).toBe('0.0.0.0')
    const mixed = parseBootstrap(['127.0.0.1:49736', '203.0.113.7:49737'])
    expect(dhtHost({ bootstrap: mixed, host: undefined })).toBeUndefined()
    expect(dhtHost({ bootstrap: undefined, host: undefined })).toBeUndefined() // public DHT
  })
})

/**
 * The Python example's Ed25519 verification (conformance/python/ed25519.py) against libsodium
 * on the edge cases spec/membership.md 4.3 names and membership.json does not reach: a
 * non-canonical S, small-order R and public keys, public keys that are not canonical or not on
 * the curve. What libsodium answers is the expected answer; none is written here.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import b4a from 'b4a'
import crypto from 'hypercore-crypto'
import { expect, test } from 'vitest'

const pythonDir = fileURLToPath(new URL('../../conformance/python/', import.meta.url))
const python = spawnSync('python3', ['--version']).status === 0

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const P = 2n ** 255n - 19n
const littleEndian = (n: bigint) => {
  const out = b4a.alloc(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}
const fromLittleEndian = (bytes: Uint8Array) =>
  bytes.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n)
const hex = (h: string) => b4a.from(h, 'hex')

interface Case {
  name: string
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

function edgeCases(): Case[] {
  const { publicKey, secretKey } = crypto.keyPair(b4a.alloc(32, 7))
  const message = b4a.from('multifeed: Ed25519 edge cases')
  const signature = crypto.sign(message, secretKey)
  const r = signature.subarray(0, 32)
  const s = fromLittleEndian(signature.subarray(32))
  const identity = littleEndian(1n)
  const order8 = hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')
  const flippedSign = b4a.from(r)
  flippedSign[31]! ^= 0x80
  const cases: Case[] = [
    { name: 'valid', publicKey, message, signature },
    { name: 'another message', publicKey, message: b4a.from('another'), signature },
    { name: 'S + L', publicKey, message, signature: b4a.concat([r, littleEndian(s + L)]) },
    { name: 'S = L', publicKey, message, signature: b4a.concat([r, littleEndian(L)]) },
    {
      name: 'R flipped sign',
      publicKey,
      message,
      signature: b4a.concat([flippedSign, signature.subarray(32)]),
    },
    {
      name: 'R identity',
      publicKey,
      message,
      signature: b4a.concat([identity, signature.subarray(32)]),
    },
    {
      name: 'R order 8',
      publicKey,
      message,
      signature: b4a.concat([order8, signature.subarray(32)]),
    },
    // The identity key with R = identity and S = 0 satisfies the bare equation of RFC 8032.
    {
      name: 'identity key',
      publicKey: identity,
      message,
      signature: b4a.concat([identity, littleEndian(0n)]),
    },
    { name: 'order-8 key', publicKey: order8, message, signature },
    { name: 'key y = p', publicKey: littleEndian(P), message, signature },
    { name: 'key y = p + 2', publicKey: littleEndian(P + 2n), message, signature },
  ]
  // Small y values: some are on the curve, some are not; libsodium says which.
  for (let y = 2n; y < 8n; y++) {
    cases.push({ name: `key y = ${y}`, publicKey: littleEndian(y), message, signature })
  }
  return cases
}

test.skipIf(!python)(
  'the Python Ed25519 accepts and refuses exactly what libsodium does (skipped without python3)',
  () => {
    const cases = edgeCases()
    const libsodium = cases.map((c) => crypto.verify(c.message, c.signature, c.publicKey))
    const run = spawnSync(
      'python3',
      [
        '-c',
        'import json, sys; import ed25519; print(json.dumps([ed25519.verify(*(bytes.fromhex(x) for x in c)) for c in json.load(sys.stdin)]))',
      ],
      {
        cwd: pythonDir,
        encoding: 'utf8',
        input: JSON.stringify(
          cases.map((c) =>
            [c.publicKey, c.message, c.signature].map((b) => b4a.toString(b, 'hex')),
          ),
        ),
      },
    )
    expect(run.stderr).toBe('')
    const pythonAnswers = JSON.parse(run.stdout) as boolean[]
    const named = (answers: boolean[]) => cases.map((c, i) => `${c.name}: ${answers[i]}`)
    expect(named(pythonAnswers)).toEqual(named(libsodium))
    // Both answers occur, so the comparison says something.
    expect(libsodium[0]).toBe(true)
    expect(libsodium.filter((ok) => !ok).length).toBeGreaterThan(10)
  },
)

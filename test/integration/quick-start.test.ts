import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { quickStart } from '../../examples/quick-start.js'

test('the README quick start syncs both writers into both multifeeds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-quick-start-test-'))
  try {
    expect(await quickStart(dir)).toEqual(['hello from a', 'hello from b'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

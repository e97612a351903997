/** Fixtures of the security tests: peers (a store and its multifeeds) and their connections. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type NoiseSecretStream from '@hyperswarm/secret-stream'
import b4a from 'b4a'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { onTestFinished } from 'vitest'
import { Multifeed, type MultifeedOptions } from '../../../src/index.js'
import { noisePair } from './attacker.js'

interface Resource {
  close(): Promise<unknown>
}

/** Closes `resource` when the test finishes (last registered, first closed). */
export function closeAtEnd<T extends Resource>(resource: T): T {
  onTestFinished(async () => {
    await resource.close().catch(() => {})
  })
  return resource
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multifeed-security-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A ready Corestore on `dir` (a fresh temp dir when omitted), closed at the end of the test. */
export async function store(dir?: string): Promise<Corestore> {
  const s = closeAtEnd(new Corestore(dir ?? (await tempDir())))
  await s.ready()
  return s
}

/** A ready Multifeed, closed at the end of the test. */
export async function multifeed(s: Corestore, opts?: MultifeedOptions): Promise<Multifeed> {
  const mf = closeAtEnd(new Multifeed(s, opts))
  await mf.ready()
  return mf
}

/** A writer of `mf` holding `values` (strings, as bytes). */
export async function writer(mf: Multifeed, name: string, ...values: string[]): Promise<Hypercore> {
  const core = await mf.writer(name)
  if (values.length > 0) await core.append(values.map((v) => b4a.from(v)))
  return core
}

export interface Link {
  pair: [NoiseSecretStream, NoiseSecretStream]
  /** Resolves when both ends of every multifeed pair reported 'synced' once. */
  synced: Promise<void>
}

/**
 * Connects two stores as a Networker would: the store's replication runs once per connection and
 * each multifeed opens its channel on it (`mf.replicate(stream)`). `pairs` lists the multifeeds of
 * side A and side B that share a key; others may be attached too (`extraA`, `extraB`).
 */
export function link(
  storeA: Corestore,
  storeB: Corestore,
  pairs: Array<[Multifeed, Multifeed]>,
  opts: { extraA?: Multifeed[]; extraB?: Multifeed[]; before?: (p: Link['pair']) => void } = {},
): Link {
  const pair = noisePair()
  opts.before?.(pair)
  storeA.replicate(pair[0])
  storeB.replicate(pair[1])
  const waits: Promise<void>[] = []
  for (const [a, b] of pairs) {
    waits.push(syncedOn(a, pair[0]), syncedOn(b, pair[1]))
    a.attach(pair[0])
    b.attach(pair[1])
  }
  for (const mf of opts.extraA ?? []) mf.attach(pair[0])
  for (const mf of opts.extraB ?? []) mf.attach(pair[1])
  return { pair, synced: Promise.all(waits).then(() => {}) }
}

/** Resolves on the next 'synced' of `mf`'s channel on `stream` (fails after 15 s). */
export function syncedOn(
  mf: Multifeed,
  stream: NoiseSecretStream,
  timeout = 15_000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      mf.off('synced', onSynced)
      reject(new Error(`no 'synced' on the stream within ${timeout} ms`))
    }, timeout)
    const onSynced = (channel: { stream: unknown }) => {
      if (channel.stream !== stream) return
      clearTimeout(timer)
      mf.off('synced', onSynced)
      resolve()
    }
    mf.on('synced', onSynced)
  })
}

/** Names of the local metadata cores (src/adapters/corestore/feed-list.ts). */
export const METADATA_CORES = {
  anchor: 'multifeed/local',
  legacy: 'multifeed/feed-list',
  registry: 'multifeed/registry',
} as const

/** A core's key and discovery key. */
export interface CoreKeys {
  key: Uint8Array
  discoveryKey: Uint8Array
}

/**
 * The keys of a multifeed's local metadata cores: its anchor and legacy feed list (named cores of
 * its namespace) and the store's registry. Read by opening them for a moment, as anyone holding
 * the store could: the premise of the tests is an attacker that learned them.
 */
export async function metadataCores(
  root: Corestore,
  mf: Multifeed,
): Promise<{ anchor: CoreKeys; legacy: CoreKeys; registry: CoreKeys }> {
  const ns = root.namespace(mf.discoveryKey)
  const open = async (from: Corestore, name: string): Promise<CoreKeys> => {
    const core = from.get({ name, active: false })
    await core.ready()
    const keys = { key: core.key, discoveryKey: core.discoveryKey }
    await core.close()
    return keys
  }
  const keys = {
    anchor: await open(ns, METADATA_CORES.anchor),
    legacy: await open(ns, METADATA_CORES.legacy),
    registry: await open(root, METADATA_CORES.registry),
  }
  await ns.close()
  return keys
}

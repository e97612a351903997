/**
 * The other party of the security tests: what a remote peer sees of a victim's Corestore over one
 * connection, observed from the remote's own end of the wire.
 *
 * Hypercore replicates every core on its own protomux channel, protocol 'hypercore/alpha', id the
 * core's discovery key. A channel the victim opens first reaches the remote's wildcard pairing
 * for that protocol (the one Corestore's `replicate()` registers, or ours): counting the ids that
 * arrive there counts the cores the victim offered on the connection, whatever the remote then
 * does with them.
 */
import NoiseSecretStream from '@hyperswarm/secret-stream'
import b4a from 'b4a'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import Protomux from 'protomux'
import { onTestFinished } from 'vitest'

export const HYPERCORE_PROTOCOL = 'hypercore/alpha'

export const hex = (bytes: Uint8Array): string => b4a.toString(bytes, 'hex')

/**
 * The Hypercore channels the other end opened on `noise`, seen from this end: every id that
 * reaches the wildcard 'hypercore/alpha' pairing of this end's protomux. If this end later runs a
 * Corestore's `replicate()` on the same stream, Corestore's own wildcard handler still runs for
 * every open (we count, then hand over), so the remote stays a working Corestore peer.
 */
export class HypercoreOpens {
  /** Hex discovery keys of the channels the other end opened first, in arrival order. */
  readonly ids: string[] = []
  readonly mux: Protomux
  #handler: ((id: Uint8Array | null) => unknown) | null = null

  constructor(noise: NoiseSecretStream) {
    this.mux = Protomux.from(noise as never)
    const pair = this.mux.pair.bind(this.mux)
    // Corestore/Hypercore register their wildcard with mux.pair on this instance: keep it as the
    // handler we forward to, instead of letting it replace the counting one.
    this.mux.pair = (id, notify) => {
      if (id.protocol === HYPERCORE_PROTOCOL && (id.id ?? null) === null) {
        this.#handler = notify
        return
      }
      pair(id, notify)
    }
    pair({ protocol: HYPERCORE_PROTOCOL }, (id) => {
      if (id !== null) this.ids.push(hex(id))
      return this.#handler?.(id)
    })
  }

  /** True once the other end opened a channel for `discoveryKey`. */
  saw(discoveryKey: Uint8Array): boolean {
    return this.ids.includes(hex(discoveryKey))
  }

  /** The discovery keys among `discoveryKeys` the other end opened a channel for (hex). */
  seenAmong(discoveryKeys: Uint8Array[]): string[] {
    const wanted = new Set(discoveryKeys.map(hex))
    return [...new Set(this.ids.filter((id) => wanted.has(id)))]
  }
}

/** Two Noise streams piped together in memory, destroyed when the test finishes. */
export function noisePair(): [NoiseSecretStream, NoiseSecretStream] {
  const a = new NoiseSecretStream(true)
  const b = new NoiseSecretStream(false)
  for (const stream of [a, b]) {
    stream.on('error', () => {}) // a teardown mid-flight errors; tests assert on state instead
    onTestFinished(() => {
      stream.destroy()
    })
  }
  a.rawStream.pipe(b.rawStream).pipe(a.rawStream)
  return [a, b]
}

/** Ends a Noise pair (a disconnect) and resolves once both ends closed. */
export async function disconnect(pair: [NoiseSecretStream, NoiseSecretStream]): Promise<void> {
  const closed = pair.map(
    (stream) =>
      new Promise<void>((resolve) =>
        stream.destroyed ? resolve() : stream.once('close', resolve),
      ),
  )
  for (const stream of pair) stream.destroy()
  await Promise.all(closed)
}

/**
 * A third party that knows a feed's key and asks the victim's store for it over a plain
 * Corestore replication stream (no multifeed anywhere on its side).
 */
export interface KeyHolder {
  core: Hypercore
  /** Channels for the core that reached the 'peer-add' stage (the victim answered the open). */
  peersAdded: number
  /** Hex discovery keys of every Hypercore channel the victim opened on this connection. */
  opens: HypercoreOpens
  pair: [NoiseSecretStream, NoiseSecretStream]
}

/**
 * Connects `thief` (a Corestore of the third party) to `victim` with two plain `store.replicate`
 * streams, opens the core of `key` in the thief's store and records what reaches it.
 */
export async function keyHolder(
  victim: Corestore,
  thief: Corestore,
  key: Uint8Array,
): Promise<KeyHolder> {
  const core = thief.get({ key })
  await core.ready()
  const pair = noisePair()
  const opens = new HypercoreOpens(pair[1])
  const holder: KeyHolder = { core, peersAdded: 0, opens, pair }
  core.on('peer-add', () => holder.peersAdded++)
  victim.replicate(pair[0])
  thief.replicate(pair[1])
  await Promise.all([pair[0].opened, pair[1].opened])
  return holder
}

/**
 * What a key holder fetches: the block, or the error code Hypercore gives up with (REQUEST_TIMEOUT
 * when no peer serves it). Over an in-memory pipe a serving peer answers within milliseconds, so
 * a short timeout is a fair "never".
 */
export async function tryFetch(holder: KeyHolder, index = 0, timeout = 600): Promise<string> {
  try {
    const block = (await holder.core.get(index, { timeout })) as Uint8Array
    return `block:${b4a.toString(block)}`
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

/** The discovery key of a Hypercore key. */
export function discoveryKeyOf(key: Uint8Array): Uint8Array {
  return crypto.discoveryKey(key)
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

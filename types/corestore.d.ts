/** Types for corestore 7 (untyped CommonJS); only what this package uses (shipped, see scripts/build.mjs). */
import type { Duplex } from 'node:stream'
import type Hypercore from 'hypercore'
import type { HypercoreOptions, KeyPair } from 'hypercore'
import ReadyResource from 'ready-resource'

export interface CorestoreOptions {
  primaryKey?: Uint8Array
  unsafe?: boolean
  namespace?: Uint8Array
  writable?: boolean
  readOnly?: boolean
  active?: boolean
  suspend?: boolean
}

export interface GetOptions extends HypercoreOptions {
  /** Named core: key pair derived from the store's primary key, the namespace and the name. */
  name?: string
  discoveryKey?: Uint8Array
  exclusive?: boolean
}

/** A Corestore replication stream: a protomux-carrying stream with its Noise stream. */
export type ReplicationStream = Duplex & {
  noiseStream: Duplex & {
    handshakeHash: Uint8Array | null
    isInitiator: boolean
    opened: Promise<boolean>
    userData: unknown
  }
  isInitiator: boolean
}

declare class Corestore extends ReadyResource {
  constructor(storage: string | unknown, opts?: CorestoreOptions)
  readonly root: Corestore | null
  readonly ns: Uint8Array
  primaryKey: Uint8Array | null
  get(opts: GetOptions | Uint8Array | string): Hypercore
  session(opts?: CorestoreOptions): Corestore
  namespace(name: string | Uint8Array, opts?: CorestoreOptions): Corestore
  replicate(isInitiator: boolean | Duplex, opts?: object): ReplicationStream
  createKeyPair(name: string, ns?: Uint8Array): Promise<KeyPair>
  findingPeers(): () => void
  list(namespace?: Uint8Array): AsyncIterable<Uint8Array>
  watch(fn: (core: unknown) => void): void
  unwatch(fn: (core: unknown) => void): void
}

export default Corestore

/** Types for hyperswarm 4 (untyped CommonJS) (shipped, see scripts/build.mjs). */
import { EventEmitter } from 'node:events'
import type NoiseSecretStream from '@hyperswarm/secret-stream'
import type HyperDHT from 'hyperdht'

export interface PeerInfo {
  publicKey: Uint8Array
  topics: Uint8Array[]
  prioritized: boolean
  /** True once banned: the swarm neither dials the peer nor accepts it any more. */
  readonly banned: boolean
  ban(banned?: boolean): void
}

export interface PeerDiscovery {
  flushed(): Promise<void>
  refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
  destroy(): Promise<void>
}

export interface HyperswarmOptions {
  keyPair?: { publicKey: Uint8Array; secretKey: Uint8Array }
  seed?: Uint8Array
  maxPeers?: number
  bootstrap?: Array<{ host: string; port: number }> | string[]
  dht?: HyperDHT
  firewall?: (remotePublicKey: Uint8Array) => boolean
}

declare class Hyperswarm extends EventEmitter {
  constructor(opts?: HyperswarmOptions)
  readonly keyPair: { publicKey: Uint8Array; secretKey: Uint8Array }
  readonly dht: HyperDHT
  readonly connections: Set<NoiseSecretStream>
  readonly destroyed: boolean
  /** Connection counters. */
  readonly stats: {
    connects: {
      client: { attempted: number; opened: number; closed: number }
      server: { opened: number; closed: number }
    }
  }
  join(topic: Uint8Array, opts?: { client?: boolean; server?: boolean }): PeerDiscovery
  leave(topic: Uint8Array): Promise<void>
  joinPeer(publicKey: Uint8Array): void
  leavePeer(publicKey: Uint8Array): void
  flush(): Promise<void>
  listen(): Promise<void>
  destroy(opts?: { force?: boolean }): Promise<void>
  on(event: 'connection', listener: (conn: NoiseSecretStream, info: PeerInfo) => void): this
  on(event: string | symbol, listener: (...args: never[]) => void): this
}

export default Hyperswarm

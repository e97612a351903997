/** Types for hyperdht 6 (untyped CommonJS) (shipped, see scripts/build.mjs). */
import { EventEmitter } from 'node:events'

export interface HyperDHTOptions {
  bootstrap?: Array<{ host: string; port: number }> | string[]
  host?: string
  port?: number
  ephemeral?: boolean
  firewalled?: boolean
}

declare class HyperDHT extends EventEmitter {
  constructor(opts?: HyperDHTOptions)
  readonly destroyed: boolean
  ready(): Promise<void>
  fullyBootstrapped(): Promise<void>
  address(): { host: string; port: number }
  destroy(opts?: { force?: boolean }): Promise<void>
  static keyPair(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array }
}

export default HyperDHT

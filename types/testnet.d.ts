/** Types for @hyperswarm/testnet, a local HyperDHT bootstrap (tests only, not shipped). */
import type HyperDHT from 'hyperdht'

export interface Testnet extends Iterable<HyperDHT> {
  nodes: HyperDHT[]
  bootstrap: Array<{ host: string; port: number }>
  createNode(opts?: object): HyperDHT
  destroy(): Promise<void>
}

export default function createTestnet(
  size?: number,
  opts?: { host?: string; port?: number; teardown?: (fn: () => Promise<void>) => void },
): Promise<Testnet>

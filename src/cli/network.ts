/**
 * Going online: a Networker on the workspace's Corestore joins the multifeed's discovery key
 * (never its key) on the public HyperDHT, or on the one `--bootstrap` names.
 */
import { isIP } from 'node:net'
import HypercoreId from 'hypercore-id-encoding'
import { Networker } from '../index.js'
import { usageError } from './errors.js'
import { unlessAborted } from './interrupt.js'
import type { Output } from './output.js'
import type { Workspace } from './workspace.js'

export interface HostPort {
  host: string
  port: number
}

export interface NetworkOptions {
  /** DHT bootstrap nodes; absent: the public DHT. */
  bootstrap: HostPort[] | undefined
  /** Address the DHT node binds to. */
  host: string | undefined
}

/** `host:port` or `[ipv6]:port`, each value possibly a comma-separated list. */
export function parseBootstrap(values: string[]): HostPort[] {
  const nodes: HostPort[] = []
  for (const value of values.flatMap((v) => v.split(','))) {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim())
    const port = Number(match?.[3])
    if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw usageError(`--bootstrap takes host:port (for example 127.0.0.1:49736), not "${value}"`)
    }
    nodes.push({ host: match[1] ?? match[2]!, port })
  }
  return nodes
}

/**
 * The address the DHT node binds to: `--host` if given; 127.0.0.1 when every bootstrap node is on
 * the loopback interface (a local testnet: nothing to reach beyond it); otherwise Hyperswarm's
 * default.
 */
export function dhtHost(opts: NetworkOptions): string | undefined {
  if (opts.host !== undefined) return opts.host
  const nodes = opts.bootstrap
  if (nodes !== undefined && nodes.length > 0 && nodes.every((n) => isLoopback(n.host))) {
    return '127.0.0.1'
  }
  return undefined
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** The multifeed of a workspace, joined on the DHT until close(). */
export class Online {
  readonly networker: Networker
  readonly #workspace: Workspace

  private constructor(workspace: Workspace, networker: Networker) {
    this.#workspace = workspace
    this.networker = networker
  }

  /**
   * Joins the multifeed's discovery key: looks up its peers and, with `announce`, announces itself
   * as one. Returns null when `signal` aborts first; the networker is destroyed then.
   */
  static async join(
    workspace: Workspace,
    opts: NetworkOptions & { announce: boolean },
    out: Output,
    signal: AbortSignal,
  ): Promise<Online | null> {
    const host = dhtHost(opts)
    const networker = new Networker(workspace.store, {
      ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
      ...(host ? { host } : {}),
    })
    const online = new Online(workspace, networker)
    const mf = workspace.multifeed
    networker.on('warning', (err) => out.warn(codeOf(err), messageOf(err)))
    mf.on('session-error', (err, channel) => {
      const peer = remoteKeyOf(channel)
      const who = peer ? `peer ${peer.slice(0, 8)}` : 'a peer'
      out.warn(err.code, `${who}: ${PEER_FAILURES[err.code] ?? messageOf(err)}`)
    })
    mf.on('warning', (err) => out.warn(codeOf(err), messageOf(err)))
    out.note(
      `joining the swarm on ${opts.bootstrap ? opts.bootstrap.map((n) => `${n.host}:${n.port}`).join(', ') : 'the public DHT'}…`,
    )
    try {
      const joined = await unlessAborted(networker.join(mf, { server: opts.announce }), signal)
      if (joined === null) {
        await online.close()
        return null
      }
    } catch (err) {
      await online.close()
      throw err
    }
    return online
  }

  /** The public keys (z-base-32) of the peers that proved the key. */
  peers(): string[] {
    return this.#workspace.multifeed.channels.flatMap((channel) => {
      const key = remoteKeyOf(channel)
      return key ? [key] : []
    })
  }

  async close(): Promise<void> {
    await this.networker.destroy()
  }
}

/** What a peer's failure means for a person, where the library's message is for a developer. */
const PEER_FAILURES: Partial<Record<string, string>> = {
  ERR_HANDSHAKE_TIMEOUT: 'no multifeed handshake in time',
  ERR_BAD_CAPABILITY: 'does not prove it holds the key',
  ERR_CHANNEL_REJECTED: 'has no multifeed with this key',
  ERR_VERSION_MISMATCH: 'speaks another major version of the protocol',
  ERR_CLIENT_MISMATCH: 'runs another client',
}

/** The remote's public key, as a Hyperswarm connection (a NoiseSecretStream) has it. */
function remoteKeyOf(channel: { stream: { remotePublicKey?: Uint8Array | null } }): string | null {
  const key = channel.stream.remotePublicKey
  return key ? HypercoreId.encode(key) : null
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' ? code : 'WARNING'
}

function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const code = codeOf(err)
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message
}

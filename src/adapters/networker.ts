import { EventEmitter } from 'node:events'
import type NoiseConnection from '@hyperswarm/secret-stream'
import DHT from 'hyperdht'
import Hyperswarm, { type PeerDiscovery, type PeerInfo } from 'hyperswarm'
import Protomux from 'protomux'
import { PROTOMUX_PROTOCOL } from '../codec/constants.js'
import { toHex } from '../state/hex.js'
import { LocalErrorCode, MultifeedError } from './errors.js'

type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array }
type HostPort = { host: string; port: number }

/** The part of a multifeed channel (MultifeedChannel) the networker uses. */
export interface NetworkedChannel {
  close(): void
  once(event: 'close', listener: () => void): unknown
  /** The failure that closed the channel, if any. */
  readonly error: unknown
  /** Resolves once the channel exists on the mux (so a pending remote open can match it). */
  readonly ready: Promise<void>
}

/** The part of a Multifeed the networker uses; `Multifeed` from src/adapters/corestore fits. */
export interface NetworkedMultifeed {
  readonly discoveryKey: Uint8Array
  readonly closed: boolean
  ready(): Promise<void>
  /** Opens this multifeed's channel on a connection that already runs Corestore replication. */
  attach(stream: NoiseConnection): NetworkedChannel
}

/** The Corestore the multifeeds live in (their feeds replicate on its replication stream). */
export interface ReplicatingStore {
  replicate(stream: NoiseConnection): unknown
}

export interface NetworkerOptions {
  /** A swarm to use. The networker never destroys a swarm it was given. */
  swarm?: Hyperswarm
  /** DHT for the swarm the networker creates (Hyperswarm destroys it with the swarm). */
  dht?: DHT
  /** Bootstrap nodes for the DHT the networker creates, e.g. a testnet's `bootstrap`. */
  bootstrap?: HostPort[]
  /** Address the created DHT binds to (tests use '127.0.0.1'). */
  host?: string
  /** Key pair of the created swarm. */
  keyPair?: KeyPair
}

export interface JoinOptions {
  /** Announce ourselves on the multifeed's discovery key (default true). */
  server?: boolean
  /** Look up peers on the multifeed's discovery key (default true). */
  client?: boolean
}

interface Joined {
  multifeed: NetworkedMultifeed
  discovery: PeerDiscovery
}

/**
 * Carries many multifeeds over one Hyperswarm: each connection runs the Corestore replication
 * once and one multifeed channel per joined multifeed. Discovery uses each multifeed's discovery
 * key (never its key). Every protocol decision stays in the channels; this only wires them.
 *
 * Events: 'connection' (conn, peerInfo), 'disconnection' (conn), 'warning' (err: a multifeed
 * refused a channel for a reason other than being closed).
 */
export class Networker extends EventEmitter {
  readonly store: ReplicatingStore
  readonly swarm: Hyperswarm
  destroyed = false

  private readonly ownsSwarm: boolean
  private readonly joined = new Map<string, Joined>()
  private readonly channels = new Map<NoiseConnection, Map<string, NetworkedChannel>>()

  constructor(store: ReplicatingStore, opts: NetworkerOptions = {}) {
    super()
    this.store = store
    this.ownsSwarm = !opts.swarm
    this.swarm =
      opts.swarm ??
      new Hyperswarm({
        keyPair: opts.keyPair,
        dht: opts.dht ?? new DHT({ bootstrap: opts.bootstrap, host: opts.host }),
      })
    this.swarm.on('connection', this.onconnection)
  }

  /** Open connections carrying our replication. */
  get connections(): NoiseConnection[] {
    return [...this.channels.keys()]
  }

  /** Whether the multifeed is joined. */
  joins(multifeed: NetworkedMultifeed): boolean {
    assertMultifeed(multifeed)
    return this.joined.has(idOf(multifeed))
  }

  /**
   * Attaches the multifeed to every open connection and to every later one, then announces and
   * looks up its discovery key. Resolves once the swarm has flushed the first announce/lookup.
   */
  async join(multifeed: NetworkedMultifeed, opts: JoinOptions = {}): Promise<void> {
    this.assertOpen()
    assertMultifeed(multifeed)
    await multifeed.ready()
    this.assertOpen()
    const id = idOf(multifeed)
    if (this.joined.has(id)) return
    const discovery = this.swarm.join(multifeed.discoveryKey, {
      server: opts.server ?? true,
      client: opts.client ?? true,
    })
    this.joined.set(id, { multifeed, discovery })
    for (const [conn, channels] of this.channels) this.attach(conn, channels, id, multifeed)
    await discovery.flushed()
  }

  /** Stops discovery for the multifeed and closes its channels; connections stay for the others. */
  async leave(multifeed: NetworkedMultifeed): Promise<void> {
    assertMultifeed(multifeed)
    const id = idOf(multifeed)
    const entry = this.joined.get(id)
    if (!entry) return
    this.joined.delete(id)
    for (const [conn, channels] of this.channels) {
      const channel = channels.get(id)
      channels.delete(id)
      channel?.close()
      // A remote's later open of this multifeed is rejected by protomux again.
      Protomux.from(conn).unpair({ protocol: PROTOMUX_PROTOCOL, id: entry.multifeed.discoveryKey })
    }
    await this.swarm.leave(entry.multifeed.discoveryKey)
  }

  /** Resolves when pending lookups and connection attempts are done. */
  flush(): Promise<void> {
    return this.swarm.flush()
  }

  /** Leaves every multifeed; destroys the swarm if the networker created it. */
  async destroy(): Promise<void> {
    if (this.destroyed) return
    this.destroyed = true
    this.swarm.removeListener('connection', this.onconnection)
    await Promise.all([...this.joined.values()].map((entry) => this.leave(entry.multifeed)))
    if (this.ownsSwarm) await this.swarm.destroy()
  }

  private readonly onconnection = (conn: NoiseConnection, info: PeerInfo): void => {
    // A connection can error when the remote goes away; 'close' follows and cleans up.
    conn.on('error', noop)
    try {
      this.store.replicate(conn)
    } catch {
      conn.destroy() // the store is closing: nothing to carry
      return
    }
    const channels = new Map<string, NetworkedChannel>()
    this.channels.set(conn, channels)
    conn.once('close', () => {
      this.channels.delete(conn)
      this.emit('disconnection', conn)
    })
    for (const [id, { multifeed }] of this.joined) this.attach(conn, channels, id, multifeed)
    this.emit('connection', conn, info)
  }

  private attach(
    conn: NoiseConnection,
    channels: Map<string, NetworkedChannel>,
    id: string,
    multifeed: NetworkedMultifeed,
  ): void {
    let channel: NetworkedChannel
    try {
      channel = multifeed.attach(conn)
    } catch (err) {
      // Closed or closing without leave(): nothing left to replicate. Anything else is a bug,
      // but throwing here would take down the swarm's event (or, via protomux, the stream).
      if ((err as { code?: unknown }).code !== LocalErrorCode.ERR_CLOSED) this.emit('warning', err)
      return
    }
    channels.set(id, channel)
    channel.once('close', () => this.onchannelclose(conn, channels, id, multifeed, channel))
  }

  /**
   * A channel closed while the connection stays: the remote left (or had not joined yet). If it
   * opens the multifeed again on this connection, attach again instead of letting protomux reject
   * it. A channel that failed (protocol violation) is not re-armed: that waits for a reconnect.
   */
  private onchannelclose(
    conn: NoiseConnection,
    channels: Map<string, NetworkedChannel>,
    id: string,
    multifeed: NetworkedMultifeed,
    channel: NetworkedChannel,
  ): void {
    if (channels.get(id) !== channel) return // left, or replaced already
    channels.delete(id)
    const joined = this.joined.get(id)?.multifeed === multifeed
    if (!joined || !this.channels.has(conn) || channel.error || multifeed.closed) return
    Protomux.from(conn).pair({ protocol: PROTOMUX_PROTOCOL, id: multifeed.discoveryKey }, () => {
      if (channels.has(id) || this.joined.get(id)?.multifeed !== multifeed) return
      if (!this.channels.has(conn) || multifeed.closed) return
      this.attach(conn, channels, id, multifeed)
      return channels.get(id)?.ready
    })
  }

  private assertOpen(): void {
    if (this.destroyed) throw new MultifeedError(LocalErrorCode.ERR_CLOSED, 'networker destroyed')
  }
}

function assertMultifeed(multifeed: NetworkedMultifeed): void {
  const ok =
    typeof multifeed?.attach === 'function' &&
    multifeed.discoveryKey instanceof Uint8Array &&
    multifeed.discoveryKey.byteLength === 32
  if (!ok) {
    throw new MultifeedError(
      LocalErrorCode.ERR_INVALID_ARGUMENT,
      'expected a Multifeed (an object with a 32-byte discoveryKey and attach())',
    )
  }
}

function idOf(multifeed: NetworkedMultifeed): string {
  return toHex(multifeed.discoveryKey)
}

function noop(): void {}

import { EventEmitter } from 'node:events'
import type NoiseConnection from '@hyperswarm/secret-stream'
import DHT from 'hyperdht'
import Hyperswarm, { type PeerDiscovery, type PeerInfo } from 'hyperswarm'
import Protomux from 'protomux'
import { PROTOMUX_PROTOCOL } from '../codec/constants.js'
import { toHex } from '../state/hex.js'
import { LocalErrorCode, MultifeedError } from './errors.js'
import { logSwarm } from './log.js'

type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array }
type HostPort = { host: string; port: number }

/** The part of a multifeed channel (MultifeedChannel) the networker uses. */
export interface NetworkedChannel {
  /** The connection the channel runs on. */
  readonly stream: object
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
  /** 'channel': every channel the multifeed opens, including one reopened for a rejoining remote. */
  on(event: 'channel', listener: (channel: NetworkedChannel) => void): unknown
  off(event: 'channel', listener: (channel: NetworkedChannel) => void): unknown
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
  /** The multifeed's 'channel' listener: tracks channels it opens on our connections. */
  onchannel: (channel: NetworkedChannel) => void
}

/**
 * Carries many multifeeds over one Hyperswarm: each connection runs the Corestore replication
 * once and one multifeed channel per joined multifeed. Discovery uses each multifeed's discovery
 * key (never its key). Every protocol decision stays in the channels; this only wires them.
 *
 * Events: see {@link NetworkerEvents} ('connection', 'disconnection', 'warning').
 *
 * @example
 * ```ts
 * import Corestore from 'corestore'
 * import { Multifeed, Networker } from 'multifeed-protocol'
 *
 * const store = new Corestore('./storage')
 * const networker = new Networker(store) // or { swarm }, or { bootstrap, host } for your own DHT
 * await networker.join(new Multifeed(store, { key: chatKey }))
 * await networker.join(new Multifeed(store, { key: filesKey })) // same connections
 * ```
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
   *
   * Peers that join at the same moment on a fresh DHT may miss each other (each looks up before
   * the other's announce is stored); until the Networker handles it, let peers join one after
   * another (each after the previous join resolved), as `npm run demo` does.
   * @example
   * ```ts
   * await networker.join(mf) // announce and look up
   * await networker.join(mf, { server: false }) // or: only look up
   * ```
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
    // The multifeed reopens a channel itself when a remote rejoins a connection; tracking its
    // 'channel' events keeps those under leave() too.
    const onchannel = (channel: NetworkedChannel) => this.track(id, channel)
    multifeed.on('channel', onchannel)
    this.joined.set(id, { multifeed, discovery, onchannel })
    for (const conn of this.channels.keys()) this.attach(conn, id, multifeed)
    await discovery.flushed()
  }

  /**
   * Stops discovery for the multifeed and closes its channels; connections stay for the others.
   * @example
   * ```ts
   * await networker.leave(mf)
   * await mf.close()
   * ```
   */
  async leave(multifeed: NetworkedMultifeed): Promise<void> {
    assertMultifeed(multifeed)
    const id = idOf(multifeed)
    const entry = this.joined.get(id)
    if (!entry) return
    this.joined.delete(id)
    entry.multifeed.off('channel', entry.onchannel)
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

  /**
   * Leaves every multifeed; destroys the swarm if the networker created it (a swarm given in the
   * options is left running). The multifeeds and the store stay open.
   * @example
   * ```ts
   * await networker.destroy()
   * await mf.close()
   * await store.close()
   * ```
   */
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
    logSwarm('connection to %k (%d multifeeds)', info.publicKey, this.joined.size)
    conn.once('close', () => {
      logSwarm('disconnected from %k', info.publicKey)
      this.channels.delete(conn)
      this.emit('disconnection', conn)
    })
    for (const [id, { multifeed }] of this.joined) this.attach(conn, id, multifeed)
    this.emit('connection', conn, info)
  }

  private attach(conn: NoiseConnection, id: string, multifeed: NetworkedMultifeed): void {
    let channel: NetworkedChannel
    try {
      channel = multifeed.attach(conn)
    } catch (err) {
      // Closed or closing without leave(): nothing left to replicate. Anything else is a bug,
      // but throwing here would take down the swarm's event (or, via protomux, the stream).
      if ((err as { code?: unknown }).code !== LocalErrorCode.ERR_CLOSED) this.emit('warning', err)
      return
    }
    // Usually tracked already by the 'channel' event; attach() may also return an existing one.
    this.track(id, channel)
  }

  /** Remembers a multifeed's channel on one of our connections, until it closes. */
  private track(id: string, channel: NetworkedChannel): void {
    const channels = this.channels.get(channel.stream as NoiseConnection)
    if (!channels || channels.get(id) === channel) return // not our connection, or known
    channels.set(id, channel)
    channel.once('close', () => {
      if (channels.get(id) === channel) channels.delete(id)
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

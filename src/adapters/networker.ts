/**
 * Hyperswarm binding: many multifeeds over one swarm, one connection per peer.
 *
 * What it decides itself, and why that is not the protocol's: which topics to announce and look
 * up (the discovery keys of joined multifeeds), and that a connection runs the store's
 * replication once and one channel per joined multifeed. Which connections to close and which
 * peers to ban is the protocol's (spec/collection.md section 10): the Networker feeds what
 * happens on its connections to an IdleConnections and carries out its decisions with one timer.
 */
import { EventEmitter } from 'node:events'
import type NoiseConnection from '@hyperswarm/secret-stream'
import DHT from 'hyperdht'
import Hyperswarm, { type PeerDiscovery, type PeerInfo } from 'hyperswarm'
import Protomux from 'protomux'
import { PROTOMUX_PROTOCOL } from '../codec/constants.js'
import { MultifeedError } from '../errors.js'
import { toHex } from '../state/hex.js'
import {
  DEFAULT_IDLE_GRACE,
  IdleConnections,
  type IdleConnectionsAction,
  type IdleConnectionsEvent,
} from '../state/idle-connections.js'
import { carriesNothing, drainConnection, settled } from './drain.js'
import { logSwarm } from './log.js'

type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array }
type HostPort = { host: string; port: number }

/** The part of a multifeed channel (MultifeedChannel) the networker uses. */
export interface NetworkedChannel {
  /** The connection the channel runs on. */
  readonly stream: object
  close(): void
  once(event: 'close', listener: () => void): unknown
  on(event: 'session-error', listener: (err: MultifeedError) => void): unknown
  /** The failure that closed the channel, if any. */
  readonly error: { readonly code: string } | null
  /** True once the channel closed. */
  readonly closed: boolean
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
  /**
   * A swarm to use. The networker never destroys a swarm it was given, and its destroy() leaves
   * that swarm's connections open; while it runs, it closes those that carry nothing.
   */
  swarm?: Hyperswarm
  /** DHT for the swarm the networker creates (Hyperswarm destroys it with the swarm). */
  dht?: DHT
  /** Bootstrap nodes for the DHT the networker creates, e.g. a testnet's `bootstrap`. */
  bootstrap?: HostPort[]
  /** Address the created DHT binds to (tests use '127.0.0.1'). */
  host?: string
  /** Key pair of the created swarm. */
  keyPair?: KeyPair
  /**
   * Milliseconds a connection that carries nothing (no multifeed channel, nothing else on its
   * protomux) stays open before the networker closes it (default 5000; spec/collection.md 10.2).
   */
  closeIdleAfter?: number
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

/** One connection of the swarm and what it carries. */
interface Link {
  /** The name IdleConnections knows it by. */
  readonly id: number
  readonly conn: NoiseConnection
  readonly info: PeerInfo
  /** Our multifeed channels on it, by multifeed id. */
  readonly channels: Map<string, NetworkedChannel>
  /** The drain that ends it, once started. */
  closing: Promise<void> | null
}

/** Milliseconds of the clock the idle rules run on (monotonic). */
function now(): number {
  return performance.now()
}

/**
 * Carries many multifeeds over one Hyperswarm: each connection runs the Corestore replication
 * once and one multifeed channel per joined multifeed. Discovery uses each multifeed's discovery
 * key (never its key). A connection left with nothing to carry is closed after `closeIdleAfter`,
 * and a peer whose channels all failed is banned from the swarm (spec/collection.md section 10).
 *
 * Events: see {@link NetworkerEvents} ('connection', 'disconnection', 'session-error',
 * 'warning').
 *
 * Shut down in this order: `await networker.destroy()`, then `await mf.close()` for each
 * multifeed, then `await store.close()`. destroy() waits until Hypercore has finished with what
 * the connections delivered, so the store can close under live appends.
 *
 * @example
 * ```ts
 * import Corestore from 'corestore'
 * import { Multifeed, Networker } from 'multifeed-protocol'
 *
 * const store = new Corestore('./storage')
 * const networker = new Networker(store) // or { swarm }, or { bootstrap, host } for your own DHT
 * networker.on('session-error', (err, mf, conn) => console.warn(err.code))
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
  private readonly links = new Map<NoiseConnection, Link>()
  private readonly linksById = new Map<number, Link>()
  private readonly idle: IdleConnections
  private nextLink = 1
  private nextChannel = 1
  private timer: ReturnType<typeof setTimeout> | null = null
  private readonly queue: IdleConnectionsEvent[] = []
  private draining = false
  /** Connections being drained, and second discovery rounds: destroy() waits for them. */
  private readonly pending = new Set<Promise<void>>()

  constructor(store: ReplicatingStore, opts: NetworkerOptions = {}) {
    super()
    const grace = opts.closeIdleAfter ?? DEFAULT_IDLE_GRACE
    if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
      throw MultifeedError.INVALID_ARGUMENT(
        'closeIdleAfter must be a non-negative finite number of milliseconds',
      )
    }
    this.idle = new IdleConnections({ grace })
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
    return [...this.links.keys()]
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
   * Right after that first round it runs a second one, in the background. Peers that join at the
   * same moment look up before either announce is stored, and Hyperswarm would only look again
   * at its next refresh (about 10 minutes); of two peers that both run a second round, the one
   * that starts it last finds the other's stored announce (with `server` and `client` both true,
   * the default).
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
    const onchannel = (channel: NetworkedChannel) => this.track(id, multifeed, channel)
    multifeed.on('channel', onchannel)
    const entry: Joined = { multifeed, discovery, onchannel }
    this.joined.set(id, entry)
    for (const link of this.links.values()) {
      if (link.closing === null) this.attach(link, id, multifeed)
    }
    await discovery.flushed()
    this.hold(this.discoverAgain(id, entry))
  }

  /**
   * Stops discovery for the multifeed and closes its channels; connections stay for the others
   * (one left with nothing to carry closes after `closeIdleAfter`). Resolves once Hypercore has
   * finished with what those channels' feeds received, so `mf.close()` may follow at once.
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
    const drains: Promise<void>[] = []
    for (const link of this.links.values()) {
      if (link.closing !== null) continue // ending: its drain covers the channels
      const channel = link.channels.get(id)
      link.channels.delete(id)
      const mux = Protomux.from(link.conn)
      if (channel) {
        // Closing the channel detaches the multifeed's feeds here (its collection decides so);
        // the Hypercore channels that closes must settle before the feeds may close.
        const before = [...mux]
        channel.close()
        drains.push(settled(before))
      }
      // A remote's later open of this multifeed is rejected by protomux again.
      mux.unpair({ protocol: PROTOMUX_PROTOCOL, id: entry.multifeed.discoveryKey })
    }
    await Promise.all([this.swarm.leave(entry.multifeed.discoveryKey), ...drains])
  }

  /** Resolves when pending lookups and connection attempts are done. */
  flush(): Promise<void> {
    return this.swarm.flush()
  }

  /**
   * Leaves every multifeed and waits until Hypercore has finished with what the connections
   * delivered. A swarm the networker created is destroyed, its connections first (drained); a
   * swarm given in the options is left running, with its connections. The multifeeds and the
   * store stay open: close them after this, multifeeds first.
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
    this.setTimer(null)
    // Our own swarm's connections are ended and drained first, while every Hypercore channel on
    // them can still be found; a given swarm keeps its connections, so leave() settles channels.
    if (this.ownsSwarm) for (const link of this.links.values()) this.close(link)
    await Promise.all([...this.joined.values()].map((entry) => this.leave(entry.multifeed)))
    while (this.pending.size > 0) await Promise.all(this.pending)
    if (this.ownsSwarm) await this.swarm.destroy()
  }

  private readonly onconnection = (conn: NoiseConnection, info: PeerInfo): void => {
    // A connection can error when the remote goes away; 'close' follows and cleans up. Logged
    // only: the network failing one connection is not the application's to handle.
    conn.on('error', (err: Error) =>
      logSwarm('connection to %k failed: %s', info.publicKey, err.message),
    )
    try {
      this.store.replicate(conn)
    } catch {
      conn.destroy() // the store is closing: nothing to carry
      return
    }
    const link: Link = { id: this.nextLink++, conn, info, channels: new Map(), closing: null }
    this.links.set(conn, link)
    this.linksById.set(link.id, link)
    logSwarm('connection to %k (%d multifeeds)', info.publicKey, this.joined.size)
    conn.once('close', () => {
      logSwarm('disconnected from %k', info.publicKey)
      this.links.delete(conn)
      this.linksById.delete(link.id)
      this.input({ type: 'connection-closed', conn: link.id })
      this.emit('disconnection', conn)
    })
    this.input({ type: 'connection-opened', conn: link.id, now: now() })
    for (const [id, { multifeed }] of this.joined) this.attach(link, id, multifeed)
    this.emit('connection', conn, info)
  }

  private attach(link: Link, id: string, multifeed: NetworkedMultifeed): void {
    let channel: NetworkedChannel
    try {
      channel = multifeed.attach(link.conn)
    } catch (err) {
      // Closed or closing without leave(): nothing left to replicate. Anything else is a bug,
      // but throwing here would take down the swarm's event (or, via protomux, the stream).
      if ((err as { code?: unknown }).code === 'ERR_CLOSED') return
      const error = MultifeedError.INTERNAL(err)
      logSwarm('attaching a multifeed failed: %s', error.message)
      this.emit('warning', error)
      return
    }
    // Usually tracked already by the 'channel' event; attach() may also return an existing one.
    this.track(id, multifeed, channel)
  }

  /** Remembers a multifeed's channel on one of our connections, until it closes. */
  private track(id: string, multifeed: NetworkedMultifeed, channel: NetworkedChannel): void {
    const link = this.links.get(channel.stream as NoiseConnection)
    if (!link || channel.closed || link.channels.get(id) === channel) return
    link.channels.set(id, channel)
    const name = this.nextChannel++
    this.input({ type: 'channel-opened', conn: link.id, channel: name })
    channel.on('session-error', (err) => this.emit('session-error', err, multifeed, link.conn))
    channel.once('close', () => {
      if (link.channels.get(id) === channel) link.channels.delete(id)
      const code = channel.error?.code ?? null
      this.input({ type: 'channel-closed', conn: link.id, channel: name, now: now(), code })
    })
  }

  /**
   * Feeds one event to the idle rules and carries out their actions, in order, before the next.
   * An event raised while actions are carried out (a busy connection) waits its turn.
   */
  private input(event: IdleConnectionsEvent): void {
    this.queue.push(event)
    if (this.draining) return
    this.draining = true
    try {
      for (let next = 0; next < this.queue.length; next++) {
        for (const action of this.idle.handle(this.queue[next]!)) this.carryOut(action)
      }
    } finally {
      this.queue.length = 0
      this.draining = false
    }
  }

  private carryOut(action: IdleConnectionsAction): void {
    if (action.type === 'timer') {
      this.setTimer(action.at)
      return
    }
    const link = this.linksById.get(action.conn)
    if (link === undefined || link.closing !== null) return
    if (!carriesNothing(link.conn as never)) {
      // Another protocol (a Hypercore replicated for another purpose) still uses it.
      this.input({ type: 'connection-busy', conn: link.id, now: now() })
      return
    }
    logSwarm('closing idle connection to %k%s', link.info.publicKey, action.ban ? ', banned' : '')
    // Banned before the close, so that Hyperswarm requeues no reconnect and refuses the peer's.
    if (action.ban) link.info.ban(true)
    this.close(link)
  }

  /** Ends a connection, draining it (see drainConnection); destroy() waits for it. */
  private close(link: Link): void {
    if (link.closing !== null) return
    link.closing = drainConnection(link.conn)
    this.hold(link.closing)
  }

  private setTimer(at: number | null): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (at === null || this.destroyed) return
    // A timer may fire a little early; the rules then just restate it.
    this.timer = setTimeout(
      () => {
        this.timer = null
        this.input({ type: 'tick', now: now() })
      },
      Math.max(0, at - now()),
    )
    this.timer.unref?.()
  }

  /** The second discovery round of join() (see there); stops quietly if the topic is left. */
  private async discoverAgain(id: string, entry: Joined): Promise<void> {
    // A macrotask later: the first round's refresh is then no longer the current one.
    await new Promise((resolve) => setImmediate(resolve))
    if (this.destroyed || this.joined.get(id) !== entry) return
    await entry.discovery
      .refresh()
      .catch((err: Error) => logSwarm('second discovery round failed: %s', err.message))
  }

  /** Keeps `work` until it settles, for destroy() to wait on. */
  private hold(work: Promise<void>): void {
    const held = work.catch(noop).finally(() => this.pending.delete(held))
    this.pending.add(held)
  }

  private assertOpen(): void {
    if (this.destroyed) throw MultifeedError.CLOSED('networker destroyed')
  }
}

function assertMultifeed(multifeed: NetworkedMultifeed): void {
  const ok =
    typeof multifeed?.attach === 'function' &&
    multifeed.discoveryKey instanceof Uint8Array &&
    multifeed.discoveryKey.byteLength === 32
  if (!ok) {
    throw MultifeedError.INVALID_ARGUMENT(
      'expected a Multifeed (an object with a 32-byte discoveryKey and attach())',
    )
  }
}

function idOf(multifeed: NetworkedMultifeed): string {
  return toHex(multifeed.discoveryKey)
}

function noop(): void {}

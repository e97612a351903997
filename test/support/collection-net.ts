import type { Limits } from '../../src/codec/constants.js'
import type { Key } from '../../src/codec/messages.js'
import { Collection } from '../../src/state/collection.js'
import type {
  CollectionAction,
  CollectionEvent,
  CollectionOpenEvent,
  CollectionOptions,
  ConnectionId,
  StoredFeed,
} from '../../src/state/collection-types.js'
import { fromHex, toHex } from '../../src/state/hex.js'
import { encodeOutgoing } from '../../src/state/outgoing.js'

const HANDSHAKE_HASH_BYTES = 64

export interface PeerOptions extends CollectionOptions {
  key: Uint8Array
  feeds?: StoredFeed[]
  blocked?: Key[]
  limits?: Partial<Limits>
  sparse?: boolean
  reofferInterval?: number
  reservedLocalFeeds?: number
}

/** One peer: a collection, its model store and what it attached where. */
export class CollectionPeer {
  readonly name: string
  readonly collection: Collection
  /** Every action the collection returned, in order. */
  readonly log: CollectionAction[] = []
  /** Blocks held per feed (hex), for every feed the model store has. */
  readonly store = new Map<string, number>()
  /** Feeds open in the model store. */
  readonly open = new Set<string>()
  /** Feeds attached per connection. */
  readonly attached = new Map<ConnectionId, Set<string>>()
  /** open-feeds not completed yet. */
  readonly opening: string[] = []
  /** Handshake hash of each connection (both ends share it). */
  readonly net: CollectionNet
  timerAt: number | null = null

  constructor(net: CollectionNet, name: string, options: PeerOptions) {
    this.net = net
    this.name = name
    const {
      key,
      feeds = [],
      blocked = [],
      limits,
      sparse,
      reofferInterval,
      reservedLocalFeeds,
      ...policies
    } = options
    this.collection = new Collection(policies)
    for (const feed of feeds) this.store.set(toHex(feed.key), feed.length)
    const open: CollectionOpenEvent = {
      type: 'open',
      now: net.now,
      key,
      client: 'multifeed',
      userData: null,
      feeds,
      blocked,
      ...(limits === undefined ? {} : { limits }),
      ...(sparse === undefined ? {} : { sparse }),
      ...(reofferInterval === undefined ? {} : { reofferInterval }),
      ...(reservedLocalFeeds === undefined ? {} : { reservedLocalFeeds }),
    }
    this.input(open)
  }

  /** Feeds one event and carries out the actions. */
  input(event: CollectionEvent): CollectionAction[] {
    const actions = this.collection.handle(event)
    for (const action of actions) {
      this.log.push(action)
      this.#carryOut(action)
    }
    return actions
  }

  /** A local writer with `length` blocks joins (as Multifeed.writer() does). */
  addWriter(key: Key, length = 0): CollectionAction[] {
    this.store.set(toHex(key), length)
    this.open.add(toHex(key))
    return this.input({ type: 'add-local', now: this.net.now, key, length })
  }

  /** The writer appends `count` blocks. */
  append(key: Key, count = 1): void {
    const hex = toHex(key)
    const length = (this.store.get(hex) ?? 0) + count
    this.store.set(hex, length)
    this.input({ type: 'feed-length', now: this.net.now, key, length })
  }

  length(key: Key): number {
    return this.store.get(toHex(key)) ?? 0
  }

  actions<T extends CollectionAction['type']>(type: T): Extract<CollectionAction, { type: T }>[] {
    return this.log.filter((a): a is Extract<CollectionAction, { type: T }> => a.type === type)
  }

  #carryOut(action: CollectionAction): void {
    switch (action.type) {
      case 'send':
        this.net.transmit(this, action.conn, action.message)
        break
      case 'timer':
        this.timerAt = action.at
        break
      case 'open-feeds':
        for (const { key } of action.feeds) this.opening.push(toHex(key))
        break
      case 'close-feeds':
        for (const key of action.keys) this.open.delete(toHex(key))
        break
      case 'add-feeds':
        for (const { key } of action.feeds) {
          if (!this.store.has(toHex(key))) this.store.set(toHex(key), 0)
        }
        break
      case 'attach': {
        const set = this.attached.get(action.conn) ?? new Set()
        for (const key of action.keys) {
          if (!this.open.has(toHex(key))) throw new Error(`${this.name} attached a closed feed`)
          set.add(toHex(key))
        }
        this.attached.set(action.conn, set)
        break
      }
      case 'detach':
        for (const key of action.keys) this.attached.get(action.conn)?.delete(toHex(key))
        break
      case 'closed':
        this.net.ended(this, action.conn)
        break
      default:
        break
    }
  }

  /** Completes pending opens (the model store opens instantly, on the next step). */
  completeOpens(): boolean {
    if (this.opening.length === 0) return false
    const hexes = this.opening.splice(0)
    for (const hex of hexes) this.open.add(hex)
    this.input({
      type: 'feeds-opened',
      now: this.net.now,
      feeds: hexes.map((hex) => ({ key: fromHex(hex), length: this.store.get(hex) ?? 0 })),
    })
    return true
  }

  /** Delivers a tick if the timer is due. */
  tickIfDue(): boolean {
    if (this.timerAt === null || this.net.now < this.timerAt) return false
    this.timerAt = null // a tick uses the timer up; the collection restates one still needed
    this.input({ type: 'tick', now: this.net.now })
    return true
  }
}

interface Link {
  a: CollectionPeer
  b: CollectionPeer
  connA: ConnectionId
  connB: ConnectionId
  /** Events waiting for delivery to a (from b) and to b (from a). */
  toA: CollectionEvent[]
  toB: CollectionEvent[]
  openA: boolean
  openB: boolean
}

/** Several peers and the connections between them, with a shared simulated clock. */
export class CollectionNet {
  now = 0
  readonly peers: CollectionPeer[] = []
  readonly links: Link[] = []
  #nextConn = 1
  #nextHash = 1

  peer(name: string, options: PeerOptions): CollectionPeer {
    const peer = new CollectionPeer(this, name, options)
    this.peers.push(peer)
    return peer
  }

  /** Connects two peers (a is the initiator); returns each side's connection id. */
  connect(a: CollectionPeer, b: CollectionPeer): Link {
    const handshakeHash = new Uint8Array(HANDSHAKE_HASH_BYTES).fill(this.#nextHash++ & 0xff)
    const link: Link = {
      a,
      b,
      connA: this.#nextConn++,
      connB: this.#nextConn++,
      toA: [],
      toB: [],
      openA: true,
      openB: true,
    }
    this.links.push(link)
    a.input({
      type: 'connection-open',
      conn: link.connA,
      now: this.now,
      role: 'initiator',
      handshakeHash,
    })
    b.input({
      type: 'connection-open',
      conn: link.connB,
      now: this.now,
      role: 'responder',
      handshakeHash,
    })
    return link
  }

  /** Opens a connection at `a` to a peer that never answers (a keyless or silent peer). */
  connectSilent(a: CollectionPeer): ConnectionId {
    const conn = this.#nextConn++
    const handshakeHash = new Uint8Array(HANDSHAKE_HASH_BYTES).fill(0xee)
    a.input({ type: 'connection-open', conn, now: this.now, role: 'initiator', handshakeHash })
    return conn
  }

  transmit(
    from: CollectionPeer,
    conn: ConnectionId,
    message: Parameters<typeof encodeOutgoing>[0],
  ): void {
    const link = this.links.find(
      (l) => (l.a === from && l.connA === conn) || (l.b === from && l.connB === conn),
    )
    if (link === undefined) return // a silent peer swallows everything
    const toB = link.a === from
    const { messageType, body } = encodeOutgoing(message)
    const event: CollectionEvent =
      messageType === null
        ? { type: 'remote-open', conn: toB ? link.connB : link.connA, body }
        : { type: 'message', conn: toB ? link.connB : link.connA, messageType, body }
    ;(toB ? link.toB : link.toA).push(event)
  }

  /** A peer's session on a connection ended: the remote's carrier sees the channel close. */
  ended(peer: CollectionPeer, conn: ConnectionId): void {
    const link = this.links.find(
      (l) => (l.a === peer && l.connA === conn) || (l.b === peer && l.connB === conn),
    )
    if (link === undefined) return
    if (link.a === peer) link.openA = false
    else link.openB = false
  }

  /** Blocks flow on every link for every feed both ends attached; lengths only grow. */
  #replicateData(): boolean {
    let moved = false
    for (const link of this.links) {
      const atA = link.a.attached.get(link.connA)
      const atB = link.b.attached.get(link.connB)
      if (!atA || !atB) continue
      for (const hex of atA) {
        if (!atB.has(hex)) continue
        const la = link.a.store.get(hex) ?? 0
        const lb = link.b.store.get(hex) ?? 0
        if (la === lb) continue
        const [behind, length] = la < lb ? [link.a, lb] : [link.b, la]
        behind.store.set(hex, length)
        behind.input({ type: 'feed-length', now: this.now, key: fromHex(hex), length })
        moved = true
      }
    }
    return moved
  }

  /** One round: deliver every queued message, complete opens, move data. */
  step(): boolean {
    let progress = false
    for (const link of this.links) {
      for (const [queue, peer] of [
        [link.toA, link.a],
        [link.toB, link.b],
      ] as const) {
        const events = queue.splice(0)
        for (const event of events) {
          progress = true
          peer.input(event)
        }
      }
      // A closed channel is seen by the other end once its messages are delivered.
      if (!link.openA && link.openB && link.toB.length === 0) {
        link.openB = false
        link.b.input({ type: 'connection-closed', conn: link.connB })
        progress = true
      }
      if (!link.openB && link.openA && link.toA.length === 0) {
        link.openA = false
        link.a.input({ type: 'connection-closed', conn: link.connA })
        progress = true
      }
    }
    for (const peer of this.peers) if (peer.completeOpens()) progress = true
    if (this.#replicateData()) progress = true
    for (const peer of this.peers) if (peer.tickIfDue()) progress = true
    return progress
  }

  /** Steps until nothing moves (time stands still). */
  flush(maxSteps = 10_000): this {
    for (let i = 0; i < maxSteps; i++) if (!this.step()) return this
    throw new Error('the network did not settle')
  }

  /** Advances the clock by `ms` in steps of `stepMs`, flushing at each. */
  advance(ms: number, stepMs = 10): this {
    const end = this.now + ms
    while (this.now < end) {
      this.now = Math.min(end, this.now + stepMs)
      this.flush()
    }
    return this
  }
}

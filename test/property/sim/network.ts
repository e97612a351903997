/**
 * A multi-peer simulation in the yjs style: peers with a local collection, one Session per link
 * end, an in-memory network with one FIFO per link direction (the transport is ordered) that
 * delivers whichever pending message the test picks, links that drop and come back (fresh
 * sessions), and replication modelled as copying the higher length between the two copies of
 * a feed both ends replicate on a link.
 *
 * Peers behave like the adapter: `add-feeds` adds the feeds to the collection and announces
 * them (local-feed) to the peer's other sessions; a length change is told to every session
 * (local-length); an append by the author is re-offered (local-feed); a block goes to every
 * session. Nothing here misbehaves, so any `fail` action is a bug and is recorded.
 */
import type { Key } from '../../../src/codec/messages.js'
import { fromHex, toHex } from '../../../src/state/hex.js'
import { Session } from '../../../src/state/session.js'
import type { SessionAction, SessionEvent } from '../../../src/state/types.js'
import { deliveredEvent, openEvent } from './wire.js'

export interface HeldFeed {
  key: Key
  length: number
}

export class SimPeer {
  /** The collection: every feed the peer holds, blocked ones included. */
  readonly feeds = new Map<string, HeldFeed>()
  readonly blocked = new Set<string>()
  readonly authored = new Set<string>()
  /** Link ends of this peer: [link index, side]. */
  readonly ends: [number, 0 | 1][] = []

  constructor(readonly id: number) {}

  /** Feeds held and not blocked, as hex -> length. */
  visibleFeeds(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [hex, feed] of this.feeds) if (!this.blocked.has(hex)) out.set(hex, feed.length)
    return out
  }
}

export class SimLink {
  up = false
  sessions: [Session | null, Session | null] = [null, null]
  /** inboxes[side]: events waiting for that side's session, oldest first. */
  inboxes: [SessionEvent[], SessionEvent[]] = [[], []]
  /** Keys each side replicates on this link. */
  replicating: [Set<string>, Set<string>] = [new Set(), new Set()]

  constructor(
    readonly index: number,
    readonly peers: [number, number],
  ) {}
}

export interface Pending {
  link: number
  side: 0 | 1
}

export class SimNetwork {
  readonly peers: SimPeer[]
  readonly links: SimLink[]
  /** Every fail action any session emitted (must stay empty). */
  readonly failures: { peer: number; link: number; action: SessionAction }[] = []
  /** Every key ever authored by a peer. */
  readonly authored = new Set<string>()

  constructor(peerCount: number, pairs: [number, number][]) {
    this.peers = Array.from({ length: peerCount }, (_, id) => new SimPeer(id))
    this.links = pairs.map((pair, index) => new SimLink(index, pair))
    for (const link of this.links) {
      this.peers[link.peers[0]]!.ends.push([link.index, 0])
      this.peers[link.peers[1]]!.ends.push([link.index, 1])
    }
  }

  // ---- peer operations ----

  /** The author creates a feed (before or during the run). */
  author(peerId: number, key: Key, length: number): void {
    const peer = this.peers[peerId]!
    const hex = toHex(key)
    peer.feeds.set(hex, { key, length })
    peer.authored.add(hex)
    this.authored.add(hex)
    this.#toSessions(peer, { type: 'local-feed', feed: { key, length, data: null } })
  }

  /** The author appends to one of its feeds: re-offered with the new length. */
  append(peerId: number, hex: string, blocks: number): void {
    const peer = this.peers[peerId]!
    const feed = peer.feeds.get(hex)
    if (feed === undefined || !peer.authored.has(hex) || peer.blocked.has(hex)) return
    feed.length += blocks
    this.#toSessions(peer, {
      type: 'local-feed',
      feed: { key: feed.key, length: feed.length, data: null },
    })
  }

  block(peerId: number, key: Key): void {
    const peer = this.peers[peerId]!
    peer.blocked.add(toHex(key))
    this.#toSessions(peer, { type: 'block', key })
  }

  // ---- links ----

  /** Opens a link with fresh sessions; `aInitiates` picks the Noise initiator. */
  connect(linkIndex: number, aInitiates: boolean): void {
    const link = this.links[linkIndex]!
    if (link.up) return
    link.up = true
    link.sessions = [new Session(), new Session()]
    link.inboxes = [[], []]
    link.replicating = [new Set(), new Set()]
    for (const side of [0, 1] as const) {
      const peer = this.peers[link.peers[side]]!
      const initiator = (side === 0) === aInitiates
      const feeds = [...peer.feeds.values()].map((f) => ({
        key: f.key,
        length: f.length,
        data: null,
      }))
      const blocked = [...peer.blocked].map((hex) => peer.feeds.get(hex)?.key ?? fromHex(hex))
      this.#handle(
        link,
        side,
        openEvent({ role: initiator ? 'initiator' : 'responder', feeds, blocked }),
      )
    }
  }

  /** The connection drops: both sessions see transport-closed; in-flight messages are lost. */
  drop(linkIndex: number): void {
    const link = this.links[linkIndex]!
    if (!link.up) return
    for (const side of [0, 1] as const) this.#handle(link, side, { type: 'transport-closed' })
    link.up = false
    link.sessions = [null, null]
    link.inboxes = [[], []]
    link.replicating = [new Set(), new Set()]
  }

  // ---- scheduling ----

  /** Link directions with a message waiting, in a stable order. */
  pending(): Pending[] {
    const out: Pending[] = []
    for (const link of this.links) {
      if (!link.up) continue
      if (link.inboxes[0].length > 0) out.push({ link: link.index, side: 0 })
      if (link.inboxes[1].length > 0) out.push({ link: link.index, side: 1 })
    }
    return out
  }

  /** Delivers the oldest message of the `pick`-th pending direction (FIFO per direction). */
  deliver(pick: number): boolean {
    const pending = this.pending()
    if (pending.length === 0) return false
    const { link: index, side } = pending[pick % pending.length]!
    const link = this.links[index]!
    const event = link.inboxes[side].shift()!
    this.#handle(link, side, event)
    return true
  }

  /** Feed copies that replication would move: both ends replicate the key and lengths differ. */
  replicationCandidates(): { link: number; hex: string }[] {
    const out: { link: number; hex: string }[] = []
    for (const link of this.links) {
      if (!link.up) continue
      const [a, b] = [this.peers[link.peers[0]]!, this.peers[link.peers[1]]!]
      for (const hex of link.replicating[0]) {
        if (!link.replicating[1].has(hex)) continue
        const fa = a.feeds.get(hex)
        const fb = b.feeds.get(hex)
        if (fa && fb && fa.length !== fb.length) out.push({ link: link.index, hex })
      }
    }
    return out
  }

  /** Moves blocks for the `pick`-th candidate: the shorter copy takes the longer length. */
  replicate(pick: number): boolean {
    const candidates = this.replicationCandidates()
    if (candidates.length === 0) return false
    const { link: index, hex } = candidates[pick % candidates.length]!
    const link = this.links[index]!
    const [a, b] = [this.peers[link.peers[0]]!, this.peers[link.peers[1]]!]
    const [fa, fb] = [a.feeds.get(hex)!, b.feeds.get(hex)!]
    const [shorter, longer] = fa.length < fb.length ? [a, fb] : [b, fa]
    const copy = shorter.feeds.get(hex)!
    copy.length = longer.length
    this.#toSessions(shorter, { type: 'local-length', key: copy.key, length: copy.length })
    return true
  }

  /** Runs until no message is pending and no replication would move anything. */
  flush(maxSteps = 200_000): void {
    for (let step = 0; step < maxSteps; step++) {
      if (this.deliver(0)) continue
      if (this.replicate(0)) continue
      return
    }
    throw new Error('the network did not settle')
  }

  /** Every live session, with where it is. */
  sessions(): { link: number; side: 0 | 1; session: Session }[] {
    const out: { link: number; side: 0 | 1; session: Session }[] = []
    for (const link of this.links) {
      for (const side of [0, 1] as const) {
        const session = link.sessions[side]
        if (session) out.push({ link: link.index, side, session })
      }
    }
    return out
  }

  // ---- plumbing ----

  #toSessions(peer: SimPeer, event: SessionEvent, except?: SimLink): void {
    for (const [index, side] of peer.ends) {
      const link = this.links[index]!
      if (link === except || !link.up) continue
      this.#handle(link, side, event)
    }
  }

  #handle(link: SimLink, side: 0 | 1, event: SessionEvent): void {
    const session = link.sessions[side]
    if (session === null) return
    const peer = this.peers[link.peers[side]]!
    const actions = session.handle(event)
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          link.inboxes[side === 0 ? 1 : 0].push(deliveredEvent(action))
          break
        case 'add-feeds':
          for (const entry of action.feeds) {
            const hex = toHex(entry.key)
            if (peer.feeds.has(hex)) continue
            const key = Uint8Array.from(entry.key)
            peer.feeds.set(hex, { key, length: 0 })
            // The feed entered the collection: every other session may announce it.
            this.#toSessions(
              peer,
              { type: 'local-feed', feed: { key, length: 0, data: null } },
              link,
            )
          }
          break
        case 'replicate':
          for (const key of action.keys) link.replicating[side].add(toHex(key))
          break
        case 'unreplicate':
          for (const key of action.keys) link.replicating[side].delete(toHex(key))
          break
        case 'fail':
          this.failures.push({ peer: peer.id, link: link.index, action })
          break
        case 'close':
          link.sessions[side] = null
          break
        default:
          break
      }
    }
  }
}

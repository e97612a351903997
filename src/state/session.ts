/**
 * The multifeed session state machine (spec: Session rules). One session is one multifeed on
 * one connection. Sans-IO: `handle` takes one event and returns the actions the caller must
 * carry out, in order, before the next event. No I/O, clock, randomness or promises; time
 * arrives as `now` on `open` and `tick`.
 */

import { type Limits, PROTOCOL_MAJOR, PROTOCOL_MINOR } from '../codec/constants.js'
import { EntryBlock } from '../codec/entry-block.js'
import { DecodeError, LIMIT_DECODE_ERRORS } from '../codec/errors.js'
import { decodeHandshake, handshakeEncodingLength } from '../codec/handshake.js'
import type { KeyList } from '../codec/keys-message.js'
import { resolveLimits } from '../codec/limits.js'
import type { ManifestLayout } from '../codec/manifest.js'
import type { Handshake, Key, ManifestEntry } from '../codec/messages.js'
import { ErrorCode, type ErrorCodeName } from '../errors.js'
import { chunkManifests } from './chunk.js'
import { closedByRemote, closeLocally, type FailDetails, failByPeer } from './failure.js'
import { type FeedId, FeedTable, NO_FEED, NONE } from './feed-table.js'
import { toHex } from './hex.js'
import { IdList } from './id-list.js'
import { decodeIncoming, type IncomingMessage } from './incoming.js'
import { viewOf } from './key-table.js'
import { OutstandingRequests } from './outstanding-requests.js'
import { shareEverything, wantEverything } from './policies.js'
import type {
  Admission,
  LocalFeed,
  OpenEvent,
  SessionAction,
  SessionEvent,
  SessionOptions,
  SharePolicy,
  SyncProgress,
  WantPolicy,
} from './types.js'
import { invalidArgument, invalidState } from './usage-error.js'
import {
  checkBytes,
  checkClient,
  checkFeed,
  checkKey,
  checkLength,
  checkOptionalBytes,
  checkTime,
  checkTypeNumber,
} from './validate.js'

/**
 * Phases (spec: Session rules). `new`: nothing happened yet (only `open` is allowed).
 * `await-handshake`: our handshake is out, the remote's is not verified. `open`: verified.
 * `closed`: sticky; every later event returns no action.
 */
export type SessionPhase = 'new' | 'await-handshake' | 'open' | 'closed'

/** Settings fixed at `open`. */
interface OpenSettings {
  client: string
  remoteCapability: Uint8Array
  limits: Readonly<Limits>
  deadline: number
  /** The minor this side speaks (its Handshake's). */
  minor: number
  /** The lowest negotiated minor accepted. */
  requiredMinor: number
}

/** Message types defined at minor 1 (spec 11.3): passed to the layer above undecoded. */
const FIRST_EXTENSION_TYPE = 4
const LAST_EXTENSION_TYPE = 8

/**
 * A sans-IO multifeed session. Create one per multifeed per connection, feed it events with
 * {@link Session.handle} and carry out the returned actions in order.
 *
 * Local API misuse (an event before `open`, a second `open`, a malformed local value) throws a
 * MultifeedError with fault 'local'; a misbehaving peer never throws, it yields `fail` + `close`.
 */
export class Session {
  readonly #want: WantPolicy
  readonly #share: SharePolicy
  /** Default policies say yes to everything: skip building their argument objects. */
  readonly #wantAll: boolean
  readonly #shareAll: boolean
  /** Room shared with other sessions of one collection, or null for the session's own rule. */
  readonly #admission: Admission | null
  #phase: SessionPhase = 'new'
  #settings: OpenSettings | null = null
  /** The open event's lists while one of them is a function not called yet. */
  #unloadedView: Pick<OpenEvent, 'feeds' | 'blocked'> | null = null

  readonly #feeds = new FeedTable()
  readonly #requests = new OutstandingRequests()
  /** Feeds accepted since the last remote-feeds action (a block clears their flag). */
  readonly #unreported = new IdList()
  /** Lists of ids built while one event is handled, kept for the next (see IdList). */
  readonly #found = new IdList()
  readonly #chosen = new IdList()
  readonly #started = new IdList()
  readonly #offers = new OfferBatch(this.#feeds, this.#chosen)
  /** The remote's last Manifest had more=true: its batch continues. */
  #remoteBatchOpen = false
  /** A remote batch completed (more=false) since the last remote-feeds action. */
  #unreportedBatchEnd = false
  #remoteBatchCompleted = false
  #synced = false
  /** The negotiated minor (spec 11.1), once the remote Handshake is verified. */
  #minor = 0

  constructor(options: SessionOptions = {}) {
    this.#want = options.want ?? wantEverything
    this.#share = options.share ?? shareEverything
    this.#wantAll = this.#want === wantEverything
    this.#shareAll = this.#share === shareEverything
    this.#admission = options.admission ?? null
  }

  /** Current phase. */
  get phase(): SessionPhase {
    return this.#phase
  }

  /** True between a `synced` action and the next event that breaks the condition. */
  get synced(): boolean {
    return this.#synced
  }

  /**
   * Counts of the remote's accepted feeds held at their advertised lengths (spec 9.2). Computed
   * on each call, in time linear in the feeds the session knows: read it for a progress display,
   * not after every event.
   */
  progress(): SyncProgress {
    const feeds = this.#feeds
    const progress: SyncProgress = {
      feedsAccepted: 0,
      feedsHeld: 0,
      blocksAdvertised: 0,
      blocksHeld: 0,
      synced: this.#synced,
    }
    for (let id = 0; id < feeds.size; id++) {
      if (!feeds.isAccepted(id)) continue
      // Capped at the feed's cut: blocks past it are not part of the multifeed (1.1).
      const advertised = Math.max(0, feeds.expectedLength(id))
      const local = Math.max(0, feeds.localLength(id))
      progress.feedsAccepted++
      if (local >= advertised) progress.feedsHeld++
      progress.blocksAdvertised += advertised
      progress.blocksHeld += Math.min(local, advertised)
    }
    return progress
  }

  /**
   * When the handshake deadline passes (caller's clock), while the session waits for the remote
   * Handshake; null otherwise. A `tick` before it does nothing, so a caller may tick early.
   */
  get deadline(): number | null {
    return this.#phase === 'await-handshake' ? this.#settings!.deadline : null
  }

  /** True once the session emitted `close` (every later event returns []). */
  get closed(): boolean {
    return this.#phase === 'closed'
  }

  /** The negotiated minor version (spec 11.1): 0 until the remote Handshake is verified. */
  get minor(): number {
    return this.#minor
  }

  /**
   * Handles one event and returns the actions to carry out, in order.
   * @throws MultifeedError on local API misuse (code ERR_INVALID_STATE or ERR_INVALID_ARGUMENT).
   */
  handle(event: SessionEvent): SessionAction[] {
    if (event === null || typeof event !== 'object')
      throw invalidArgument('event must be an object')
    if (this.#phase === 'new') {
      if (event.type !== 'open') throw invalidState(`${String(event.type)} before open`)
      const actions = this.#open(event)
      this.#releaseScratch()
      return actions
    }
    if (event.type === 'open') throw invalidState('second open')
    const settings = this.#settings!
    this.#checkEvent(event, settings.limits)
    if (this.#phase === 'closed') return []
    const actions = this.#dispatch(event, settings)
    if (this.#phase === 'open') this.#settle(actions)
    this.#releaseScratch()
    return actions
  }

  /** The per-event lists keep room for a usual message, not for the largest one seen. */
  #releaseScratch(): void {
    this.#found.release(SCRATCH_KEPT)
    this.#chosen.release(SCRATCH_KEPT)
    this.#started.release(SCRATCH_KEPT)
  }

  /** Validates the local fields of an event, in every phase: misuse is misuse even after close. */
  #checkEvent(event: SessionEvent, limits: Readonly<Limits>): void {
    switch (event.type) {
      case 'remote-open':
        checkBytes(event.body, 'body')
        break
      case 'message':
        checkTypeNumber(event.messageType)
        checkBytes(event.body, 'body')
        break
      case 'local-feed':
        checkFeed(event.feed, limits)
        break
      case 'local-feeds': {
        // Every feed is checked before any is applied: a bad list changes nothing.
        const { feeds } = event
        if (!Array.isArray(feeds)) throw invalidArgument('feeds must be an array')
        for (let i = 0; i < feeds.length; i++) checkFeed(feeds[i]!, limits)
        break
      }
      case 'local-length':
      case 'local-truncate':
        checkKey(event.key, 'key')
        checkLength(event.length, 'length')
        break
      case 'block':
        checkKey(event.key, 'key')
        break
      case 'tick':
        checkTime(event.now)
        break
      case 'close':
      case 'transport-closed':
        break
      case 'send-extension':
        if (
          !Number.isInteger(event.messageType) ||
          event.messageType < FIRST_EXTENSION_TYPE ||
          event.messageType > LAST_EXTENSION_TYPE
        ) {
          throw invalidArgument('messageType must be a type of minor 1 (4 to 8)')
        }
        checkBytes(event.body, 'body')
        if (event.body.byteLength > limits.maxMessageBytes) {
          throw invalidArgument(`body over maxMessageBytes ${limits.maxMessageBytes}`)
        }
        break
      case 'violation':
        if (
          typeof event.code !== 'string' ||
          !Object.hasOwn(ErrorCode, event.code) ||
          (event.code as string) === 'OK'
        ) {
          throw invalidArgument('code must be a session error code (spec 10.3)')
        }
        if (typeof event.message !== 'string') throw invalidArgument('message must be a string')
        if (event.decodeCode !== undefined && typeof event.decodeCode !== 'string') {
          throw invalidArgument('decodeCode must be a string')
        }
        break
      case 'reconsider': {
        const { keys } = event
        if (!Array.isArray(keys)) throw invalidArgument('keys must be an array')
        for (let i = 0; i < keys.length; i++) checkKey(keys[i], 'key')
        break
      }
      case 'cut':
        checkKey(event.key, 'key')
        if (event.length !== null) checkLength(event.length, 'length')
        break
      default:
        throw invalidArgument(`unknown event type ${String((event as { type?: unknown }).type)}`)
    }
  }

  #dispatch(event: Exclude<SessionEvent, OpenEvent>, settings: OpenSettings): SessionAction[] {
    if (this.#unloadedView !== null && LOCAL_VIEW_EVENTS.has(event.type)) this.#loadView(settings)
    switch (event.type) {
      case 'remote-open':
        return this.#onRemoteOpen(event.body, settings)
      case 'message':
        return this.#onMessage(event.messageType, event.body, settings)
      case 'local-feed':
        return this.#onLocalFeeds([event.feed], settings)
      case 'local-feeds':
        return this.#onLocalFeeds(event.feeds, settings)
      case 'local-length':
        return this.#onLocalLength(event.key, event.length)
      case 'local-truncate':
        return this.#onLocalTruncate(event.key, event.length)
      case 'block':
        return this.#onBlock(event.key)
      case 'tick':
        return this.#onTick(event.now, settings)
      case 'close':
        return this.#end(closeLocally())
      case 'transport-closed':
        return this.#end([{ type: 'close', by: 'remote' }])
      case 'send-extension':
        if (this.#phase !== 'open' || this.#minor < 1) {
          throw invalidState('messages of minor 1 go out only on an open session of minor 1')
        }
        return [
          {
            type: 'send',
            message: { type: 'extension', messageType: event.messageType, body: event.body },
          },
        ]
      case 'violation':
        if (this.#phase !== 'open') throw invalidState('a violation before the handshake')
        return this.#fail(
          event.code,
          event.message,
          event.decodeCode === undefined ? {} : { decodeCode: event.decodeCode },
        )
      case 'reconsider':
        return this.#phase === 'open' ? this.#onReconsider(event.keys) : []
      case 'cut':
        return this.#onCut(event.key, event.length)
    }
  }

  // ---- spec 7.3: open ----

  #open(event: OpenEvent): SessionAction[] {
    let limits: Readonly<Limits>
    try {
      limits = resolveLimits(event.limits)
    } catch (err) {
      throw invalidArgument(`limits: ${(err as Error).message}`)
    }
    checkTime(event.now)
    if (event.role !== 'initiator' && event.role !== 'responder') {
      throw invalidArgument(`role must be 'initiator' or 'responder'`)
    }
    checkClient(event.client, limits)
    checkOptionalBytes(event.userData, limits.maxUserDataBytes, 'userData')
    checkKey(event.localCapability, 'localCapability')
    checkKey(event.remoteCapability, 'remoteCapability')
    const { feeds, blocked } = event
    if (typeof feeds !== 'function' && !Array.isArray(feeds)) {
      throw invalidArgument('feeds must be an array or a function')
    }
    if (typeof blocked !== 'function' && !Array.isArray(blocked)) {
      throw invalidArgument('blocked must be an array or a function')
    }
    const minor = event.minor ?? PROTOCOL_MINOR
    if (!Number.isInteger(minor) || minor < 0 || minor > PROTOCOL_MINOR) {
      throw invalidArgument(`minor must be an integer from 0 to ${PROTOCOL_MINOR}`)
    }
    const requiredMinor = event.requiredMinor ?? 0
    if (!Number.isInteger(requiredMinor) || requiredMinor < 0 || requiredMinor > minor) {
      throw invalidArgument(`requiredMinor must be an integer from 0 to minor (${minor})`)
    }
    const handshake: Handshake = {
      type: 'handshake',
      major: PROTOCOL_MAJOR,
      minor,
      client: event.client,
      capability: event.localCapability,
      userData: event.userData,
    }
    // spec 8.1: every field within its limit is not enough, the whole Handshake must fit.
    const handshakeBytes = handshakeEncodingLength(handshake, limits)
    if (handshakeBytes > limits.maxMessageBytes) {
      throw invalidArgument(
        `the Handshake would be ${handshakeBytes} bytes, over maxMessageBytes ${limits.maxMessageBytes}`,
      )
    }
    if (typeof feeds === 'function' || typeof blocked === 'function') {
      this.#unloadedView = { feeds, blocked }
    } else {
      this.#applyView(feeds, blocked, limits)
    }
    const deadline = event.now + limits.handshakeTimeout
    this.#settings = {
      client: event.client,
      remoteCapability: event.remoteCapability,
      limits,
      deadline,
      minor,
      requiredMinor,
    }
    this.#phase = 'await-handshake'
    return [
      { type: 'send', message: handshake },
      { type: 'timer', at: deadline },
    ]
  }

  /** Calls the open event's list functions, once. */
  #loadView(settings: OpenSettings): void {
    const { feeds, blocked } = this.#unloadedView!
    this.#unloadedView = null
    const list = <T>(value: readonly T[] | (() => readonly T[]), what: string): readonly T[] => {
      const result = typeof value === 'function' ? value() : value
      if (!Array.isArray(result)) throw invalidArgument(`${what} must return an array`)
      return result
    }
    this.#applyView(list(feeds, 'feeds'), list(blocked, 'blocked'), settings.limits)
  }

  /** The local collection view and blocked keys the session starts with (spec 7.2). */
  #applyView(feeds: readonly LocalFeed[], blocked: readonly Key[], limits: Readonly<Limits>): void {
    // Indexed loops here and below: for-of allocated an iterator result per item in these
    // long loops, which run once per event (often before the engine optimizes them).
    for (let i = 0; i < blocked.length; i++) checkKey(blocked[i], 'blocked key')
    this.#feeds.reserve(feeds.length + blocked.length)
    const ids = this.#found
    // Each feed is checked as its key is taken: all are taken before any is added, so a bad
    // feed still changes nothing, and each feed object is read while it is in the cache.
    const keyOfChecked = (i: number): Key => {
      const feed = feeds[i]!
      checkFeed(feed, limits)
      return feed.key
    }
    this.#feeds.idsOf(keyOfChecked, feeds.length, ids, [this.#chosen, this.#started])
    for (let i = 0; i < feeds.length; i++) {
      const feed = feeds[i]!
      this.#feeds.setLocal(ids.at(i), feed.length, feed.data)
    }
    for (let i = 0; i < blocked.length; i++) this.#feeds.block(this.#feeds.idOf(blocked[i]!))
  }

  // ---- spec 7.3: the remote handshake ----

  #onRemoteOpen(body: Uint8Array, settings: OpenSettings): SessionAction[] {
    if (this.#phase === 'open') return this.#fail('ERR_UNEXPECTED_MESSAGE', 'second handshake')
    let handshake: ReturnType<typeof decodeHandshake>
    try {
      handshake = decodeHandshake(body, settings.limits)
    } catch (err) {
      return this.#failDecode(err, 'handshake')
    }
    if (handshake.type === 'foreign-handshake') {
      return this.#fail(
        'ERR_VERSION_MISMATCH',
        `remote speaks version ${handshake.major}.${handshake.minor}, we speak ${PROTOCOL_MAJOR}.${settings.minor}`,
        {
          usVersion: { major: PROTOCOL_MAJOR, minor: settings.minor },
          themVersion: { major: handshake.major, minor: handshake.minor },
        },
      )
    }
    if (handshake.client !== settings.client) {
      return this.#fail(
        'ERR_CLIENT_MISMATCH',
        `remote client ${JSON.stringify(handshake.client)}, ours ${JSON.stringify(settings.client)}`,
        { usClient: settings.client, themClient: handshake.client },
      )
    }
    if (!sameBytes(handshake.capability, settings.remoteCapability)) {
      return this.#fail('ERR_BAD_CAPABILITY', 'remote capability does not prove the multifeed key')
    }
    const negotiated = Math.min(settings.minor, handshake.minor)
    if (negotiated < settings.requiredMinor) {
      return this.#fail(
        'ERR_MINOR_REQUIRED',
        `this multifeed needs protocol 1.${settings.requiredMinor}, the remote speaks 1.${handshake.minor}`,
      )
    }
    this.#minor = negotiated
    this.#phase = 'open'
    const actions: SessionAction[] = [
      { type: 'timer', at: null },
      {
        type: 'remote-handshake',
        major: handshake.major,
        minor: handshake.minor,
        client: handshake.client,
        userData: handshake.userData,
      },
    ]
    // Before this point only local feeds and blocked keys are known, in collection order.
    // Arrays of per-key results are allocated at their upper bound and trimmed, not grown by
    // push (growing copies them several times over for 100k keys).
    const feeds = this.#feeds
    const batch = this.#offers.start(feeds.size)
    let previous: FeedId = NO_FEED
    for (let id = 0; id < feeds.size; id++) {
      if (!this.#mayOffer(id)) continue
      feeds.setOffered(id, this.#offerLength(id))
      batch.add(id)
      if (previous !== NO_FEED) feeds.setNextOffered(previous, id)
      previous = id
    }
    for (const manifest of chunkManifests(batch.entries(), settings.limits)) {
      actions.push({ type: 'send', message: manifest })
    }
    return actions
  }

  // ---- spec 7.4: messages ----

  #onMessage(messageType: number, body: Uint8Array, settings: OpenSettings): SessionAction[] {
    if (this.#phase !== 'open') {
      return this.#fail(
        'ERR_UNEXPECTED_MESSAGE',
        `message type ${messageType} before the handshake`,
      )
    }
    if (
      this.#minor >= 1 &&
      messageType >= FIRST_EXTENSION_TYPE &&
      messageType <= LAST_EXTENSION_TYPE
    ) {
      // Defined at minor 1: the layer above decodes it (a copy: the caller may reuse its bytes).
      return [{ type: 'extension', messageType, body: body.slice() }]
    }
    let message: IncomingMessage | null
    try {
      message = decodeIncoming(messageType, body, settings.limits)
    } catch (err) {
      return this.#failDecode(err, `message type ${messageType}`)
    }
    if (message === null) return [] // unknown type: a newer minor's message, ignored
    switch (message.type) {
      case 'manifest':
        return this.#onManifest(message, settings)
      case 'request':
        return this.#onRequest(message)
      case 'replicate':
        return this.#onReplicate(message)
      case 'close':
        return this.#end(closedByRemote(message, settings.minor))
    }
  }

  // ---- spec 7.6: the remote's Manifest ----

  #onManifest(manifest: ManifestLayout, settings: OpenSettings): SessionAction[] {
    const { bytes, count, keyOffsets, lengths, data } = manifest
    const { maxRemoteFeeds, maxFeeds } = settings.limits
    const feeds = this.#feeds
    // Pass 1: count distinct new keys before anything of the message is applied.
    const stamp = feeds.nextStamp()
    feeds.reserve(count)
    const found = this.#found
    feeds.idsAt(bytes, keyOffsets, count, found, [this.#chosen, this.#started])
    let fresh = 0
    for (let i = 0; i < count; i++) {
      const id = found.at(i)
      if (feeds.touch(id, stamp) && feeds.remoteLength(id) === NONE) fresh++
    }
    const offered = feeds.remoteOffered + fresh
    if (offered > maxRemoteFeeds) {
      return this.#fail(
        'ERR_LIMIT_EXCEEDED',
        `remote offered ${offered} feeds, limit ${maxRemoteFeeds}`,
      )
    }
    // Pass 2: apply in order, choosing the wanted ones: they go in the next Request, chained by
    // nextRequested in order.
    const wanted = this.#chosen
    wanted.reset(count)
    const seq = this.#requests.nextSeq
    let previous: FeedId = NO_FEED
    for (let i = 0; i < count; i++) {
      const id = found.at(i)
      // Data is kept: copied out of the message bytes, which are the caller's.
      const entryData = data === null ? null : data[i]!
      feeds.mergeRemoteOffer(id, lengths[i]!, entryData === null ? null : entryData.slice())
      if (!this.#wanted(id, maxFeeds)) continue
      feeds.setRequested(id, seq)
      if (previous !== NO_FEED) feeds.setNextRequested(previous, id)
      previous = id
      wanted.push(id)
    }
    const actions: SessionAction[] = []
    // One Request: it lists at most `count` keys and is smaller than this Manifest, which fit
    // our limits, so it never needs splitting (spec 7.6, step 3).
    const wants = wanted.length
    if (wants > 0) {
      // The last one's next is never read: a Replicate answers `wants` keys at most.
      this.#requests.push(wanted.at(0), wants)
      const keys = feeds.keyBlock(wanted)
      actions.push({ type: 'send', message: { type: 'request', keys } })
    }
    this.#remoteBatchOpen = manifest.more
    if (!manifest.more) {
      this.#unreportedBatchEnd = true
      this.#remoteBatchCompleted = true
    }
    return actions
  }

  // ---- spec 7.7: the remote's Request ----

  #onRequest(request: KeyList): SessionAction[] {
    const { bytes, offset, count } = request
    const view = viewOf(bytes)
    const feeds = this.#feeds
    const found = this.#found
    found.reset(count)
    let guess: FeedId = NO_FEED
    for (let i = 0; i < count; i++) {
      const at = offset + i * KEY_BYTES
      const id = feeds.findAt(view, at, guess)
      if (id === NO_FEED || feeds.offeredLength(id) === NONE) {
        return this.#fail(
          'ERR_NOT_OFFERED',
          `remote requested ${toHex(bytes.subarray(at, at + KEY_BYTES))}, which we did not offer`,
        )
      }
      found.push(id)
      guess = feeds.nextOffered(id)
    }
    const stamp = feeds.nextStamp()
    const agreed = this.#chosen
    const started = this.#started
    agreed.reset(count)
    started.reset(count)
    for (let i = 0; i < count; i++) {
      const id = found.at(i)
      if (!feeds.touch(id, stamp)) continue // duplicate within the Request
      if (!this.#mayOffer(id)) continue
      agreed.push(id)
      if (feeds.startReplicating(id)) started.push(id)
    }
    const agreedKeys = feeds.keyBlock(agreed)
    const actions: SessionAction[] = [
      { type: 'send', message: { type: 'replicate', keys: agreedKeys } },
    ]
    // The started ones are a subsequence of the agreed: as many means the same keys.
    const starts = started.length
    const keys = starts === agreed.length ? agreedKeys : feeds.keyBlock(started)
    if (starts > 0) actions.push({ type: 'replicate', keys })
    return actions
  }

  // ---- spec 7.8: the remote's Replicate ----

  #onReplicate(replicate: KeyList): SessionAction[] {
    const head = this.#requests.head()
    if (head === undefined) {
      return this.#fail('ERR_UNEXPECTED_MESSAGE', 'replicate with no request outstanding')
    }
    const { bytes, offset, count } = replicate
    const view = viewOf(bytes)
    const feeds = this.#feeds
    const found = this.#found
    found.reset(count)
    let guess: FeedId = head.first
    for (let i = 0; i < count; i++) {
      const at = offset + i * KEY_BYTES
      const id = feeds.findAt(view, at, guess)
      if (id === NO_FEED || feeds.requestSeq(id) !== head.seq) {
        return this.#fail(
          'ERR_NOT_REQUESTED',
          `remote agreed to ${toHex(bytes.subarray(at, at + KEY_BYTES))}, which we did not request`,
        )
      }
      found.push(id)
      guess = feeds.nextRequested(id)
    }
    this.#requests.shift()
    // With shared admission, room reserved for keys left out of the collection is given back.
    const reserved: FeedId[] | null = this.#admission === null ? null : []
    for (let i = 0, id = head.first; i < head.count; i++) {
      const next = feeds.nextRequested(id)
      if (reserved !== null && feeds.reservesRoom(id)) reserved.push(id)
      feeds.clearRequested(id)
      id = next
    }
    const stamp = feeds.nextStamp()
    const added = this.#chosen
    const started = this.#started
    added.reset(count)
    started.reset(count)
    // The accepted ones wait in #unreported for the next remote-feeds.
    const unreported = this.#unreported
    unreported.reserveMore(count)
    for (let i = 0; i < count; i++) {
      const id = found.at(i)
      if (feeds.isBlocked(id) || feeds.cut(id) === 0 || !feeds.touch(id, stamp)) continue
      if (feeds.localLength(id) === NONE) {
        added.push(id)
        // A new feed starts empty here; local-length events bring it up.
        feeds.setLocal(id, 0, feeds.remoteData(id))
      }
      feeds.accept(id)
      unreported.push(id)
      if (feeds.startReplicating(id)) started.push(id)
    }
    if (reserved !== null) {
      for (let i = 0; i < reserved.length; i++) {
        const id = reserved[i]!
        if (feeds.localLength(id) === NONE) this.#admission!.release(feeds.key(id))
      }
    }
    const actions: SessionAction[] = []
    if (added.length > 0) actions.push({ type: 'add-feeds', feeds: this.#addedEntries(added) })
    if (started.length > 0) {
      actions.push({ type: 'replicate', keys: feeds.keyBlock(started) })
    }
    return actions
  }

  /** The entries of feeds added from the remote: key, advertised length and remote data. */
  #addedEntries(added: IdList): EntryBlock {
    const feeds = this.#feeds
    const count = added.length
    const lengths = new Float64Array(count)
    let data: (Uint8Array | null)[] | null = null
    for (let i = 0; i < count; i++) {
      const id = added.at(i)
      lengths[i] = feeds.remoteLength(id)
      const remoteData = feeds.remoteData(id)
      // The data column exists only once some entry has data.
      if (remoteData !== null && data === null) data = new Array(count).fill(null)
      if (data !== null) data[i] = remoteData
    }
    return new EntryBlock(feeds.keyBlock(added), lengths, data)
  }

  // ---- spec 7.5: live announcement and re-offer ----

  /** `local-feed` is the list of one: each feed updates the view, and the offers form one batch. */
  #onLocalFeeds(feeds: readonly LocalFeed[], settings: OpenSettings): SessionAction[] {
    const table = this.#feeds
    table.reserve(feeds.length)
    const batch = this.#offers.start(feeds.length)
    let previous: FeedId = NO_FEED
    for (let i = 0; i < feeds.length; i++) {
      const id = this.#applyLocalFeed(feeds[i]!)
      if (id === NO_FEED) continue
      // A feed listed twice is offered twice, each time as it was then.
      batch.add(id)
      // Offer order is the order the remote's Request will list them in (a lookup guess).
      if (previous !== NO_FEED) table.setNextOffered(previous, id)
      previous = id
    }
    if (batch.size === 0) return []
    return chunkManifests(batch.entries(), settings.limits).map((message) => ({
      type: 'send',
      message,
    }))
  }

  /** Updates the view with one local feed; returns its id when it is to be offered now. */
  #applyLocalFeed(feed: LocalFeed): FeedId {
    const feeds = this.#feeds
    const id = feeds.idOf(feed.key)
    feeds.setLocal(id, feed.length, feed.data)
    // Before OPEN the feed simply joins the initial batch, which is built from the table.
    if (this.#phase !== 'open' || !this.#mayOffer(id)) return NO_FEED
    const length = this.#offerLength(id)
    // The remote knows it at this length already: we offered it, or it offered it to us.
    if (feeds.offeredLength(id) >= length || feeds.remoteLength(id) >= length) return NO_FEED
    feeds.setOffered(id, length)
    return id
  }

  // ---- spec 9.2: local lengths ----

  #onLocalLength(key: Key, length: number): SessionAction[] {
    // A key outside the collection has no length to track; the adapter adds feeds first.
    const id = this.#feeds.find(key)
    if (id !== NO_FEED) this.#feeds.raiseLocalLength(id, length)
    return []
  }

  // ---- spec 9.3: forks ----

  #onLocalTruncate(key: Key, length: number): SessionAction[] {
    // Like local-length, a key outside the collection has no local copy to truncate.
    const id = this.#feeds.find(key)
    if (id !== NO_FEED) this.#feeds.truncate(id, length)
    return []
  }

  // ---- spec 7.9: blocking ----

  #onBlock(key: Key): SessionAction[] {
    const id = this.#feeds.idOf(key)
    if (!this.#feeds.block(id)) return []
    return [{ type: 'unreplicate', keys: this.#feeds.keyBlockRun(id, 1) }]
  }

  // ---- 1.1: reconsidering offers and cuts (spec 7.6, 7.9) ----

  /** Offers of these keys that were not wanted are asked about again; the wanted are requested. */
  #onReconsider(keys: Key[]): SessionAction[] {
    const feeds = this.#feeds
    const { maxFeeds } = this.#settings!.limits
    const stamp = feeds.nextStamp()
    const wanted = this.#chosen
    wanted.reset(keys.length)
    const seq = this.#requests.nextSeq
    let previous: FeedId = NO_FEED
    for (let i = 0; i < keys.length; i++) {
      const id = feeds.find(keys[i]!)
      if (id === NO_FEED || feeds.remoteLength(id) === NONE || !feeds.touch(id, stamp)) continue
      if (!this.#wanted(id, maxFeeds)) continue
      feeds.setRequested(id, seq)
      if (previous !== NO_FEED) feeds.setNextRequested(previous, id)
      previous = id
      wanted.push(id)
    }
    if (wanted.length === 0) return []
    this.#requests.push(wanted.at(0), wanted.length)
    // Settled like a batch of the remote's: remote-feeds reports what the Request brings.
    this.#unreportedBatchEnd = true
    return [{ type: 'send', message: { type: 'request', keys: feeds.keyBlock(wanted) } }]
  }

  /** A removed writer's cut (null lifts it); a cut of 0 stops the feed on this connection. */
  #onCut(key: Key, length: number | null): SessionAction[] {
    const feeds = this.#feeds
    const id = feeds.idOf(key)
    feeds.setCut(id, length)
    if (length !== 0 || !feeds.withdraw(id)) return []
    return [{ type: 'unreplicate', keys: feeds.keyBlockRun(id, 1) }]
  }

  // ---- spec 8.2: time ----

  #onTick(now: number, settings: OpenSettings): SessionAction[] {
    if (this.#phase !== 'await-handshake' || now < settings.deadline) return []
    return this.#fail(
      'ERR_HANDSHAKE_TIMEOUT',
      `no verified handshake within ${settings.limits.handshakeTimeout} ms`,
    )
  }

  // ---- rules 5, 7, 8: remote-feeds and synced ----

  /** Appends remote-feeds when the remote's batch is settled, then synced on a transition. */
  #settle(actions: SessionAction[]): void {
    const noneOutstanding = this.#requests.isEmpty
    if (this.#unreportedBatchEnd && !this.#remoteBatchOpen && noneOutstanding) {
      const unreported = this.#unreported
      const reported = this.#chosen
      reported.reset(unreported.length)
      for (let i = 0; i < unreported.length; i++) {
        const id = unreported.at(i)
        // False when blocked since.
        if (this.#feeds.takeUnreported(id)) reported.push(id)
      }
      const keys = this.#feeds.keyBlock(reported)
      unreported.reset(0)
      this.#unreportedBatchEnd = false
      actions.push({ type: 'remote-feeds', keys })
    }
    const synced =
      this.#remoteBatchCompleted &&
      !this.#remoteBatchOpen &&
      noneOutstanding &&
      this.#feeds.laggingCount === 0
    if (synced && !this.#synced) actions.push({ type: 'synced' })
    this.#synced = synced
  }

  // ---- helpers ----

  /** Spec 7.6 step 2.2: room for a key not in the view (reserved from now on when true). */
  #reserveRoom(id: FeedId, maxFeeds: number): boolean {
    if (this.#admission !== null) return this.#admission.reserve(this.#feeds.key(id))
    return this.#feeds.collectionSize + this.#feeds.reservedRoom < maxFeeds
  }

  /**
   * Spec 7.6 step 2.2: an offer is requested when it is not accepted, blocked or outstanding,
   * its cut is not 0, the want policy accepts it and there is room.
   */
  #wanted(id: FeedId, maxFeeds: number): boolean {
    const feeds = this.#feeds
    if (feeds.isAccepted(id) || feeds.isBlocked(id) || feeds.requestSeq(id) !== NONE) return false
    if (feeds.cut(id) === 0) return false
    if (!this.#wantAll && !this.#want(remoteEntry(feeds, id))) return false
    return feeds.localLength(id) !== NONE || this.#reserveRoom(id, maxFeeds)
  }

  /** The length a feed is offered at: the local length, capped at its cut (spec/membership.md 10). */
  #offerLength(id: FeedId): number {
    const feeds = this.#feeds
    const cut = feeds.cut(id)
    const length = feeds.localLength(id)
    return cut === NONE ? length : Math.min(length, cut)
  }

  /**
   * Rules 4 and 6: offered (and agreed) only if held, not blocked, not cut to 0, and the share
   * policy allows.
   */
  #mayOffer(id: FeedId): boolean {
    const feeds = this.#feeds
    if (feeds.localLength(id) === NONE || feeds.isBlocked(id) || feeds.cut(id) === 0) return false
    if (this.#shareAll) return true
    return this.#share({
      key: feeds.key(id),
      length: this.#offerLength(id),
      data: feeds.localData(id),
    })
  }

  #fail(code: ErrorCodeName, message: string, details: FailDetails = {}): SessionAction[] {
    return this.#end(failByPeer(code, message, details, this.#settings!.limits))
  }

  #failDecode(err: unknown, what: string): SessionAction[] {
    if (!(err instanceof DecodeError)) throw err
    const code = LIMIT_DECODE_ERRORS.has(err.code) ? 'ERR_LIMIT_EXCEEDED' : 'ERR_MALFORMED_MESSAGE'
    return this.#fail(code, `bad ${what}: ${err.message}`, { decodeCode: err.code })
  }

  /** Every path that emits `close` goes through here, so closing is sticky. */
  #end(actions: SessionAction[]): SessionAction[] {
    this.#phase = 'closed'
    this.#synced = false
    return actions
  }
}

const KEY_BYTES = 32
/** Ids of room the per-event lists keep between events (the default maxEntriesPerMessage). */
const SCRATCH_KEPT = 4096

/** Events that read or change the local collection view (they load a deferred view first). */
const LOCAL_VIEW_EVENTS = new Set<SessionEvent['type']>([
  'remote-open',
  'local-feed',
  'local-feeds',
  'local-length',
  'block',
  'cut',
])

const NO_LENGTHS = new Float64Array(0)

/** Our offer batch as it is built: each feed's key, offered length and local data when added. */
class OfferBatch {
  readonly #feeds: FeedTable
  readonly #ids: IdList
  #lengths = new Float64Array(0)
  /** Only once some offered feed has data. */
  #data: (Uint8Array | null)[] | null = null

  /** One per session, reused (`ids` is reused scratch space too). */
  constructor(feeds: FeedTable, ids: IdList) {
    this.#feeds = feeds
    this.#ids = ids
  }

  /** Starts a new batch of at most `max` feeds. */
  start(max: number): this {
    this.#ids.reset(max)
    // A new array each batch: the entries handed out keep it.
    this.#lengths = new Float64Array(max)
    this.#data = null
    return this
  }

  get size(): number {
    return this.#ids.length
  }

  add(id: FeedId): void {
    const feeds = this.#feeds
    const at = this.#ids.length
    this.#ids.push(id)
    this.#lengths[at] = feeds.offeredLength(id)
    const data = feeds.localData(id)
    if (data !== null && this.#data === null)
      this.#data = new Array(this.#lengths.length).fill(null)
    if (this.#data !== null) this.#data[at] = data
  }

  /** The batch's entries; the batch lets go of them (they belong to the Manifests now). */
  entries(): EntryBlock {
    const count = this.#ids.length
    const entries = new EntryBlock(
      this.#feeds.keyBlock(this.#ids),
      this.#lengths.subarray(0, count),
      this.#data === null ? null : this.#data.slice(0, count),
    )
    this.#lengths = NO_LENGTHS
    this.#data = null
    return entries
  }
}

/** The entry the want policy sees: the key with the remote's advertised length and newest data. */
function remoteEntry(feeds: FeedTable, id: FeedId): ManifestEntry {
  return { key: feeds.key(id), length: feeds.remoteLength(id), data: feeds.remoteData(id) }
}

/** Compares every byte (no early exit), so timing does not reveal where capabilities differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** Creates a session with the given policies (defaults: want and share everything not blocked). */
export function createSession(options?: SessionOptions): Session {
  return new Session(options)
}

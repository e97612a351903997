/**
 * Prints spec/example.md: a complete exchange between ALICE (initiator) and BOB (responder),
 * produced by driving two src/state Sessions and encoding their messages with src/codec, so
 * the example always matches the implementation. The byte breakdowns are made by a small
 * reader written from spec/multifeed.md (not from src/codec), which also cross-checks the codec.
 *
 * Usage: npx tsx scripts/worked-example.ts > spec/example.md
 * The prose under "Reading the trace" names step numbers: check them after a change.
 */
import b4a from 'b4a'
import c from 'compact-encoding'
import {
  capability,
  capabilityNamespace,
  discoveryKey,
  encodeHandshake,
  encodeMessage,
  MessageType,
} from '../src/codec/index.js'
import type { KeyBlock } from '../src/codec/key-block.js'
import type { ChannelMessage, Handshake, ManifestEntry } from '../src/codec/messages.js'
import { createSession, type Session } from '../src/state/index.js'
import type { LocalFeed, SessionAction, SessionEvent } from '../src/state/types.js'

type Peer = 'ALICE' | 'BOB' | 'MALLORY' | 'BOB2'

const hex = (bytes: Uint8Array) => b4a.toString(bytes, 'hex')
const filled = (byte: number, length = 32) => b4a.alloc(length, byte) as Uint8Array
const sequence = (from: number, length: number) =>
  Uint8Array.from({ length }, (_, i) => (from + i) & 0xff)
const utf8 = (text: string) => b4a.from(text, 'utf8') as Uint8Array

// ---- fixed inputs ----

const MULTIFEED_KEY = sequence(0x00, 32)
const HANDSHAKE_HASH = sequence(0x40, 64)
const FEED_NAMES = new Map<string, string>()
function feedKey(name: string, byte: number): Uint8Array {
  const key = filled(byte)
  FEED_NAMES.set(hex(key), name)
  return key
}
const A1 = feedKey('A1', 0xa1)
const A2 = feedKey('A2', 0xa2)
const A3 = feedKey('A3', 0xa3)
const B1 = feedKey('B1', 0xb1)

const aliceFeeds: LocalFeed[] = [
  { key: A1, length: 2, data: null },
  { key: A2, length: 1, data: utf8('chat') },
]
const bobFeeds: LocalFeed[] = [{ key: B1, length: 5, data: null }]

// ---- a reader written from the spec, used for the byte breakdowns ----

interface Row {
  bytes: Uint8Array
  note: string
}

class SpecReader {
  at = 0
  readonly rows: Row[] = []
  constructor(readonly buf: Uint8Array) {}

  #take(n: number, note: string): Uint8Array {
    if (this.at + n > this.buf.byteLength) throw new Error(`truncated at ${this.at}`)
    const bytes = this.buf.subarray(this.at, this.at + n)
    this.at += n
    this.rows.push({ bytes, note })
    return bytes
  }

  uint(name: string, describe: (n: number) => string = String): number {
    const first = this.buf[this.at]
    if (first === undefined) throw new Error('truncated')
    const size = first <= 0xfc ? 1 : first === 0xfd ? 3 : first === 0xfe ? 5 : 9
    const view = this.buf.subarray(this.at, this.at + size)
    let value = first
    if (size > 1) {
      value = 0
      for (let i = size - 1; i >= 1; i--) value = value * 256 + view[i]!
    }
    this.#take(size, `${name}: uint ${describe(value)}`)
    return value
  }

  bool(name: string): boolean {
    const byte = this.buf[this.at]
    if (byte !== 0 && byte !== 1) throw new Error('bad bool')
    this.#take(1, `${name}: bool ${byte === 1}`)
    return byte === 1
  }

  fixed32(name: string): Uint8Array {
    const key = this.buf.subarray(this.at, this.at + 32)
    const known = FEED_NAMES.get(hex(key))
    return this.#take(32, `${name}: fixed32${known ? ` (feed ${known})` : ''}`)
  }

  bytes(name: string, isString: boolean): void {
    const length = this.uint(`${name} length`)
    const body = this.buf.subarray(this.at, this.at + length)
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body)
    if (length > 0) this.#take(length, `${name}: ${isString ? 'string' : 'buffer'} "${text}"`)
  }

  end(): Row[] {
    if (this.at !== this.buf.byteLength) throw new Error('trailing bytes')
    return this.rows
  }
}

const flagsNote = (names: string[]) => (n: number) =>
  `${n}${n === 0 ? ' (no bits set)' : ` (${names.filter((_, i) => n & (1 << i)).join(', ')})`}`

function readHandshake(bytes: Uint8Array): Row[] {
  const r = new SpecReader(bytes)
  r.uint('major')
  r.uint('minor')
  const flags = r.uint('flags', flagsNote(['bit 0: userData present']))
  r.bytes('client', true)
  r.fixed32('capability')
  if (flags & 1) r.bytes('userData', false)
  return r.end()
}

function readMessage(type: number, bytes: Uint8Array): Row[] {
  const r = new SpecReader(bytes)
  if (type === MessageType.Manifest) {
    r.bool('more')
    const count = r.uint('entries count')
    for (let i = 0; i < count; i++) {
      const flags = r.uint(`entry ${i} flags`, flagsNote(['bit 0: data present']))
      r.fixed32(`entry ${i} key`)
      r.uint(`entry ${i} length`)
      if (flags & 1) r.bytes(`entry ${i} data`, false)
    }
  } else if (type === MessageType.Request || type === MessageType.Replicate) {
    r.uint('flags', flagsNote([]))
    const count = r.uint('keys count')
    for (let i = 0; i < count; i++) r.fixed32(`key ${i}`)
  } else {
    r.uint('flags', flagsNote([]))
    r.uint('code')
    r.bytes('reason', true)
  }
  return r.end()
}

// ---- markdown output ----

const out: string[] = []
const line = (text = '') => out.push(text)

function breakdown(rows: Row[]): void {
  line('```')
  line(hex(concat(rows.map((row) => row.bytes))))
  line()
  for (const row of rows) {
    const h = hex(row.bytes)
    // Long fields (keys, capabilities) on their own line, then the note.
    if (h.length > 32) {
      line(`${h}`)
      line(`${''.padEnd(32)}  ${row.note}`)
    } else {
      line(`${h.padEnd(32)}  ${row.note}`)
    }
  }
  line('```')
}

function concat(parts: Uint8Array[]): Uint8Array {
  return b4a.concat(parts) as Uint8Array
}

const MESSAGE_NAMES = ['Manifest', 'Request', 'Replicate', 'Close']

function keyList(keys: KeyBlock): string {
  return `[${keys.map((k) => FEED_NAMES.get(hex(k)) ?? hex(k)).join(', ')}]`
}

function describeAction(action: SessionAction): string {
  switch (action.type) {
    case 'send':
      return `send ${action.message.type === 'handshake' ? 'Handshake' : MESSAGE_NAMES[typeOf(action.message)]}`
    case 'timer':
      return `timer{at: ${action.at}}`
    case 'remote-handshake':
      return `remote-handshake{major: ${action.major}, minor: ${action.minor}, client: "${action.client}", userData: ${action.userData === null ? 'null' : `"${b4a.toString(action.userData, 'utf8')}"`}}`
    case 'add-feeds':
      return `add-feeds{${action.feeds.map((f: ManifestEntry) => `${FEED_NAMES.get(hex(f.key))} length ${f.length}`).join(', ')}}`
    case 'replicate':
    case 'unreplicate':
    case 'remote-feeds':
      return `${action.type}{${keyList(action.keys)}}`
    case 'synced':
      return 'synced'
    case 'fail':
      return `fail{${action.code}}`
    case 'close':
      return `close{by: ${action.by}}`
  }
}

function typeOf(message: ChannelMessage): number {
  const types = { manifest: 0, request: 1, replicate: 2, close: 3 } as const
  return types[message.type]
}

// ---- driving the two sessions ----

interface Delivery {
  to: Peer
  event: SessionEvent
  label: string
}

const sessions: Record<Peer, Session> = {
  ALICE: createSession(),
  BOB: createSession(),
  MALLORY: createSession(),
  BOB2: createSession(),
}
const OTHER: Record<Peer, Peer> = { ALICE: 'BOB', BOB: 'ALICE', MALLORY: 'BOB2', BOB2: 'MALLORY' }
const other = (peer: Peer): Peer => OTHER[peer]
/** BOB2 is BOB on a second connection (his second session); it prints as BOB. */
const shown = (peer: Peer) => (peer === 'BOB2' ? 'BOB' : peer)
const queue: Delivery[] = []
const addedByPeer: Record<Peer, ManifestEntry[]> = { ALICE: [], BOB: [], MALLORY: [], BOB2: [] }
let step = 0

function handle(peer: Peer, event: SessionEvent, label: string): void {
  step++
  line(`### ${step}. ${shown(peer)}: ${label}`)
  line()
  const actions = sessions[peer].handle(event)
  if (actions.length === 0) line('No actions.')
  const sent: Array<() => void> = []
  for (const action of actions) {
    line(`- ${describeAction(action)}`)
    if (action.type === 'add-feeds') addedByPeer[peer].push(...action.feeds)
    if (action.type !== 'send') continue
    const message = action.message
    if (message.type === 'handshake') {
      const bytes = encodeHandshake(message as Handshake)
      sent.push(() => {
        line(`${shown(peer)}'s Handshake, ${bytes.byteLength} bytes:`)
        line()
        breakdown(readHandshake(bytes))
      })
      queue.push({
        to: other(peer),
        event: { type: 'remote-open', body: bytes },
        label: `receives ${shown(peer)}'s Handshake (remote-open)`,
      })
    } else {
      const type = typeOf(message)
      const bytes = encodeMessage(message)
      sent.push(() => {
        line(`${shown(peer)}'s ${MESSAGE_NAMES[type]} (type ${type}), ${bytes.byteLength} bytes:`)
        line()
        breakdown(readMessage(type, bytes))
      })
      queue.push({
        to: other(peer),
        event: { type: 'message', messageType: type, body: bytes },
        label: `receives ${shown(peer)}'s ${MESSAGE_NAMES[type]}`,
      })
    }
  }
  line()
  for (const show of sent) {
    show()
    line()
  }
}

function drain(): void {
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    handle(next.to, next.event, next.label)
  }
}

/**
 * The added feeds enter the collection, so the host tells every session (this one too) with
 * local-feed; then Hypercore replication (outside this protocol) brings them to the
 * advertised length, which the host reports with local-length.
 */
function replicationCatchesUp(peer: Peer): void {
  const added = addedByPeer[peer].splice(0)
  for (const feed of added) {
    handle(
      peer,
      { type: 'local-feed', feed: { key: feed.key, length: 0, data: feed.data } },
      `${FEED_NAMES.get(hex(feed.key))} enters the collection, still empty (local-feed, length 0)`,
    )
  }
  for (const feed of added) {
    handle(
      peer,
      { type: 'local-length', key: feed.key, length: feed.length },
      `Hypercore replication brings ${FEED_NAMES.get(hex(feed.key))} to length ${feed.length} (local-length)`,
    )
  }
}

const nsHex = capabilityNamespace().map(hex)
const capAlice = capability(MULTIFEED_KEY, HANDSHAKE_HASH, 'initiator')
const capBob = capability(MULTIFEED_KEY, HANDSHAKE_HASH, 'responder')

line('<!-- Generated by scripts/worked-example.ts: do not edit by hand. -->')
line()
line('# Worked example (informative)')
line()
line('A complete session between ALICE (initiator) and BOB (responder), produced by driving two')
line('reference sessions (`src/state`) and encoding their messages with the reference codec')
line('(`src/codec`). The byte breakdowns come from a separate reader written from')
line(
  '[multifeed.md](multifeed.md). Regenerate with `npx tsx scripts/worked-example.ts > spec/example.md`.',
)
line()
line('Messages are shown as the bodies of section 5; the protomux framing around them is')
line('shown once, at the end. Each step is one event given to one session, followed by the')
line('actions it returned, in order. Messages are delivered in the order they were sent.')
line()
line('## Inputs')
line()
line('```')
line(`multifeed key   ${hex(MULTIFEED_KEY)}`)
line(`handshake hash  ${hex(HANDSHAKE_HASH)}`)
line('                (in a real connection: the Noise handshake hash; fixed here)')
line(`feed A1 key     ${hex(A1)}   ALICE, length 2, no data`)
line(`feed A2 key     ${hex(A2)}   ALICE, length 1, data "chat"`)
line(`feed B1 key     ${hex(B1)}   BOB, length 5, no data`)
line(`feed A3 key     ${hex(A3)}   ALICE writes it later, length 1`)
line('client          "multifeed" on both sides')
line('userData        ALICE "alice", BOB none')
line('policies        share and want everything; nothing blocked; default limits')
line('clock           both open at 0 ms')
line('```')
line()
line('Derived values (multifeed.md section 4):')
line()
line('```')
line(`discovery key             ${hex(discoveryKey(MULTIFEED_KEY))}`)
line(`NS[0] (initiator)         ${nsHex[0]}`)
line(`NS[1] (responder)         ${nsHex[1]}`)
line(`capability(ALICE, init.)  ${hex(capAlice)}`)
line(`capability(BOB, resp.)    ${hex(capBob)}`)
line('```')
line()
line('## Trace')
line()

const baseOpen = {
  type: 'open',
  now: 0,
  client: 'multifeed',
  blocked: [],
  // The example is a 1.0 exchange (minor 0): 1.1 changes only the minor for an open multifeed.
  minor: 0,
} as const

handle(
  'ALICE',
  {
    ...baseOpen,
    role: 'initiator',
    userData: utf8('alice'),
    localCapability: capAlice,
    remoteCapability: capBob,
    feeds: aliceFeeds,
  },
  'open (initiator, feeds A1, A2)',
)
handle(
  'BOB',
  {
    ...baseOpen,
    role: 'responder',
    userData: null,
    localCapability: capBob,
    remoteCapability: capAlice,
    feeds: bobFeeds,
  },
  'open (responder, feed B1)',
)
drain()
replicationCatchesUp('ALICE')
replicationCatchesUp('BOB')

line('ALICE writes a new feed A3 (one block). It enters her collection, so every open session')
line('of the multifeed gets a `local-feed` event: a live announcement.')
line()
handle(
  'ALICE',
  { type: 'local-feed', feed: { key: A3, length: 1, data: null } },
  'local-feed A3, length 1',
)
drain()
replicationCatchesUp('BOB')
handle('ALICE', { type: 'close' }, 'close (the application closes the session)')
drain()

line('## Reading the trace')
line()
line('- Each side sends its Handshake at open, without waiting (steps 1 and 2), and its first')
line('  Manifest as soon as it has verified the remote Handshake, without waiting for anything')
line('  else: BOB offers B1 (step 3) before ALICE has verified his Handshake (step 4).')
line('- Each Manifest is answered by a Request for the wanted keys; each Request by exactly one')
line('  Replicate. Requests do not wait for Replicates.')
line('- `remote-feeds` fires once the remote batch is complete and every Request is answered')
line('  (steps 9 and 10); `synced` waits until the accepted feeds reach the advertised lengths')
line('  (steps 12 and 16).')
line('- A feed that enters the collection from this session is not offered back: the remote')
line('  advertised it at a length at least as high (steps 11, 13, 14, 21).')
line('- A3 is a live announcement: a batch of one Manifest with `more = false`. BOB becomes')
line('  not synced while his Request is outstanding and after the Replicate until A3 arrives,')
line('  then `synced` fires again (step 22).')
line()

// ---- a peer that knows only the discovery key ----

const MALLORY_HASH = sequence(0x80, 64)
// MALLORY cannot compute the capability: she guesses with a key of her own.
const malloryGuess = capability(filled(0xee), MALLORY_HASH, 'initiator')
const bobCapOnSecond = capability(MULTIFEED_KEY, MALLORY_HASH, 'responder')
const malloryExpects = capability(filled(0xee), MALLORY_HASH, 'responder')
const bobExpects = capability(MULTIFEED_KEY, MALLORY_HASH, 'initiator')

line('## A peer without the key')
line()
line('MALLORY found the discovery key and opens a channel for the multifeed on a new connection')
line(
  `to BOB (handshake hash \`${hex(MALLORY_HASH).slice(0, 16)}…\`, bytes 80 to bf). She does not have`,
)
line('the multifeed key, so the capability she sends is a guess. BOB sends nothing but his')
line('Handshake before he has verified hers, so she learns no feed key.')
line()
step = 0
handle(
  'MALLORY',
  {
    ...baseOpen,
    role: 'initiator',
    userData: null,
    localCapability: malloryGuess,
    remoteCapability: malloryExpects,
    feeds: [],
  },
  'open (initiator)',
)
handle(
  'BOB2',
  {
    ...baseOpen,
    role: 'responder',
    userData: null,
    localCapability: bobCapOnSecond,
    remoteCapability: bobExpects,
    feeds: bobFeeds,
  },
  'open (responder, feed B1)',
)
drain()
line('Both sides fail with `ERR_BAD_CAPABILITY` and tell the other in a Close (code 3); a Close')
line('that arrives after the session closed is ignored. BOB never sent a Manifest.')
line()

// ---- protomux framing of two of the messages above (informative) ----

const dk = discoveryKey(MULTIFEED_KEY)
const aliceHandshake = encodeHandshake({
  type: 'handshake',
  major: 1,
  minor: 0,
  client: 'multifeed',
  capability: capAlice,
  userData: utf8('alice'),
})
const openFrame = frame((state, encode) => {
  encode(c.uint, 0) // control channel
  encode(c.uint, 1) // open
  encode(c.uint, 1) // ALICE's local channel id (first channel on the stream)
  encode(c.string, 'multifeed')
  encode(c.buffer, dk)
  encode(c.raw, aliceHandshake)
  return state
})
const closeBody = encodeMessage({ type: 'close', code: 0, reason: '' })
const messageFrame = frame((state, encode) => {
  encode(c.uint, 1) // channel id
  encode(c.uint, MessageType.Close)
  encode(c.raw, closeBody)
  return state
})

type Encode = <T>(enc: c.Encoder<T>, value: T) => void
function frame(build: (state: c.State, encode: Encode) => c.State): Uint8Array {
  const state: c.State = { start: 0, end: 0, buffer: null }
  build(state, (enc, value) => enc.preencode(state, value))
  state.buffer = b4a.allocUnsafe(state.end)
  build(state, (enc, value) => enc.encode(state, value))
  return state.buffer
}

line('## protomux framing (informative)')
line()
line("On protomux (multifeed.md section 12), ALICE's Handshake of step 1 travels in the")
line('channel-open message, assuming the multifeed channel is the first channel ALICE opens on')
line('the stream (local channel id 1):')
line()
line('```')
line(hex(openFrame))
line('```')
line()
line('`00` control channel, `01` open, `01` channel id, `09` + "multifeed" protocol, `20` + 32')
line('bytes discovery key (id), then the Handshake bytes unchanged.')
line()
line("and ALICE's Close of step 23 is the channel message")
line()
line('```')
line(hex(messageFrame))
line('```')
line()
line('`01` channel id, `03` message type (Close), then the Close body. protomux may batch several')
line('messages into one frame; the encrypted stream beneath adds its own length prefix. Both are')
line("protomux's and secret-stream's business, not this protocol's.")

process.stdout.write(`${out.join('\n')}\n`)

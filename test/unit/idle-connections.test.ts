/**
 * Connections without sessions (spec/collection.md section 10), rule by rule. Expectations are
 * written from the spec's text, not from the implementation's output.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type CloseConnectionAction,
  channelOutcome,
  DEFAULT_IDLE_GRACE,
  IdleConnections,
  type IdleConnectionsAction,
  type IdleConnectionsEvent,
} from '../../src/state/idle-connections.js'

const closes = (actions: IdleConnectionsAction[]): CloseConnectionAction[] =>
  actions.filter((action) => action.type === 'close-connection')
const timers = (actions: IdleConnectionsAction[]) =>
  actions.filter((action) => action.type === 'timer')

/** A connection `conn` opened at `now` with channels 1..n opened at once. */
function opened(idle: IdleConnections, conn: number, now: number, channels = 0): void {
  idle.handle({ type: 'connection-opened', conn, now })
  for (let channel = 1; channel <= channels; channel++) {
    idle.handle({ type: 'channel-opened', conn, channel })
  }
}

describe('10.1 outcomes', () => {
  test('session error codes fail, ERR_CHANNEL_REJECTED refuses, everything else ends', () => {
    for (const code of [
      'ERR_VERSION_MISMATCH',
      'ERR_CLIENT_MISMATCH',
      'ERR_BAD_CAPABILITY',
      'ERR_HANDSHAKE_TIMEOUT',
      'ERR_MALFORMED_MESSAGE',
      'ERR_LIMIT_EXCEEDED',
      'ERR_UNEXPECTED_MESSAGE',
      'ERR_NOT_OFFERED',
      'ERR_NOT_REQUESTED',
      'ERR_REMOTE_UNKNOWN',
    ]) {
      expect(channelOutcome(code), code).toBe('failed')
    }
    expect(channelOutcome('ERR_CHANNEL_REJECTED')).toBe('refused')
    for (const code of [null, 'OK', 'ERR_INTERNAL', 'ERR_CLOSED', 'ERR_ALREADY_ATTACHED']) {
      expect(channelOutcome(code), String(code)).toBe('ended')
    }
  })
})

describe('10.2 idle connections', () => {
  test('a connection that never carries a channel closes exactly one grace period after it opened', () => {
    const idle = new IdleConnections({ grace: 1000 })
    expect(idle.handle({ type: 'connection-opened', conn: 1, now: 50 })).toEqual([
      { type: 'timer', at: 1050 },
    ])
    // A tick before the deadline only restates the timer.
    expect(idle.handle({ type: 'tick', now: 1049 })).toEqual([{ type: 'timer', at: 1050 }])
    // The tick used the timer up and nothing else waits: no new timer.
    expect(idle.handle({ type: 'tick', now: 1050 })).toEqual([
      { type: 'close-connection', conn: 1, ban: false },
    ])
    // Decided once: later ticks say nothing more about it.
    expect(idle.handle({ type: 'tick', now: 5000 })).toEqual([])
  })

  test('the default grace is 5000 ms', () => {
    const idle = new IdleConnections()
    expect(idle.grace).toBe(DEFAULT_IDLE_GRACE)
    expect(DEFAULT_IDLE_GRACE).toBe(5000)
    expect(idle.handle({ type: 'connection-opened', conn: 1, now: 0 })).toEqual([
      { type: 'timer', at: 5000 },
    ])
  })

  test('a channel keeps it open however long; the grace starts when the last channel closes', () => {
    const idle = new IdleConnections({ grace: 100 })
    opened(idle, 7, 0, 2)
    expect(closes(idle.handle({ type: 'tick', now: 10_000 }))).toEqual([])
    expect(
      idle.handle({ type: 'channel-closed', conn: 7, channel: 1, now: 10_000, code: null }),
    ).toEqual([])
    expect(
      idle.handle({ type: 'channel-closed', conn: 7, channel: 2, now: 10_050, code: null }),
    ).toEqual([{ type: 'timer', at: 10_150 }])
    expect(closes(idle.handle({ type: 'tick', now: 10_149 }))).toEqual([])
    expect(closes(idle.handle({ type: 'tick', now: 10_150 }))).toEqual([
      { type: 'close-connection', conn: 7, ban: false },
    ])
  })

  test('a channel that opens within the grace period cancels the close; the next idle period starts afresh', () => {
    const idle = new IdleConnections({ grace: 100 })
    opened(idle, 1, 0, 1)
    idle.handle({ type: 'channel-closed', conn: 1, channel: 1, now: 0, code: null })
    expect(idle.handle({ type: 'channel-opened', conn: 1, channel: 2 })).toEqual([
      { type: 'timer', at: null },
    ])
    expect(closes(idle.handle({ type: 'tick', now: 100 }))).toEqual([])
    idle.handle({ type: 'channel-closed', conn: 1, channel: 2, now: 500, code: null })
    expect(closes(idle.handle({ type: 'tick', now: 599 }))).toEqual([])
    expect(closes(idle.handle({ type: 'tick', now: 600 }))).toHaveLength(1)
  })

  test('a busy connection is not closed: the grace starts again, and no second close comes before it ends', () => {
    const idle = new IdleConnections({ grace: 100 })
    opened(idle, 1, 0)
    expect(closes(idle.handle({ type: 'tick', now: 100 }))).toHaveLength(1)
    expect(idle.handle({ type: 'connection-busy', conn: 1, now: 130 })).toEqual([
      { type: 'timer', at: 230 },
    ])
    expect(closes(idle.handle({ type: 'tick', now: 229 }))).toEqual([])
    expect(closes(idle.handle({ type: 'tick', now: 230 }))).toEqual([
      { type: 'close-connection', conn: 1, ban: false },
    ])
  })

  test('channel events after a close decision are still recorded: a channel open when the close turns out busy keeps it', () => {
    const idle = new IdleConnections({ grace: 100 })
    opened(idle, 1, 0)
    idle.handle({ type: 'tick', now: 100 })
    idle.handle({ type: 'channel-opened', conn: 1, channel: 9 })
    expect(idle.handle({ type: 'connection-busy', conn: 1, now: 150 })).toEqual([])
    expect(closes(idle.handle({ type: 'tick', now: 10_000 }))).toEqual([])
    idle.handle({ type: 'channel-closed', conn: 1, channel: 9, now: 10_000, code: null })
    expect(closes(idle.handle({ type: 'tick', now: 10_100 }))).toHaveLength(1)
  })

  test('several connections: one timer at the earliest deadline; closes in opening order; a closed connection drops out', () => {
    const idle = new IdleConnections({ grace: 100 })
    opened(idle, 3, 0, 1)
    opened(idle, 1, 0, 1)
    opened(idle, 2, 0, 1)
    idle.handle({ type: 'channel-closed', conn: 2, channel: 1, now: 40, code: null })
    idle.handle({ type: 'channel-closed', conn: 1, channel: 1, now: 20, code: null })
    expect(
      idle.handle({ type: 'channel-closed', conn: 3, channel: 1, now: 30, code: null }),
    ).toEqual([]) // the earliest deadline (120, connection 1) stands
    expect(idle.handle({ type: 'connection-closed', conn: 1 })).toEqual([
      { type: 'timer', at: 130 },
    ])
    expect(closes(idle.handle({ type: 'tick', now: 140 })).map((c) => c.conn)).toEqual([3, 2])
    expect(idle.connections).toEqual([3, 2])
    idle.handle({ type: 'connection-closed', conn: 3 })
    idle.handle({ type: 'connection-closed', conn: 2 })
    expect(idle.connections).toEqual([])
  })

  test('events about unknown channels or connections are ignored', () => {
    const idle = new IdleConnections({ grace: 100 })
    expect(idle.handle({ type: 'channel-opened', conn: 4, channel: 1 })).toEqual([])
    expect(
      idle.handle({ type: 'channel-closed', conn: 4, channel: 1, now: 0, code: null }),
    ).toEqual([])
    expect(idle.handle({ type: 'connection-busy', conn: 4, now: 0 })).toEqual([])
    expect(idle.handle({ type: 'connection-closed', conn: 4 })).toEqual([])
    opened(idle, 4, 0, 1)
    // A close for a channel never opened changes nothing: the connection still carries one.
    idle.handle({ type: 'channel-closed', conn: 4, channel: 2, now: 0, code: 'ERR_BAD_CAPABILITY' })
    expect(closes(idle.handle({ type: 'tick', now: 10_000 }))).toEqual([])
  })
})

describe('10.3 bans', () => {
  /** Opens a connection with one channel per code, closes each with its code, runs out the grace. */
  function closeAfter(codes: Array<string | null>): CloseConnectionAction[] {
    const idle = new IdleConnections({ grace: 10 })
    opened(idle, 1, 0, codes.length)
    codes.forEach((code, index) => {
      idle.handle({ type: 'channel-closed', conn: 1, channel: index + 1, now: 0, code })
    })
    return closes(idle.handle({ type: 'tick', now: 10 }))
  }

  test('a peer whose channels all failed is banned', () => {
    expect(closeAfter(['ERR_HANDSHAKE_TIMEOUT'])).toEqual([
      { type: 'close-connection', conn: 1, ban: true },
    ])
    expect(closeAfter(['ERR_BAD_CAPABILITY', 'ERR_HANDSHAKE_TIMEOUT'])[0]?.ban).toBe(true)
    expect(closeAfter(['ERR_REMOTE_UNKNOWN'])[0]?.ban).toBe(true)
  })

  test('refusals count for neither side: failed and refused bans, refused alone does not', () => {
    expect(closeAfter(['ERR_BAD_CAPABILITY', 'ERR_CHANNEL_REJECTED'])[0]?.ban).toBe(true)
    expect(closeAfter(['ERR_CHANNEL_REJECTED', 'ERR_CHANNEL_REJECTED'])[0]?.ban).toBe(false)
  })

  test('one channel that ended (normal close, local error) rules the ban out', () => {
    expect(closeAfter(['ERR_BAD_CAPABILITY', null])[0]?.ban).toBe(false)
    expect(closeAfter(['ERR_HANDSHAKE_TIMEOUT', 'ERR_INTERNAL'])[0]?.ban).toBe(false)
    expect(closeAfter([null])[0]?.ban).toBe(false)
    expect(closeAfter([])[0]?.ban).toBe(false) // never carried anything
  })

  test('the history of a connection counts, not only its last idle period', () => {
    const idle = new IdleConnections({ grace: 10 })
    opened(idle, 1, 0, 1)
    idle.handle({ type: 'channel-closed', conn: 1, channel: 1, now: 0, code: null })
    idle.handle({ type: 'channel-opened', conn: 1, channel: 2 })
    idle.handle({ type: 'channel-closed', conn: 1, channel: 2, now: 5, code: 'ERR_BAD_CAPABILITY' })
    expect(closes(idle.handle({ type: 'tick', now: 15 }))).toEqual([
      { type: 'close-connection', conn: 1, ban: false },
    ])
  })
})

describe('local misuse', () => {
  test('bad settings and values throw with codes; a second open of a connection is a state error', () => {
    for (const grace of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as never]) {
      expect(() => new IdleConnections({ grace })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      )
    }
    const idle = new IdleConnections({ grace: 0 })
    idle.handle({ type: 'connection-opened', conn: 1, now: 0 })
    expect(() => idle.handle({ type: 'connection-opened', conn: 1, now: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    )
    const bad: unknown[] = [
      null,
      { type: 'nope' },
      { type: 'tick', now: Number.NaN },
      { type: 'connection-opened', conn: -1, now: 0 },
      { type: 'channel-opened', conn: 1, channel: 1.5 },
      { type: 'channel-closed', conn: 1, channel: 1, now: 0, code: 5 },
    ]
    for (const event of bad) {
      expect(() => idle.handle(event as IdleConnectionsEvent), JSON.stringify(event)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('against a naive model', () => {
  /** Random events on three connections and four channel names, with time moving forward. */
  const events = fc.array(
    fc.tuple(
      fc.constantFrom('open', 'channel', 'close-ch', 'busy', 'closed', 'tick'),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 80 }),
      fc.constantFrom(null, 'ERR_BAD_CAPABILITY', 'ERR_CHANNEL_REJECTED', 'ERR_INTERNAL'),
    ),
    { maxLength: 60 },
  )

  test('closes exactly the connections idle for the grace period, with the ban the outcomes give, and keeps the timer at the earliest deadline', () => {
    fc.assert(
      fc.property(events, (script) => {
        const grace = 50
        const idle = new IdleConnections({ grace })
        // The model: per connection, open channel names, idle-since, decided, outcome counts.
        const model = new Map<
          number,
          { open: Set<number>; since: number | null; decided: boolean; f: number; e: number }
        >()
        let now = 0
        let timer: number | null = null
        for (const [kind, conn, channel, step, code] of script) {
          now += step
          const m = model.get(conn)
          let event: IdleConnectionsEvent
          if (kind === 'open') {
            if (m) continue
            model.set(conn, { open: new Set(), since: now, decided: false, f: 0, e: 0 })
            event = { type: 'connection-opened', conn, now }
          } else if (kind === 'channel') {
            if (m) {
              m.open.add(channel)
              m.since = null
            }
            event = { type: 'channel-opened', conn, channel }
          } else if (kind === 'close-ch') {
            if (m?.open.delete(channel)) {
              const outcome = channelOutcome(code)
              if (outcome === 'failed') m.f++
              if (outcome === 'ended') m.e++
              if (m.open.size === 0) m.since = now
            }
            event = { type: 'channel-closed', conn, channel, now, code }
          } else if (kind === 'busy') {
            if (m) {
              m.decided = false
              m.since = m.open.size === 0 ? now : null
            }
            event = { type: 'connection-busy', conn, now }
          } else if (kind === 'closed') {
            model.delete(conn)
            event = { type: 'connection-closed', conn }
          } else {
            event = { type: 'tick', now }
          }
          const actions = idle.handle(event)
          const expected: IdleConnectionsAction[] = []
          if (kind === 'tick') {
            for (const [id, c] of model) {
              if (c.decided || c.since === null || c.since + grace > now) continue
              c.decided = true
              expected.push({ type: 'close-connection', conn: id, ban: c.f > 0 && c.e === 0 })
            }
          }
          expect(closes(actions)).toEqual(expected)
          for (const t of timers(actions)) timer = t.at
          if (kind === 'tick' && timers(actions).length === 0) timer = null
          const deadlines = [...model.values()]
            .filter((c) => !c.decided && c.since !== null)
            .map((c) => c.since! + grace)
          const earliest = deadlines.length === 0 ? null : Math.min(...deadlines)
          // The caller's timer (a tick used the old one up) is always the earliest deadline.
          expect(timer).toBe(earliest)
        }
      }),
      { numRuns: 300 },
    )
  })
})

/**
 * The live progress line of `seed` and `sync`: peers, feeds held / accepted, blocks held /
 * advertised. On a terminal it is redrawn in place (standard error); otherwise each change is a
 * line of its own, at most one a second except when the peer count or the sync state changes.
 * With --json each of those is a JSON line on standard output.
 */
import type { Output } from './output.js'

/** What Multifeed.progress() and its 'progress' event give. */
export interface Progress {
  peers: number
  feedsAccepted: number
  feedsHeld: number
  blocksAdvertised: number
  blocksHeld: number
  synced: boolean
}

const TERMINAL_INTERVAL_MS = 100
const LINE_INTERVAL_MS = 1000

export function describeProgress(p: Progress): string {
  if (p.peers === 0) return `${countOf(p)}, looking for peers`
  return `${countOf(p)}, ${holdings(p)}, ${p.synced ? 'synced' : 'syncing'}`
}

/** "1 peer", "2 peers". */
export function countOf(p: Progress): string {
  return `${p.peers} ${p.peers === 1 ? 'peer' : 'peers'}`
}

/** Feeds held / accepted and blocks held / advertised. */
export function holdings(p: Progress): string {
  return `feeds ${p.feedsHeld}/${p.feedsAccepted} held, blocks ${p.blocksHeld}/${p.blocksAdvertised} held`
}

export class ProgressLine {
  readonly #out: Output
  readonly #terminal: boolean
  readonly #interval: number
  #shown: Progress | null = null
  #shownAt = 0
  #pending: Progress | null = null
  #timer: ReturnType<typeof setTimeout> | null = null
  #drawn = false

  constructor(out: Output) {
    this.#out = out
    this.#terminal = !out.json && out.stderr.isTTY === true
    this.#interval = this.#terminal ? TERMINAL_INTERVAL_MS : LINE_INTERVAL_MS
  }

  update(progress: Progress): void {
    const shown = this.#shown
    if (shown !== null && same(shown, progress)) return
    const turning =
      shown === null || shown.peers !== progress.peers || shown.synced !== progress.synced
    const wait = this.#shownAt + this.#interval - Date.now()
    if (turning || wait <= 0) {
      this.#show(progress)
      return
    }
    this.#pending = progress
    this.#timer ??= setTimeout(() => {
      this.#timer = null
      if (this.#pending !== null) this.#show(this.#pending)
    }, wait)
  }

  /** Shows `last` (or what is pending) and ends the line on a terminal. */
  finish(last?: Progress): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const final = last ?? this.#pending
    if (final !== null && (this.#shown === null || !same(this.#shown, final))) this.#show(final)
    if (this.#drawn) this.#out.stderr.write('\n')
    this.#drawn = false
  }

  #show(progress: Progress): void {
    this.#pending = null
    this.#shown = { ...progress }
    this.#shownAt = Date.now()
    if (this.#out.json) {
      this.#out.data(JSON.stringify({ event: 'progress', ...progress }))
    } else if (this.#terminal) {
      this.#out.stderr.write(`\r\x1b[2K${describeProgress(progress)}`)
      this.#drawn = true
    } else {
      this.#out.stderr.write(`${describeProgress(progress)}\n`)
    }
  }
}

function same(a: Progress, b: Progress): boolean {
  return (
    a.peers === b.peers &&
    a.feedsAccepted === b.feedsAccepted &&
    a.feedsHeld === b.feedsHeld &&
    a.blocksAdvertised === b.blocksAdvertised &&
    a.blocksHeld === b.blocksHeld &&
    a.synced === b.synced
  )
}

import type { Duplex } from 'node:stream'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'

/** Resolves when every core holds its first block (contiguousLength >= 1). */
export class FirstBlockWatch {
  private left: number
  private readonly done: Promise<void>
  private resolve!: () => void
  private readonly seen = new Set<Hypercore>()

  constructor(expected: number) {
    this.left = expected
    this.done = new Promise((resolve) => {
      this.resolve = resolve
    })
    if (expected === 0) this.resolve()
  }

  /** Starts watching a core; counts it once its first block is stored. */
  watch(core: Hypercore): void {
    const check = (): void => {
      if (core.contiguousLength < 1 || this.seen.has(core)) return
      this.seen.add(core)
      core.off('download', check)
      core.off('append', check)
      if (--this.left === 0) this.resolve()
    }
    core.on('download', check)
    core.on('append', check)
    check()
  }

  get remaining(): number {
    return this.left
  }

  /** Resolves when every core has its first block; rejects (naming `what`) after `timeoutMs`. */
  wait(timeoutMs = Number.POSITIVE_INFINITY, what = 'replication'): Promise<void> {
    if (!Number.isFinite(timeoutMs)) return this.done
    let timer: NodeJS.Timeout | undefined
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what}: ${this.left} feeds still without a block after ${timeoutMs} ms`))
      }, timeoutMs)
    })
    return Promise.race([this.done, expiry]).finally(() => clearTimeout(timer))
  }
}

/** A generous bound for one replication run of `feeds` feeds, so a stall fails instead of hanging. */
export function runTimeoutMs(feeds: number): number {
  return 60_000 + feeds * 30
}

/** Two replication streams piped into each other (no network: Noise handshake + protomux only). */
export function pipeStreams(a: Duplex, b: Duplex): () => void {
  a.pipe(b).pipe(a)
  return () => {
    a.destroy()
    b.destroy()
  }
}

/**
 * The floor: raw Corestore replication of `keys` from `source` into a fresh store at `dir`, the
 * keys handed over out of band. Timed from the stream connection to the last first block stored.
 */
export async function floorRun(
  source: Corestore,
  keys: Uint8Array[],
  dir: string,
): Promise<RunTiming> {
  const target = new Corestore(dir)
  await target.ready()
  const watch = new FirstBlockWatch(keys.length)
  const timer = startTiming()
  const stop = pipeStreams(source.replicate(true), target.replicate(false))
  for (const key of keys) {
    const core = target.get({ key })
    watch.watch(core)
    // Same download policy as a non-sparse multifeed: the whole feed, live.
    core.ready().then(() => {
      core.download({ start: 0, end: -1 })
      watch.watch(core)
    }, noop)
  }
  try {
    await watch.wait(runTimeoutMs(keys.length), 'floor')
    return timer()
  } finally {
    stop()
    await target.close()
  }
}

/** Wall time and this process's CPU time (both peers run in it) of one run, in ms. */
export interface RunTiming {
  wallMs: number
  cpuMs: number
}

/** Starts a measurement; call the result to read it. */
export function startTiming(): () => RunTiming {
  const wall = performance.now()
  const cpu = process.cpuUsage()
  return () => {
    const used = process.cpuUsage(cpu)
    return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 }
  }
}

function noop(): void {}

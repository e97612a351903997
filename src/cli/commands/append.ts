/**
 * `append`: text, or one block per line of standard input, to a local writer. With --seed the
 * process stays online while it appends and afterwards, so peers get each block as it is written.
 */
import { createInterface } from 'node:readline'
import type Hypercore from 'hypercore'
import type { Context } from '../context.js'
import { usageError } from '../errors.js'
import { reportJoined, seedUntilStopped } from './sync.js'

export interface AppendArguments {
  /** The text, or '-' for standard input. */
  text: string | undefined
  writer: string
  seed: boolean
}

/** Lines appended in one batch at most (a batch is one write). */
const MAX_BATCH = 1024

export async function append(ctx: Context, args: AppendArguments): Promise<void> {
  if (args.text === undefined) {
    throw usageError('append needs TEXT, or - to append each line of standard input')
  }
  const workspace = await ctx.open({ mode: 'existing' })
  const core = await workspace.multifeed.writer(args.writer)
  const online = args.seed ? await ctx.online(workspace, true) : null
  if (args.seed) {
    if (online === null) return // stopped while joining
    // Ctrl-C is how an appending seeder ends: no interruption.
    ctx.runsUntilStopped = true
    reportJoined(ctx, workspace)
  }
  const report = new AppendReport(ctx, core, args.writer)
  if (args.text === '-') await appendLines(ctx, core, report)
  else report.appended(await core.append(Buffer.from(args.text)), 1)
  report.finish()
  if (online !== null && !ctx.signal.aborted) await seedUntilStopped(ctx, workspace)
}

/** Appends each line of standard input, in batches of what has arrived, until its end or a stop. */
async function appendLines(ctx: Context, core: Hypercore, report: AppendReport): Promise<void> {
  if (process.stdin.isTTY) ctx.out.note('type lines to append; Ctrl-D ends')
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })
  const queue: string[] = []
  let ended = false
  let wake: (() => void) | null = null
  const nudge = () => {
    wake?.()
    wake = null
  }
  lines.on('line', (line) => {
    queue.push(line)
    if (queue.length >= MAX_BATCH * 4) lines.pause() // resumed once the queue drained
    nudge()
  })
  lines.once('close', () => {
    ended = true
    nudge()
  })
  // A stop ends the input: what was read is still appended, then the command ends.
  const stop = () => lines.close()
  ctx.signal.addEventListener('abort', stop, { once: true })
  try {
    while (true) {
      if (queue.length > 0) {
        const batch = queue.splice(0, MAX_BATCH).map((line) => Buffer.from(line))
        report.appended(await core.append(batch), batch.length)
        if (!ended) lines.resume()
        continue
      }
      if (ended) break
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop)
    lines.close()
    process.stdin.pause()
  }
}

/** With --json one line per batch written; as text, a summary at the end. */
class AppendReport {
  readonly #ctx: Context
  readonly #core: Hypercore
  readonly #writer: string
  #count = 0

  constructor(ctx: Context, core: Hypercore, writer: string) {
    this.#ctx = ctx
    this.#core = core
    this.#writer = writer
  }

  appended(result: { length: number }, count: number): void {
    this.#count += count
    if (this.#ctx.out.json) {
      this.#ctx.out.data(
        JSON.stringify({
          event: 'appended',
          feed: this.#core.id,
          writer: this.#writer,
          appended: count,
          length: result.length,
        }),
      )
    }
  }

  finish(): void {
    if (this.#ctx.out.json) return
    const blocks = `${this.#count} ${this.#count === 1 ? 'block' : 'blocks'}`
    this.#ctx.out.data(
      `appended ${blocks} to writer ${this.#writer} (feed ${this.#core.id}), now ${this.#core.length} long`,
    )
  }
}

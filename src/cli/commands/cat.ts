/**
 * `cat`: a feed's blocks, one a line (or one JSON record each). Without --live it reads only what
 * is stored here; with --live it joins the swarm, waits for the feed if it has not joined yet,
 * and follows new blocks until stopped.
 */
import { on, once } from 'node:events'
import type Hypercore from 'hypercore'
import type { Context } from '../context.js'
import { CliError, CliErrorCode } from '../errors.js'
import { blockRecord, feedKeyIn, resolveFeed, unknownFeed } from '../feeds.js'
import { unlessAborted } from '../interrupt.js'
import type { Workspace } from '../workspace.js'

export interface CatArguments {
  feed: string
  live: boolean
}

export async function cat(ctx: Context, args: CatArguments): Promise<void> {
  const names = feedKeyIn(args.feed) === null
  const workspace = await ctx.open({ mode: 'existing', names })
  const key = resolveFeed(workspace, args.feed)
  const mf = workspace.multifeed
  if (!args.live) {
    const core = mf.feed(key)
    if (core === null) throw unknownFeed(workspace, args.feed)
    await core.ready()
    await printStored(ctx, core)
    return
  }
  const online = await ctx.online(workspace, true)
  if (online === null) return
  ctx.runsUntilStopped = true
  const core = mf.feed(key) ?? (await joined(ctx, workspace, key, args.feed))
  if (core === null) return
  await core.ready()
  ctx.out.note(`following feed ${core.id}; Ctrl-C stops`)
  await follow(ctx, core)
}

/** Prints the blocks stored here, in order; fails if one is missing. */
async function printStored(ctx: Context, core: Hypercore): Promise<void> {
  for (let index = 0; index < core.length; index++) {
    if (ctx.signal.aborted) return
    const block: Uint8Array | null = await core.get(index, { wait: false })
    if (block === null) {
      throw new CliError(
        CliErrorCode.ERR_NOT_HELD,
        `feed ${core.id} is ${core.length} blocks long, but block ${index} is not stored here yet: \`multifeed sync --once\` fetches it`,
      )
    }
    print(ctx, core, index, block)
  }
}

/** Prints every block from the first, then each new one as it arrives, until stopped. */
async function follow(ctx: Context, core: Hypercore): Promise<void> {
  let index = 0
  while (!ctx.signal.aborted) {
    if (index < core.length) {
      const block = await unlessAborted<Uint8Array>(core.get(index), ctx.signal)
      if (block === null) return
      print(ctx, core, index++, block)
      continue
    }
    try {
      await once(core, 'append', { signal: ctx.signal })
    } catch {
      return // stopped
    }
  }
}

/** Waits for the feed to join the multifeed (a peer offers it); null when stopped first. */
async function joined(
  ctx: Context,
  workspace: Workspace,
  key: Uint8Array,
  name: string,
): Promise<Hypercore | null> {
  ctx.out.note(
    `feed ${name} is not in multifeed ${workspace.id} yet: waiting for a peer to offer it`,
  )
  try {
    for await (const [core] of on(workspace.multifeed, 'feed', { signal: ctx.signal })) {
      if (Buffer.compare(core.key, key) === 0) return core as Hypercore
    }
  } catch {
    // stopped
  }
  return null
}

function print(ctx: Context, core: Hypercore, index: number, block: Uint8Array): void {
  if (ctx.out.json) ctx.out.data(JSON.stringify(blockRecord(core.id, index, block)))
  else ctx.out.data(Buffer.from(block).toString('utf8'))
}

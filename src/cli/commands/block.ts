/** `block`, `unblock` and `remove`: a feed's standing in this multifeed (persisted). */
import HypercoreId from 'hypercore-id-encoding'
import type { Context } from '../context.js'
import { usageError } from '../errors.js'
import { feedKeyIn, resolveFeed } from '../feeds.js'

export interface FeedArguments {
  feed: string
  force?: boolean
}

export async function block(ctx: Context, args: FeedArguments): Promise<void> {
  const { workspace, key, id } = await target(ctx, args)
  await workspace.multifeed.block(key)
  ctx.out.result(
    { id, blocked: true },
    `blocked ${id}: never offered, requested, accepted or served again (\`multifeed unblock\` undoes it)`,
  )
}

export async function unblock(ctx: Context, args: FeedArguments): Promise<void> {
  const { workspace, key, id } = await target(ctx, args)
  await workspace.multifeed.unblock(key)
  ctx.out.result({ id, blocked: false }, `unblocked ${id}: connections made from now on carry it`)
}

export async function remove(ctx: Context, args: FeedArguments): Promise<void> {
  const { workspace, key, id } = await target(ctx, args)
  const core = workspace.multifeed.feed(key)
  if (core !== null) await core.ready()
  if (core?.writable && !args.force) {
    throw usageError(
      `${args.feed} is a local writer: removing it deletes its blocks for good, and its name can never write again; pass --force to remove it`,
    )
  }
  await workspace.multifeed.remove(key)
  ctx.out.result(
    { id, removed: true, blocked: true },
    `removed ${id}: its blocks here are deleted and it stays blocked`,
  )
}

async function target(ctx: Context, args: FeedArguments) {
  const workspace = await ctx.open({ mode: 'existing', names: feedKeyIn(args.feed) === null })
  const key = resolveFeed(workspace, args.feed)
  return { workspace, key, id: HypercoreId.encode(key) }
}

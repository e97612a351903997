/** `create`: a new multifeed with a fresh key, in a storage directory that holds none. */
import b4a from 'b4a'
import type { Context } from '../context.js'
import type { Workspace } from '../workspace.js'

export async function create(ctx: Context): Promise<void> {
  const workspace = await ctx.open({ mode: 'create' })
  const { layout } = workspace
  ctx.out.result(describe(workspace), [
    `created multifeed ${workspace.id}`,
    `key file: ${layout.keyFile} (owner-only)`,
    `storage:  ${layout.dir}`,
    '',
    "The key is the multifeed's secret: whoever has it can read every feed and join. Give the",
    'key file only to peers you trust; they run `multifeed join --key-file FILE`.',
  ])
}

/** What create and join print about the directory's multifeed (nothing secret). */
export function describe(workspace: Workspace) {
  return {
    id: workspace.id,
    discoveryKey: b4a.toString(workspace.multifeed.discoveryKey, 'hex'),
    storage: workspace.layout.dir,
    keyFile: workspace.layout.keyFile,
  }
}

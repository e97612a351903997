/** `info`: what the multifeed is and holds, and (with --online) how it stands with its peers. */
import b4a from 'b4a'
import type { Context } from '../context.js'
import { feedRows, formatTable } from './ls.js'
import { plural, waitForSync } from './sync.js'

export interface InfoArguments {
  online: boolean
  /** Seconds --online waits for peers and the sync. */
  timeout: number
}

export async function info(ctx: Context, args: InfoArguments): Promise<void> {
  const workspace = await ctx.open({ mode: 'existing', names: true })
  const mf = workspace.multifeed
  const rows = await feedRows(workspace)
  const members = rows.filter((row) => row.length !== null)
  const local = members.filter((row) => row.local).length
  const feeds = {
    total: members.length,
    local,
    remote: members.length - local,
    blocked: rows.filter((row) => row.blocked).length,
  }
  const blocks = {
    held: members.reduce((sum, row) => sum + row.held!, 0),
    length: members.reduce((sum, row) => sum + row.length!, 0),
  }
  let peers: string[] = []
  let synced = false
  if (args.online) {
    const online = await ctx.online(workspace, false)
    if (online === null) return
    const outcome = await waitForSync(workspace, args.timeout * 1000, ctx.signal)
    if (outcome.state === 'stopped') return
    peers = online.peers()
    synced = mf.synced
  }
  const value = {
    id: mf.id,
    discoveryKey: b4a.toString(mf.discoveryKey, 'hex'),
    storage: workspace.layout.dir,
    keyFile: workspace.layout.keyFile,
    feeds,
    blocks,
    online: args.online,
    peers,
    synced,
  }
  const peerText = args.online
    ? `${plural(peers.length, 'peer')}${peers.length > 0 ? `: ${peers.join(', ')}` : ''}`
    : 'not looked up (`multifeed info --online` joins the swarm to look)'
  ctx.out.result(
    value,
    formatTable([
      ['multifeed', mf.id],
      ['discovery key', value.discoveryKey],
      ['storage', value.storage],
      ['key file', `${value.keyFile} (secret)`],
      [
        'feeds',
        `${feeds.total} (${feeds.local} local, ${feeds.remote} remote), ${feeds.blocked} blocked`,
      ],
      ['blocks', `${blocks.held} held of ${blocks.length}`],
      ['peers', peerText],
      ['sync', args.online ? (synced ? 'synced' : 'not synced') : 'unknown (offline)'],
    ]),
  )
}

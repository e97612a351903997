/** `ls`: every feed of the multifeed, as stored here. */
import b4a from 'b4a'
import HypercoreId from 'hypercore-id-encoding'
import type { Context } from '../context.js'
import type { Workspace } from '../workspace.js'

export interface FeedRow {
  id: string
  key: string
  /** The feed's length as known here; null for a blocked key that never joined. */
  length: number | null
  /** Blocks held from the start without a gap. */
  held: number | null
  local: boolean
  writer: string | null
  blocked: boolean
}

/** Every member, then the blocked keys that never joined. Opens every feed. */
export async function feedRows(workspace: Workspace): Promise<FeedRow[]> {
  const mf = workspace.multifeed
  const blocked = new Set(mf.blocked().map((key) => b4a.toString(key, 'hex')))
  const rows: FeedRow[] = []
  for (const key of mf.keys()) {
    const core = mf.feed(key)!
    await core.ready()
    const hex = b4a.toString(key, 'hex')
    rows.push({
      id: core.id,
      key: hex,
      length: core.length,
      held: core.contiguousLength,
      local: core.writable,
      writer: workspace.writerName(key),
      blocked: blocked.has(hex),
    })
    blocked.delete(hex)
  }
  for (const hex of blocked) {
    const key = b4a.from(hex, 'hex')
    rows.push({
      id: HypercoreId.encode(key),
      key: hex,
      length: null,
      held: null,
      local: false,
      writer: null,
      blocked: true,
    })
  }
  return rows
}

export async function ls(ctx: Context): Promise<void> {
  const workspace = await ctx.open({ mode: 'existing', names: true })
  const rows = await feedRows(workspace)
  if (rows.length === 0) {
    ctx.out.result(
      [],
      "no feeds yet: `multifeed append TEXT` writes one, `multifeed sync` fetches the peers'",
    )
    return
  }
  const table = [['FEED', 'LENGTH', 'WHERE', 'WRITER', 'BLOCKED']]
  for (const row of rows) {
    table.push([
      row.id,
      lengthText(row),
      row.length === null ? '-' : row.local ? 'local' : 'remote',
      row.writer ?? '',
      row.blocked ? 'blocked' : '',
    ])
  }
  ctx.out.result(rows, formatTable(table))
}

function lengthText(row: FeedRow): string {
  if (row.length === null) return '-'
  return row.held === row.length ? String(row.length) : `${row.held}/${row.length}`
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  )
}

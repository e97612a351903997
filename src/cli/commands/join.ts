/** `join`: an existing multifeed's key, kept in a storage directory (from a file, stdin or argument). */
import { createInterface } from 'node:readline'
import type { Context } from '../context.js'
import { usageError } from '../errors.js'
import { unlessAborted } from '../interrupt.js'
import { parseKey, readKeyFile } from '../storage.js'
import { describe } from './create.js'

export interface JoinArguments {
  /** The key, or '-' for standard input. */
  key: string | undefined
  keyFile: string | undefined
}

export async function join(ctx: Context, args: JoinArguments): Promise<void> {
  const key = await keyOf(ctx, args)
  if (key === null) return // stopped while reading standard input
  const workspace = await ctx.open({ mode: 'join', key })
  const { layout } = workspace
  ctx.out.result({ ...describe(workspace), joined: workspace.wroteKey }, [
    workspace.wroteKey
      ? `joined multifeed ${workspace.id}`
      : `multifeed ${workspace.id} is already here: nothing changed`,
    `key file: ${layout.keyFile} (owner-only)`,
    `storage:  ${layout.dir}`,
    '',
    'Next: `multifeed sync --once` fetches what its peers hold.',
  ])
}

async function keyOf(ctx: Context, args: JoinArguments): Promise<Uint8Array | null> {
  if (args.key !== undefined && args.keyFile !== undefined) {
    throw usageError('give the key once: as an argument, with --key-file, or on standard input (-)')
  }
  if (args.keyFile !== undefined) return readKeyFile(args.keyFile, ctx.out)
  if (args.key === undefined) {
    throw usageError(
      'join needs the key: `multifeed join --key-file FILE`, or `multifeed join -` to read it from standard input',
    )
  }
  if (args.key === '-') {
    if (process.stdin.isTTY) ctx.out.note('paste the multifeed key, then Enter:')
    const line = await unlessAborted(firstLine(), ctx.signal)
    return line === null ? null : parseKey(line.trim(), 'standard input')
  }
  ctx.out.warn(
    'WARN_KEY_IN_ARGUMENTS',
    'the key was given as an argument: it is now in your shell history, and visible to other users in the process list while this runs; prefer --key-file FILE or - (standard input)',
  )
  return parseKey(args.key, 'the key argument')
}

/** The first line of standard input ('' at once on an empty input). */
function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin, terminal: false })
    let first: string | null = null
    lines.once('line', (line) => {
      first = line
      lines.close()
    })
    lines.once('close', () => {
      process.stdin.pause()
      resolve(first ?? '')
    })
  })
}

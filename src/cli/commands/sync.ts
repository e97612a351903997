/**
 * `seed` and `sync`: online with the multifeed, showing progress. `sync --once` ends when it is
 * synced with the peers it found (each holds nothing it has not got here), or fails on timeout;
 * otherwise the process seeds until stopped.
 */
import type { Context } from '../context.js'
import { CliError, CliErrorCode } from '../errors.js'
import { aborted } from '../interrupt.js'
import { countOf, describeProgress, holdings, type Progress, ProgressLine } from '../progress.js'
import type { Workspace } from '../workspace.js'

export interface SyncArguments {
  once: boolean
  /** Seconds `--once` waits for a peer and for the sync. */
  timeout: number
}

export async function sync(ctx: Context, args: SyncArguments): Promise<void> {
  const workspace = await ctx.open({ mode: 'existing' })
  const online = await ctx.online(workspace, !args.once)
  if (online === null) return
  reportJoined(ctx, workspace)
  if (!args.once) {
    await seedUntilStopped(ctx, workspace)
    return
  }
  const line = new ProgressLine(ctx.out)
  const mf = workspace.multifeed
  const onprogress = (progress: Progress) => line.update(progress)
  mf.on('progress', onprogress)
  line.update(mf.progress())
  let outcome: SyncOutcome
  try {
    outcome = await waitForSync(workspace, args.timeout * 1000, ctx.signal)
  } finally {
    mf.off('progress', onprogress)
    line.finish(mf.progress())
  }
  if (outcome.state === 'stopped') return
  if (outcome.state === 'timeout') throw syncTimeout(workspace, outcome, args.timeout)
  const progress = mf.progress()
  ctx.out.result({ event: 'synced', ...progress, peerKeys: online.peers() }, [
    `synced with ${countOf(progress)}: ${holdings(progress)}`,
  ])
}

/** Says that the multifeed is online: `{ event: "joined", id }` with --json. */
export function reportJoined(ctx: Context, workspace: Workspace): void {
  if (ctx.out.json) ctx.out.data(JSON.stringify({ event: 'joined', id: workspace.id }))
  else ctx.out.note(`joined the swarm of multifeed ${workspace.id}`)
}

/** Seeds (stays online, showing progress) until stopped. */
export async function seedUntilStopped(ctx: Context, workspace: Workspace): Promise<void> {
  ctx.runsUntilStopped = true
  const mf = workspace.multifeed
  ctx.out.note('seeding; Ctrl-C stops')
  const line = new ProgressLine(ctx.out)
  const onprogress = (progress: Progress) => line.update(progress)
  mf.on('progress', onprogress)
  line.update(mf.progress())
  try {
    await aborted(ctx.signal)
  } finally {
    mf.off('progress', onprogress)
    line.finish(mf.progress())
  }
}

export interface SyncOutcome {
  state: 'synced' | 'timeout' | 'stopped'
  /** The last failure a peer's session reported, if any. */
  lastError: { code: string; message: string } | null
}

/**
 * Resolves when the multifeed is synced with every peer it has (and has one), when `timeoutMs`
 * passed, or when `signal` aborts.
 */
export function waitForSync(
  workspace: Workspace,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<SyncOutcome> {
  const mf = workspace.multifeed
  let lastError: SyncOutcome['lastError'] = null
  return new Promise((resolve) => {
    const finish = (state: SyncOutcome['state']) => {
      clearTimeout(timer)
      mf.off('progress', check)
      mf.off('synced', check)
      mf.off('session-error', onerror)
      signal.removeEventListener('abort', stop)
      resolve({ state, lastError })
    }
    const check = () => {
      if (mf.synced) finish('synced')
    }
    const onerror = (err: { code: string; message: string }) => {
      lastError = { code: err.code, message: err.message }
    }
    const stop = () => finish('stopped')
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    mf.on('progress', check)
    mf.on('synced', check)
    mf.on('session-error', onerror)
    signal.addEventListener('abort', stop, { once: true })
    if (signal.aborted) stop()
    else check()
  })
}

function syncTimeout(workspace: Workspace, outcome: SyncOutcome, seconds: number): CliError {
  const progress = workspace.multifeed.progress()
  const id = workspace.id
  let message =
    progress.peers === 0
      ? `found no peer of multifeed ${id} within ${seconds} s: is a peer seeding it (\`multifeed seed\`), and is the key the same?`
      : `not synced within ${seconds} s: ${describeProgress(progress)}`
  if (outcome.lastError !== null) message += ` (a peer failed with ${outcome.lastError.message})`
  return new CliError(CliErrorCode.ERR_SYNC_TIMEOUT, message)
}

export function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`
}

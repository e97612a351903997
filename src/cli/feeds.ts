/** Feeds as a person names them on the command line: a key (hex or id) or a writer's name. */
import b4a from 'b4a'
import HypercoreId from 'hypercore-id-encoding'
import { CliError, CliErrorCode } from './errors.js'
import type { Workspace } from './workspace.js'

/** The key in `text` (64 hex characters or a 52-character z-base-32 id), or null. */
export function feedKeyIn(text: string): Uint8Array | null {
  try {
    return HypercoreId.decode(text)
  } catch {
    return null
  }
}

/**
 * The feed key `text` names: a key, or the name of a local writer (the workspace must have been
 * opened with `names`). Refuses the multifeed's own key, which is no feed and a secret.
 */
export function resolveFeed(workspace: Workspace, text: string): Uint8Array {
  const key = feedKeyIn(text)
  if (key !== null) {
    if (b4a.equals(key, workspace.multifeed.key)) {
      throw new CliError(
        'ERR_INVALID_ARGUMENT',
        "that is the multifeed's key (its secret), not a feed; it is now in your shell history: see `multifeed ls` for the feeds",
      )
    }
    return key
  }
  const named = workspace.writerKey(text)
  if (named === null) throw unknownFeed(workspace, text)
  return named
}

export function unknownFeed(workspace: Workspace, text: string): CliError {
  return new CliError(
    CliErrorCode.ERR_UNKNOWN_FEED,
    `multifeed ${workspace.id} has no feed ${text} (an id, a hex key or a local writer's name): see \`multifeed ls\``,
  )
}

/** A block for `cat --json`: as text when it is UTF-8, otherwise as base64. */
export function blockRecord(
  feed: string,
  index: number,
  block: Uint8Array,
): { feed: string; index: number; text: string } | { feed: string; index: number; base64: string } {
  try {
    return { feed, index, text: UTF8.decode(block) }
  } catch {
    return { feed, index, base64: b4a.toString(block, 'base64') }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

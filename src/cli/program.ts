/**
 * The `multifeed` command line: its commands and flags (parsed by paparam), their help, and the
 * run of one command from arguments to exit status.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  arg,
  type Bail,
  bail,
  type Command,
  command,
  description,
  type FlagValue,
  flag,
  footer,
  summary,
} from 'paparam'
import { append } from './commands/append.js'
import { block, remove, unblock } from './commands/block.js'
import { cat } from './commands/cat.js'
import { create } from './commands/create.js'
import { info } from './commands/info.js'
import { join as joinCommand } from './commands/join.js'
import { ls } from './commands/ls.js'
import { sync } from './commands/sync.js'
import { Context, type GlobalOptions } from './context.js'
import { describeError, ExitStatus, usageError } from './errors.js'
import { Interrupt } from './interrupt.js'
import { parseBootstrap } from './network.js'
import { Output } from './output.js'

export const DEFAULT_STORAGE = './multifeed'
const DEFAULT_SYNC_TIMEOUT = 60
const DEFAULT_INFO_TIMEOUT = 10

/** The flags every command takes (also before the command's name). */
function commonFlags() {
  return [
    flag('--storage|-s <dir>', `the storage directory (default: ${DEFAULT_STORAGE})`),
    flag('--json', 'JSON output for scripts (warnings and errors too, on stderr)'),
    flag(
      '--bootstrap|-b <host:port>',
      'a DHT bootstrap node, repeatable (default: the public DHT)',
    ).multiple(),
    flag(
      '--host <address>',
      'where the DHT node binds (default: 127.0.0.1 for loopback bootstraps)',
    ),
  ]
}

const FEED_ARGUMENT = "a feed's id or hex key (see `multifeed ls`), or a local writer's name"

const EXIT_STATUS = `Exit status: 0 done; 1 failed (the error's code says why); 2 wrong usage; 130 stopped by
Ctrl-C (143 by SIGTERM), or 0 for a command that runs until stopped (seed, sync, cat --live,
append --seed). A first Ctrl-C closes everything (nothing written is lost); a second exits at once.`

type Runner = (ctx: Context, parsed: Parsed) => Promise<void>

interface Parsed {
  args: Record<string, string | undefined>
  flags: Record<string, FlagValue>
}

interface Definition {
  runner: Runner
  command: Command
}

function definitions(): Definition[] {
  const define = (runner: Runner, name: string, ...modifiers: Parameters<typeof command>[1][]) => ({
    runner,
    command: command(name, ...modifiers, ...commonFlags(), footer(EXIT_STATUS)),
  })
  return [
    define(
      (ctx) => create(ctx),
      'create',
      summary('Create a new multifeed; print its id and where its key is kept'),
      description(
        [
          'Makes a multifeed with a fresh random key in the storage directory. The key is the',
          "multifeed's secret: it is kept in DIR/key, readable by you alone (the library itself",
          'never stores it). Give that file only to peers you trust; they run',
          '`multifeed join --key-file FILE`. The id printed is public (the z-base-32 of the',
          'discovery key): safe to show and log. Fails with ERR_EXISTS if the directory already',
          'holds a multifeed.',
        ].join('\n'),
      ),
    ),
    define(
      (ctx, { args, flags }) =>
        joinCommand(ctx, { key: args['key'], keyFile: stringFlag(flags, 'keyFile') }),
      'join',
      summary("Keep an existing multifeed's key in a storage directory"),
      description(
        [
          'Keeps the key of an existing multifeed in the storage directory (DIR/key, owner-only),',
          'so that the other commands open it; `multifeed sync` then fetches its feeds. The key',
          'comes from --key-file FILE, from standard input (-), or from the argument, which lands',
          'in your shell history and in the process list: the tool warns about that. Joining again',
          'with the same key changes nothing, and restores a lost key file; the key of another',
          "multifeed than the directory's fails with ERR_KEY_MISMATCH, a malformed one with",
          'ERR_INVALID_KEY.',
        ].join('\n'),
      ),
      arg('[key]', 'the key (hex or z-base-32), or - for standard input'),
      flag('--key-file|-k <file>', 'read the key from this file (as `multifeed create` wrote it)'),
    ),
    define(
      (ctx, { args, flags }) =>
        append(ctx, {
          text: args['text'],
          writer: stringFlag(flags, 'writer') ?? 'default',
          seed: flags['seed'] === true,
        }),
      'append',
      summary('Append text, or each line of standard input, to a local writer'),
      description(
        [
          'Appends to a local writer: a Hypercore of the multifeed that only this storage can',
          'write, made on first use. TEXT is one block (quote it: one argument). With - each line',
          'of standard input is a block, appended as lines arrive until its end (Ctrl-D at a',
          'terminal); on Ctrl-C the lines already read are still appended. --seed stays online',
          'meanwhile, so peers get each block at once, and then seeds until Ctrl-C. --json prints',
          '{ event: "appended", feed, writer, appended, length } for each batch written.',
        ].join('\n'),
      ),
      arg('[text]', 'the block to append, or - for each line of standard input'),
      flag('--writer|-w <name>', 'the local writer to append to (default: default)'),
      flag('--seed', 'stay online while appending and afterwards, until Ctrl-C'),
    ),
    define(
      (ctx) => ls(ctx),
      'ls',
      summary('List every feed: id, length, local or remote, writer name, blocked'),
      description(
        [
          "Lists the multifeed's feeds as stored here (offline): the local writers and the feeds",
          'learned from peers, in the order they joined, then blocked keys that never joined.',
          'LENGTH is held/length while not every block is stored here yet. --json prints an array',
          'of { id, key, length, held, local, writer, blocked }.',
        ].join('\n'),
      ),
    ),
    define(
      (ctx, { args, flags }) => cat(ctx, { feed: args['feed']!, live: flags['live'] === true }),
      'cat',
      summary("Print a feed's blocks, one a line; --live follows new ones"),
      description(
        [
          "Prints a feed's blocks in order, one a line, as UTF-8 text. Without --live it reads",
          'only what is stored here, and fails with ERR_NOT_HELD at the first block not fetched',
          'yet. With --live it joins the swarm, waits for the feed if no peer has offered it yet,',
          'and prints each new block as it arrives, until Ctrl-C. --json prints one',
          '{ feed, index, text } record a block ({ feed, index, base64 } if it is not UTF-8).',
        ].join('\n'),
      ),
      arg('<feed>', FEED_ARGUMENT),
      flag('--live', 'join the swarm and follow the feed until Ctrl-C'),
    ),
    define(
      (ctx) => sync(ctx, { once: false, timeout: DEFAULT_SYNC_TIMEOUT }),
      'seed',
      summary('Stay online, syncing with peers, until Ctrl-C'),
      description(
        [
          "Joins the swarm on the multifeed's discovery key (never its key): announces it, looks",
          'for peers and syncs with each, both ways, until Ctrl-C. A progress line shows peers,',
          'feeds held/accepted and blocks held/advertised. Same as `multifeed sync`. --json',
          'prints { event: "joined", id } once joined, then { event: "progress", peers,',
          'feedsAccepted, feedsHeld, blocksAdvertised, blocksHeld, synced } as it changes.',
        ].join('\n'),
      ),
    ),
    define(
      (ctx, { flags }) =>
        sync(ctx, {
          once: flags['once'] === true,
          timeout: seconds(flags, 'timeout', DEFAULT_SYNC_TIMEOUT),
        }),
      'sync',
      summary('Sync with peers: --once until synced, otherwise until Ctrl-C'),
      description(
        [
          'Without --once it is `multifeed seed`. With --once it looks up the peers that seed the',
          'multifeed (announcing nothing itself) and ends (status 0) as soon as it holds',
          'everything they advertised (every feed it accepted, at their length), or fails with',
          'ERR_SYNC_TIMEOUT (status 1) when it found no peer, or did not get there, within',
          '--timeout. That is this side being up to date: to hand your blocks to a peer, keep',
          '`multifeed seed` running until its `sync --once` is done. --json prints progress lines',
          'as seed does, and { event: "synced", ... } at the end.',
        ].join('\n'),
      ),
      flag('--once', 'end once synced with the peers found, or fail after --timeout'),
      flag(
        '--timeout|-t <seconds>',
        `how long --once waits for peers and for the sync (default: ${DEFAULT_SYNC_TIMEOUT})`,
      ),
    ),
    define(
      (ctx, { flags }) =>
        info(ctx, {
          online: flags['online'] === true,
          timeout: seconds(flags, 'timeout', DEFAULT_INFO_TIMEOUT),
        }),
      'info',
      summary('Show the id, discovery key, feeds, peers and sync state'),
      description(
        [
          "Shows the multifeed's id and discovery key, where its storage and key file are, and",
          'the feeds (local, remote, blocked) and blocks it holds. Peers and the sync state need',
          'the network: --online looks up the peers that seed it, waits until synced or',
          '--timeout, and reports them (a timeout is no failure here).',
        ].join('\n'),
      ),
      flag('--online', 'join the swarm to report peers and the sync state'),
      flag(
        '--timeout|-t <seconds>',
        `how long --online waits for peers and the sync (default: ${DEFAULT_INFO_TIMEOUT})`,
      ),
    ),
    define(
      (ctx, { args }) => block(ctx, { feed: args['feed']! }),
      'block',
      summary('Block a feed: never offered, requested, accepted or served again'),
      description(
        [
          'Blocks a feed of the multifeed, or a key that has not joined yet. Persisted: it stays',
          'blocked across restarts until `multifeed unblock`.',
        ].join('\n'),
      ),
      arg('<feed>', FEED_ARGUMENT),
    ),
    define(
      (ctx, { args }) => unblock(ctx, { feed: args['feed']! }),
      'unblock',
      summary('Lift a block: connections made from now on carry the feed again'),
      description(
        [
          'Lifts the block that `multifeed block` or `multifeed remove` set. Persisted. Connections',
          'made from now on carry the feed again; a removed feed joins again when a peer offers it.',
        ].join('\n'),
      ),
      arg('<feed>', FEED_ARGUMENT),
    ),
    define(
      (ctx, { args, flags }) =>
        remove(ctx, { feed: args['feed']!, force: flags['force'] === true }),
      'remove',
      summary('Remove a feed: blocked, and its blocks deleted here'),
      description(
        [
          'Blocks the feed and deletes its blocks from this storage (unless another multifeed of',
          'the same Corestore holds it). Removing one of your own writers cannot be undone: its',
          'blocks are gone and its name can never write again, so it needs --force.',
        ].join('\n'),
      ),
      arg('<feed>', FEED_ARGUMENT),
      flag('--force', 'also remove a local writer'),
    ),
  ]
}

interface Program {
  root: Command
  /** The runner of each command, by name. */
  runners: Map<string, Runner>
}

function program(): Program {
  const defined = definitions()
  const help = command(
    'help',
    summary('Show the help of multifeed, or of one of its commands'),
    arg('[command]', 'the command'),
  )
  const root = command(
    'multifeed',
    summary(
      'Create, join, write, read and seed multifeeds from the shell: collections of Hypercores,\none per writer, synced as a set by every peer that holds the secret key.',
    ),
    description(
      [
        'Each storage directory (--storage, default ./multifeed) holds one multifeed and its key.',
        'seed, sync, cat --live and append --seed go online on the public HyperDHT unless',
        '--bootstrap names other nodes; the other commands work offline. Run',
        '`multifeed <command> --help` for the flags of a command.',
      ].join('\n'),
    ),
    flag('--version|-v', 'print the version'),
    ...commonFlags(),
    footer(EXIT_STATUS),
    bail(onBail),
    ...defined.map((definition) => definition.command),
    help,
  )
  return { root, runners: new Map(defined.map((d) => [d.command.name, d.runner])) }
}

/** The names of the commands, in the order `multifeed --help` lists them. */
export function commandNames(): string[] {
  return [...program().runners.keys()]
}

/** The help of the tool, or of one of its commands, as `--help` prints it. */
export function helpText(name?: string): string {
  const { root } = program()
  return name === undefined ? root.help() : root.help(name)
}

/** Turns paparam's parse failures into usage errors (exit status 2). */
function onBail(failure: Bail): never {
  const where = failure.command.name
  const see = where === 'multifeed' ? '`multifeed --help`' : `\`multifeed ${where} --help\``
  switch (failure.reason) {
    case 'UNKNOWN_FLAG':
      throw usageError(`unknown flag ${dashes(failure.flag?.name)} (see ${see})`)
    case 'INVALID_FLAG':
      throw usageError(`${dashes(failure.flag?.name)} needs a value (see ${see})`)
    case 'MISSING_ARG':
      throw usageError(`missing ${failure.arg?.value ?? 'argument'} (see ${see})`)
    case 'UNKNOWN_ARG':
      throw usageError(
        where === 'multifeed'
          ? `unknown command "${failure.arg?.value}" (see ${see})`
          : `unexpected argument "${failure.arg?.value}": quote text with spaces (see ${see})`,
      )
    default:
      throw usageError(`${failure.reason} (see ${see})`)
  }
}

function dashes(name: string | undefined): string {
  if (name === undefined) return 'flag'
  return name.length === 1 ? `-${name}` : `--${name}`
}

function stringFlag(flags: Parsed['flags'], name: string): string | undefined {
  const value = flags[name]
  return typeof value === 'string' ? value : undefined
}

function seconds(flags: Parsed['flags'], name: string, fallback: number): number {
  const value = stringFlag(flags, name)
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw usageError(`--${name} takes a number of seconds above 0, not "${value}"`)
  }
  return parsed
}

/** The options common to all commands, from the flags before and after the command's name. */
function globalOptions(before: Parsed['flags'], after: Parsed['flags']): GlobalOptions {
  const list = (value: FlagValue) => (Array.isArray(value) ? value : [])
  const bootstrap = [...list(before['bootstrap']), ...list(after['bootstrap'])]
  return {
    storage: stringFlag(after, 'storage') ?? stringFlag(before, 'storage') ?? DEFAULT_STORAGE,
    network: {
      bootstrap: bootstrap.length > 0 ? parseBootstrap(bootstrap) : undefined,
      host: stringFlag(after, 'host') ?? stringFlag(before, 'host'),
    },
  }
}

/** This package's version, from the package.json above this file. */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (manifest.name === 'multifeed-protocol') return manifest.version
    } catch {
      // none here (or dist/esm's own, without a name): look further up
    }
    const parent = dirname(dir)
    if (parent === dir) return 'unknown'
    dir = parent
  }
}

/** Runs the command `argv` names; resolves with the exit status. */
export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  const out = new Output(json)
  const { root, runners } = program()
  let matched: Command | null
  let options: GlobalOptions
  try {
    matched = root.parse(argv, { run: false })
    if (matched === null) return ExitStatus.OK // help was printed
    if (matched === root) {
      if (root.flags['version'] === true) {
        out.result({ version: version() }, version())
        return ExitStatus.OK
      }
      process.stderr.write(root.help())
      return ExitStatus.USAGE
    }
    if (matched.name === 'help') {
      const name = matched.args['command']
      if (name !== undefined && !runners.has(name)) {
        throw usageError(`unknown command "${name}" (see \`multifeed --help\`)`)
      }
      process.stdout.write(name === undefined ? root.help() : root.help(name))
      return ExitStatus.OK
    }
    options = globalOptions(root.flags, matched.flags)
  } catch (err) {
    return report(out, err)
  }
  const runner = runners.get(matched.name)!
  const interrupt = new Interrupt(out)
  // A reader that went away (`multifeed cat feed | head`) stops the command like Ctrl-C.
  process.stdout.on('error', () => interrupt.stop())
  const ctx = new Context(options, out, interrupt)
  let status: number = ExitStatus.OK
  try {
    await runner(ctx, { args: matched.args, flags: matched.flags })
  } catch (err) {
    status = report(out, err)
  }
  try {
    await ctx.close()
  } catch (err) {
    if (status === ExitStatus.OK) status = report(out, err)
  }
  interrupt.dispose()
  if (status === ExitStatus.OK && interrupt.received !== null && !ctx.runsUntilStopped) {
    status = interrupt.exitStatus
  }
  return status
}

function report(out: Output, err: unknown): number {
  const { code, message, exitStatus } = describeError(err)
  out.error(code, message)
  if (code === 'ERR_UNEXPECTED' && err instanceof Error && err.stack) {
    out.note(err.stack)
  }
  return exitStatus
}

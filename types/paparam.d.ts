/**
 * Types for paparam 1 (untyped CommonJS), Holepunch's argument parser: the part the `multifeed`
 * command-line tool uses. Not shipped: no shipped declaration imports it.
 */

/** Why parsing bailed out (an unknown flag or argument, a missing argument, a bad value). */
export interface Bail {
  reason: 'UNKNOWN_FLAG' | 'UNKNOWN_ARG' | 'MISSING_ARG' | 'INVALID_FLAG' | string
  command: Command
  flag?: { name: string; value: string; long: boolean } | null
  arg?: { value: string; index?: number } | null
  err?: unknown
}

/** A parsed flag value: a boolean switch, a string, or the strings of a repeated flag. */
export type FlagValue = boolean | string | string[] | undefined

/** A text of a command (summary, description, header, footer) or its bail handler. */
export declare class Data {
  readonly type: string
}

/** Something `command()` takes: a flag, an argument, a text or a subcommand. */
export type Modifier = Flag | Arg | Command | Data

export declare class Flag {
  readonly name: string
  readonly help: string
  readonly description: string
  multiple(): this
  hide(): this
  hint(text: string): this
  choices(values: string[]): this
}

export declare class Arg {
  readonly name: string
  readonly help: string
  readonly description: string
  hide(): this
}

export declare class Command {
  readonly name: string
  readonly summary: string
  readonly description: string
  parent: Command | null
  /** After parse(): flag values by camel-cased long name (and by short alias). */
  flags: Record<string, FlagValue>
  /** After parse(): argument values by name. */
  args: Record<string, string | undefined>
  positionals: string[]
  /** The command's help text (of a subcommand path when names are given). */
  help(...subcommands: string[]): string
  /** Help without header and footer. */
  usage(...subcommands: string[]): string
  /**
   * Parses argv. Returns the command that matched, or null when help was printed (or when a bail
   * handler returned instead of throwing).
   */
  parse(argv?: string[], opts?: { run?: boolean; sync?: boolean; silent?: boolean }): Command | null
  add(...modifiers: Modifier[]): this
}

export function command(name: string, ...modifiers: Modifier[]): Command
export function flag(spec: string, description?: string): Flag
export function arg(spec: string, description?: string): Arg
export function summary(text: string): Data
export function description(text: string): Data
export function header(text: string): Data
export function footer(text: string | { help: string; overview: string }): Data
/** The handler of parse failures: return the text to show, or throw. */
export function bail(handler: (bail: Bail) => string): Data

declare const paparam: {
  command: typeof command
  flag: typeof flag
  arg: typeof arg
  summary: typeof summary
  description: typeof description
  header: typeof header
  footer: typeof footer
  bail: typeof bail
}
export default paparam

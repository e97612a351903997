/**
 * The help of the `multifeed` command, in process (what `--help` prints): every command is listed,
 * and each command's help has its usage, its text, its own flags, the common flags and the exit
 * statuses, within 100 columns. test/cli/cli.test.ts runs `--help` as a child process.
 */
import { describe, expect, test } from 'vitest'
import { commandNames, helpText } from '../../src/cli/program.js'

/** The flags each command has besides the common ones. */
const OWN_FLAGS: Record<string, string[]> = {
  create: [],
  join: ['--key-file|-k <file>'],
  append: ['--writer|-w <name>', '--seed'],
  ls: [],
  cat: ['--live'],
  seed: [],
  sync: ['--once', '--timeout|-t <seconds>'],
  info: ['--online', '--timeout|-t <seconds>'],
  block: [],
  unblock: [],
  remove: ['--force'],
}
const ARGUMENTS: Record<string, string> = {
  join: '[key]',
  append: '[text]',
  cat: '<feed>',
  block: '<feed>',
  unblock: '<feed>',
  remove: '<feed>',
}
const COMMON_FLAGS = [
  '--storage|-s <dir>',
  '--json',
  '--bootstrap|-b <host:port>',
  '--host <address>',
]

describe('multifeed --help', () => {
  test('lists every command of the issue, and help', () => {
    expect(commandNames()).toEqual(Object.keys(OWN_FLAGS))
    const help = helpText()
    expect(help).toMatch(/^multifeed \[flags\] \[command\]$/m)
    for (const name of [...commandNames(), 'help'])
      expect(help).toMatch(new RegExp(`^  ${name} `, 'm'))
    for (const flag of ['--version|-v', ...COMMON_FLAGS]) expect(help).toContain(`  ${flag} `)
  })

  test.each(Object.keys(OWN_FLAGS))('%s --help: usage, text, flags, exit statuses', (name) => {
    const help = helpText(name)
    const usage = ['multifeed', name, '[flags]', ARGUMENTS[name]].filter(Boolean).join(' ')
    expect(help.split('\n')[0]).toBe(usage)
    const [, summary, description] = help.split('\n\n')
    expect(summary!.length).toBeGreaterThan(20)
    expect(description!.split('\n').length).toBeGreaterThanOrEqual(2) // a paragraph, not a line
    for (const flag of [...OWN_FLAGS[name]!, ...COMMON_FLAGS]) {
      expect(help).toMatch(new RegExp(`^  ${literal(flag)} +\\S`, 'm')) // described
    }
    expect(help).toContain('Exit status: 0 done; 1 failed')
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(100)
  })
})

function literal(text: string): string {
  return text.replace(/[|[\]<>-]/g, '\\$&')
}

#!/usr/bin/env node
/**
 * multifeed: create, join, write, read, seed and inspect a multifeed from the shell.
 * `multifeed --help` lists the commands; src/cli/program.ts defines them.
 */
import { run } from './program.js'

process.exitCode = await run(process.argv.slice(2))
// Everything is closed by now; should a handle still hold the process, it must not hang.
setTimeout(() => process.exit(), 2000).unref()

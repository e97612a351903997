/**
 * What every command gets: the options common to all of them, the output, the stop signal, and
 * the resources to close when it ends (last opened, first closed).
 */
import type { Interrupt } from './interrupt.js'
import { type NetworkOptions, Online } from './network.js'
import type { Output } from './output.js'
import { type OpenOptions, Workspace } from './workspace.js'

export interface GlobalOptions {
  /** The storage directory. */
  storage: string
  network: NetworkOptions
}

export class Context {
  readonly options: GlobalOptions
  readonly out: Output
  readonly interrupt: Interrupt
  /**
   * Set by a command once it runs until stopped (seed, sync, cat --live, append --seed): Ctrl-C
   * then ends it normally, with status 0, instead of interrupting it (130).
   */
  runsUntilStopped = false
  readonly #cleanups: (() => Promise<void>)[] = []

  constructor(options: GlobalOptions, out: Output, interrupt: Interrupt) {
    this.options = options
    this.out = out
    this.interrupt = interrupt
  }

  get signal(): AbortSignal {
    return this.interrupt.signal
  }

  /** Opens the storage's multifeed; closed when the command ends. */
  async open(opts: OpenOptions): Promise<Workspace> {
    const workspace = await Workspace.open(this.options.storage, this.out, opts)
    this.#cleanups.push(() => workspace.close())
    return workspace
  }

  /**
   * Joins the swarm with the workspace's multifeed; left when the command ends (before the
   * multifeed closes). Null when stopped before the join finished. A command that stays online
   * announces itself; a one-shot one (`announce` false) only looks up the peers that do, and
   * leaves no announcement of a process that is about to end.
   */
  async online(workspace: Workspace, announce: boolean): Promise<Online | null> {
    const online = await Online.join(
      workspace,
      { ...this.options.network, announce },
      this.out,
      this.signal,
    )
    if (online !== null) this.#cleanups.push(() => online.close())
    return online
  }

  /** Closes everything the command opened, last first; the first failure is thrown at the end. */
  async close(): Promise<void> {
    let failure: unknown = null
    for (let cleanup = this.#cleanups.pop(); cleanup; cleanup = this.#cleanups.pop()) {
      try {
        await cleanup()
      } catch (err) {
        failure ??= err
      }
    }
    if (failure !== null) throw failure
  }
}

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Corestore from 'corestore'
import { onTestFinished } from 'vitest'
import { Multifeed } from '../../../src/index.js'

type MultifeedOptions = ConstructorParameters<typeof Multifeed>[1]

interface Closable {
  close(): Promise<unknown>
  closing?: Promise<unknown> | null
}

interface Destroyable {
  destroy(err?: Error): void
  destroyed?: boolean
}

/**
 * Everything one test opens: temp directories, Corestores, Multifeeds and streams. Teardown runs
 * when the test finishes (pass or fail): streams are destroyed first, then multifeeds and stores
 * are closed (newest first), then the directories are removed.
 */
export class Harness {
  private readonly streams: Destroyable[] = []
  private readonly closables: Closable[] = []
  private readonly dirs: string[] = []
  private tornDown = false

  /** A fresh empty directory under the OS temp dir, removed at teardown. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'multifeed-acceptance-'))
    this.dirs.push(dir)
    return dir
  }

  /** A Corestore on `storage` (a fresh temp dir when omitted), closed at teardown. */
  async store(storage?: unknown): Promise<Corestore> {
    const store = new Corestore(storage ?? (await this.tempDir()))
    this.closables.push(store)
    await store.ready()
    return store
  }

  /** A Multifeed (not awaited: call ready() yourself where the test cares), closed at teardown. */
  multifeed(storeOrPath: Corestore | string, opts?: MultifeedOptions): Multifeed {
    const mf = new Multifeed(storeOrPath, opts)
    this.closables.push(mf)
    return mf
  }

  /** Registers a stream to destroy at teardown; returns it. */
  stream<S extends Destroyable>(stream: S): S {
    this.streams.push(stream)
    return stream
  }

  /** Registers something else to close at teardown (with the multifeeds and stores). */
  closable<C extends Closable>(c: C): C {
    this.closables.push(c)
    return c
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return
    this.tornDown = true
    for (const s of this.streams.reverse()) if (!s.destroyed) s.destroy()
    for (const c of this.closables.reverse()) {
      try {
        await c.close()
      } catch {
        // Already closed or failed to open: nothing left to release.
      }
    }
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true })
  }
}

/** A Harness torn down automatically when the current test finishes. Call inside a test. */
export function harness(): Harness {
  const h = new Harness()
  onTestFinished(() => h.teardown())
  return h
}

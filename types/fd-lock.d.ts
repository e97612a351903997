/** Types for fd-lock 2 (untyped CommonJS): an advisory lock on an open file, released on exit. */
import ReadyResource from 'ready-resource'

declare class FDLock extends ReadyResource {
  /** Locks `fd` on ready(); without `wait`, ready() rejects when another process holds it. */
  constructor(fd: number, opts?: { wait?: boolean })
  readonly locked: boolean
}

export default FDLock

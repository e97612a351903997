/**
 * Types for hypercore 11 (untyped CommonJS): what this package uses and what a user does with the
 * cores a Multifeed hands out. Shipped with the package (scripts/build.mjs) as a module of its
 * own, so it never clashes with a consumer's own `declare module 'hypercore'`.
 */
import { EventEmitter } from 'node:events'
import type { Duplex, Readable } from 'node:stream'

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** A running download range (`core.download(...)`). */
export interface Download {
  done(): Promise<void>
  destroy(): void
}

export interface DownloadRange {
  start?: number
  /** -1: to the end, live (keeps downloading new blocks). */
  end?: number
  linear?: boolean
  blocks?: number[]
}

/** A peer a core replicates with. */
export interface HypercorePeer {
  protomux: unknown
  remotePublicKey: Uint8Array
  /** The peer's protomux channel ('hypercore/alpha'). */
  channel: { close(): void; fullyClosed(): Promise<void> }
}

export interface HypercoreOptions {
  key?: Uint8Array | string | null
  keyPair?: KeyPair
  valueEncoding?: unknown
  encryption?: { key: Uint8Array; block?: boolean } | null
  encryptionKey?: Uint8Array | null
  createIfMissing?: boolean
  overwrite?: boolean
  sparse?: boolean
  writable?: boolean
  active?: boolean
  wait?: boolean
  timeout?: number
}

/** Options of `core.get(index, opts)`. */
export interface GetOptions {
  /** Wait for the block to be downloaded (default true). */
  wait?: boolean
  /** Give up after this many milliseconds (0: never). */
  timeout?: number
  valueEncoding?: unknown
}

/** Options of `core.createReadStream(opts)`. */
export interface ReadStreamOptions {
  start?: number
  end?: number
  live?: boolean
  snapshot?: boolean
}

/** What `core.info()` resolves to (the fields this package's users read). */
export interface HypercoreInfo {
  key: Uint8Array
  discoveryKey: Uint8Array
  length: number
  contiguousLength: number
  byteLength: number
  fork: number
  padding: number
  storage?: unknown
}

/** A single-writer append-only log (hypercore 11). */
declare class Hypercore extends EventEmitter {
  constructor(storage: unknown, key?: Uint8Array | string | null, opts?: HypercoreOptions)
  /** The public key (set once ready; the cores a Multifeed hands out are ready). */
  readonly key: Uint8Array
  /** The z-base-32 encoding of `key` (set once ready). */
  readonly id: string
  /** Hash of the key: safe to publish (set once ready). */
  readonly discoveryKey: Uint8Array
  /** Number of blocks in the log. */
  readonly length: number
  /** Blocks held locally from the start without a gap. */
  readonly contiguousLength: number
  readonly byteLength: number
  readonly fork: number
  readonly peers: HypercorePeer[]
  readonly writable: boolean
  readonly readable: boolean
  readonly opened: boolean
  readonly closed: boolean
  closing: Promise<void> | null
  keyPair: KeyPair | null
  encryption: unknown
  /** Internal replicator (attach a core to a protomux without a new stream). */
  readonly replicator: {
    attached(mux: unknown): boolean
    attachTo(mux: unknown): void
    detachFrom(mux: unknown): void
    downloading: boolean
  } | null
  ready(): Promise<void>
  close(opts?: { error?: Error }): Promise<void>
  /** Appends one block or several; resolves with the new length. */
  append(blocks: unknown, opts?: object): Promise<{ length: number; byteLength: number }>
  /** The block at `index`, decoded with the core's valueEncoding (a Buffer by default). */
  // biome-ignore lint/suspicious/noExplicitAny: a block's type is set by valueEncoding at run time
  get(index: number, opts?: GetOptions): Promise<any>
  has(start: number, end?: number): Promise<boolean>
  /** Deletes the local copy of blocks [start, end). */
  clear(start: number, end?: number): Promise<unknown>
  update(opts?: { wait?: boolean }): Promise<boolean>
  download(range?: DownloadRange): Download
  setActive(active: boolean): void
  findingPeers(): () => void
  session(opts?: HypercoreOptions): Hypercore
  /** Local metadata, persisted with the core and never replicated. */
  setUserData(key: string, value: Uint8Array | string | null): Promise<void>
  /** Local metadata written with setUserData, or null. */
  getUserData(key: string): Promise<Uint8Array | null>
  snapshot(opts?: HypercoreOptions): Hypercore
  replicate(isInitiator: boolean | Duplex | object, opts?: object): unknown
  createReadStream(opts?: ReadStreamOptions): Readable
  info(opts?: object): Promise<HypercoreInfo>

  on(event: 'ready' | 'close' | 'append' | 'manifest', listener: () => void): this
  on(event: 'truncate', listener: (ancestors: number, forkId: number) => void): this
  on(event: 'peer-add' | 'peer-remove', listener: (peer: HypercorePeer) => void): this
  on(
    event: 'download' | 'upload',
    listener: (index: number, byteLength: number, from: HypercorePeer) => void,
  ): this
  on(event: string | symbol, listener: (...args: never[]) => void): this
  once(event: 'ready' | 'close' | 'append' | 'manifest', listener: () => void): this
  once(event: 'truncate', listener: (ancestors: number, forkId: number) => void): this
  once(event: 'peer-add' | 'peer-remove', listener: (peer: HypercorePeer) => void): this
  once(
    event: 'download' | 'upload',
    listener: (index: number, byteLength: number, from: HypercorePeer) => void,
  ): this
  once(event: string | symbol, listener: (...args: never[]) => void): this

  static discoveryKey(key: Uint8Array): Uint8Array
  /** The on-disk storage (hypercore-storage) for a directory, as Corestore opens it. */
  static defaultStorage(storage: unknown, opts?: object): unknown
  static key(manifest: unknown): Uint8Array
  static createProtocolStream(isInitiator: boolean | Duplex, opts?: object): Duplex
}

export default Hypercore

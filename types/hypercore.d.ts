/** Minimal ambient types for hypercore 11 (untyped CommonJS); only what this package uses. */
declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  import type { Duplex } from 'node:stream'

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

  export interface HypercorePeer {
    protomux: unknown
    remotePublicKey: Uint8Array
    channel: { close(): void }
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

  class Hypercore extends EventEmitter {
    constructor(storage: unknown, key?: Uint8Array | string | null, opts?: HypercoreOptions)
    /** Set once ready() resolved (null before; typed non-null for ergonomics). */
    readonly key: Uint8Array
    /** Set once ready() resolved (null before; typed non-null for ergonomics). */
    readonly discoveryKey: Uint8Array
    readonly id: string | null
    readonly length: number
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
    append(blocks: unknown, opts?: unknown): Promise<{ length: number; byteLength: number }>
    get(
      index: number,
      opts?: { wait?: boolean; timeout?: number; valueEncoding?: unknown },
      // biome-ignore lint/suspicious/noExplicitAny: a block's type is set by valueEncoding at run time
    ): Promise<any>
    has(start: number, end?: number): Promise<boolean>
    /** Deletes the local copy of blocks [start, end). */
    clear(start: number, end?: number): Promise<unknown>
    update(opts?: { wait?: boolean }): Promise<boolean>
    download(range?: DownloadRange): Download
    setActive(active: boolean): void
    findingPeers(): () => void
    session(opts?: HypercoreOptions): Hypercore
    replicate(isInitiator: boolean | Duplex | object, opts?: object): unknown
    // biome-ignore lint/suspicious/noExplicitAny: a block's type is set by valueEncoding at run time
    createReadStream(opts?: { start?: number; end?: number; live?: boolean }): AsyncIterable<any>
    info(opts?: object): Promise<unknown>
    static discoveryKey(key: Uint8Array): Uint8Array
    /** The on-disk storage (hypercore-storage) for a directory, as Corestore opens it. */
    static defaultStorage(storage: unknown, opts?: object): unknown
    static key(manifest: unknown): Uint8Array
    static createProtocolStream(isInitiator: boolean | Duplex, opts?: object): Duplex
  }

  export default Hypercore
}

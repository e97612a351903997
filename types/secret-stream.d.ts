/** Types for @hyperswarm/secret-stream (untyped CommonJS) (shipped, see scripts/build.mjs). */
import { Duplex } from 'node:stream'

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface NoiseSecretStreamOptions {
  keyPair?: KeyPair
  remotePublicKey?: Uint8Array
  pattern?: string
  autoStart?: boolean
  keepAlive?: number
  timeout?: number
  handshake?: unknown
}

/** A Noise-encrypted duplex stream; `handshakeHash` is set once `opened` resolves true. */
declare class NoiseSecretStream extends Duplex {
  constructor(isInitiator: boolean, rawStream?: Duplex | null, opts?: NoiseSecretStreamOptions)
  readonly isInitiator: boolean
  handshakeHash: Uint8Array | null
  publicKey: Uint8Array | null
  remotePublicKey: Uint8Array | null
  /** The transport under the Noise layer (an in-memory bridge when none was given). */
  rawStream: Duplex
  connected: boolean
  /** Resolves true when the handshake completed, false if the stream closed first. */
  opened: Promise<boolean>
  /** Protomux stores itself here (`Protomux.from`). */
  userData: unknown
  noiseStream: NoiseSecretStream
  setKeepAlive(ms: number): void
  start(rawStream?: Duplex, opts?: NoiseSecretStreamOptions): void
  static keyPair(seed?: Uint8Array): KeyPair
  static id(handshakeHash: Uint8Array, isInitiator: boolean, id?: Uint8Array): Uint8Array
}

export default NoiseSecretStream

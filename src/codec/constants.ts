/** Protocol version implemented by this package (spec/multifeed.md, "Versioning"). */
export const PROTOCOL_MAJOR = 1
export const PROTOCOL_MINOR = 1

/** protomux binding: the channel's `protocol` string. The channel `id` is the discovery key. */
export const PROTOMUX_PROTOCOL = 'multifeed'

/** Client name sent when the application names none. */
export const DEFAULT_CLIENT = 'multifeed'

/**
 * Message type numbers. On protomux they are the message indices of the channel,
 * in this order; the handshake is the channel-open payload and has no number.
 */
export const MessageType = {
  Manifest: 0,
  Request: 1,
  Replicate: 2,
  Close: 3,
} as const
export type MessageTypeNumber = (typeof MessageType)[keyof typeof MessageType]

/** Handshake flag bits. Bits not listed are reserved and MUST be zero in v1.0. */
export const HandshakeFlags = { UserData: 1 } as const
/** Manifest entry flag bits. */
export const EntryFlags = { Data: 1 } as const

/** Largest integer a uint field may carry (2^53 - 1), so every language can hold it exactly. */
export const MAX_UINT = Number.MAX_SAFE_INTEGER

/**
 * Limits with their spec defaults. Decoders enforce the per-message ones before allocating;
 * sessions enforce the per-session and per-collection ones.
 */
export interface Limits {
  /** Bytes in one encoded message body or handshake. */
  maxMessageBytes: number
  /** Entries (manifest) or keys (request, replicate) in one message. */
  maxEntriesPerMessage: number
  /** Bytes of opaque data on one manifest entry. */
  maxEntryDataBytes: number
  /** Bytes of the handshake userData. */
  maxUserDataBytes: number
  /** Bytes (UTF-8) of the client name. */
  maxClientBytes: number
  /** Bytes (UTF-8) of a Close reason. */
  maxReasonBytes: number
  /** Distinct feed keys the remote may offer in one session. */
  maxRemoteFeeds: number
  /** Feeds the local collection may hold. */
  maxFeeds: number
  /** Milliseconds from local open to a verified remote handshake. */
  handshakeTimeout: number
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 1_048_576,
  maxEntriesPerMessage: 4096,
  maxEntryDataBytes: 256,
  maxUserDataBytes: 1024,
  maxClientBytes: 64,
  maxReasonBytes: 256,
  maxRemoteFeeds: 16_384,
  maxFeeds: 65_536,
  handshakeTimeout: 10_000,
})

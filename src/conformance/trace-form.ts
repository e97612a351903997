/**
 * The JSON forms of trace vectors (test/vectors/traces.json, README "Trace vectors"): the
 * config, events, actions and policies, with the conversions to and from the session's plain
 * data. The generator records traces with them and the reference conformance server replays
 * them; another implementation reads the same forms from the README.
 */
import { decodeMessage, encodeMessage, messageTypeOf } from '../codec/channel-message.js'
import type { Limits } from '../codec/constants.js'
import { DecodeError } from '../codec/errors.js'
import { decodeHandshake, encodeHandshake } from '../codec/handshake.js'
import type { ManifestEntry } from '../codec/messages.js'
import { fromHex, toHex } from '../state/hex.js'
import type {
  LocalFeed,
  OpenEvent,
  Role,
  SessionAction,
  SessionEvent,
  SessionOptions,
} from '../state/types.js'
import { type DecodedMessage, type MessageJson, messageToJson } from './json-form.js'
import { type MembershipMessageJson, membershipMessageToJson } from './membership-message-form.js'

/**
 * Limits of the `decoded` annotations of trace events, and of the encoder of the scripted
 * remote: generous, so that the remote can send what the session must reject.
 */
export const ANNOTATION_LIMITS: Readonly<Partial<Limits>> = Object.freeze({
  maxMessageBytes: 1 << 24,
  maxEntriesPerMessage: 1 << 20,
  maxEntryDataBytes: 1 << 16,
  maxUserDataBytes: 1 << 16,
  maxClientBytes: 1 << 16,
  maxReasonBytes: 1 << 16,
})

export interface FeedJson {
  key: string
  length: number
  data: string | null
}

/**
 * A want or share policy as data: a feed or offer passes when every listed condition holds
 * (`onlyKeys`: its key is listed; `minLength`/`maxLength`: its length is within). null in a
 * config is the default policy, which passes everything.
 */
export interface PolicyJson {
  onlyKeys?: string[]
  minLength?: number
  maxLength?: number
}

export interface TraceConfig {
  now: number
  role: Role
  client: string
  userData: string | null
  localCapability: string
  remoteCapability: string
  feeds: FeedJson[]
  blocked: string[]
  limits?: Partial<Limits>
  /** The minor this side speaks (spec 11.1); absent: 0, as in the traces of 1.0. */
  minor?: number
  /** The lowest negotiated minor accepted (absent: 0). */
  requiredMinor?: number
  want: PolicyJson | null
  share: PolicyJson | null
}

/** The decoded annotation of a message: 1.0's forms, or those of minor 1. */
type Annotation = MessageJson | MembershipMessageJson | { decodeError: string } | null

export type EventJson =
  | { type: 'open' }
  | { type: 'remote-open'; body: string; decoded: MessageJson | { decodeError: string } }
  | { type: 'message'; messageType: number; body: string; decoded: Annotation }
  | { type: 'local-feed'; feed: FeedJson }
  | { type: 'local-feeds'; feeds: FeedJson[] }
  | { type: 'local-length'; key: string; length: number }
  | { type: 'local-truncate'; key: string; length: number }
  | { type: 'block'; key: string }
  | { type: 'tick'; now: number }
  | { type: 'close' }
  | { type: 'transport-closed' }
  | { type: 'send-extension'; messageType: number; body: string; decoded: Annotation }
  | { type: 'violation'; code: string; message: string; decodeCode?: string }
  | { type: 'reconsider'; keys: string[] }
  | { type: 'cut'; key: string; length: number | null }

export type ActionJson =
  | {
      type: 'send'
      messageType: number | null
      message: MessageJson | MembershipMessageJson
      body: string
    }
  | { type: 'extension'; messageType: number; body: string }
  | { type: 'timer'; at: number | null }
  | {
      type: 'remote-handshake'
      major: number
      minor: number
      client: string
      userData: string | null
    }
  | { type: 'add-feeds'; feeds: FeedJson[] }
  | { type: 'replicate' | 'unreplicate' | 'remote-feeds'; keys: string[] }
  | { type: 'synced' }
  | ({ type: 'fail' } & Record<string, unknown>)
  | { type: 'close'; by: 'local' | 'remote' }

export type TraceStep =
  | { input: EventJson; expect: ActionJson[] }
  | { input: EventJson; throws: string }

export interface Trace {
  id: string
  comment: string
  /** Spec sections (spec/multifeed.md) and error codes the trace exercises. */
  covers: string[]
  /** The same as config.role (repeated so that a reader can filter traces by role). */
  role: Role
  config: TraceConfig
  steps: TraceStep[]
}

export const feedToJson = (feed: LocalFeed | ManifestEntry): FeedJson => ({
  key: toHex(feed.key),
  length: feed.length,
  data: feed.data === null ? null : toHex(feed.data),
})

export const feedFromJson = (json: FeedJson): LocalFeed => ({
  key: fromHex(json.key),
  length: json.length,
  data: json.data === null ? null : fromHex(json.data),
})

function annotate(decode: () => DecodedMessage | null) {
  try {
    const decoded = decode()
    return decoded === null ? null : messageToJson(decoded)
  } catch (err) {
    if (err instanceof DecodeError) return { decodeError: err.code }
    throw err
  }
}

/**
 * The JSON form of an event, with `decoded` annotations for bytes from the remote. `minor`: the
 * trace's; message types 4 to 8 are annotated as membership messages only at minor 1.
 */
export function eventToJson(event: SessionEvent, minor = 0): EventJson {
  switch (event.type) {
    case 'open':
      return { type: 'open' }
    case 'remote-open':
      return {
        type: 'remote-open',
        body: toHex(event.body),
        decoded: annotate(() => decodeHandshake(event.body, ANNOTATION_LIMITS))!,
      }
    case 'message':
      return {
        type: 'message',
        messageType: event.messageType,
        body: toHex(event.body),
        decoded:
          (minor >= 1 ? membershipMessageToJson(event.messageType, event.body) : null) ??
          annotate(() => decodeMessage(event.messageType, event.body, ANNOTATION_LIMITS)),
      }
    case 'local-feed':
      return { type: 'local-feed', feed: feedToJson(event.feed) }
    case 'local-feeds':
      return { type: 'local-feeds', feeds: event.feeds.map(feedToJson) }
    case 'local-length':
    case 'local-truncate':
      return { type: event.type, key: toHex(event.key), length: event.length }
    case 'block':
      return { type: 'block', key: toHex(event.key) }
    case 'tick':
      return { type: 'tick', now: event.now }
    case 'close':
    case 'transport-closed':
      return { type: event.type }
    case 'send-extension':
      return {
        type: 'send-extension',
        messageType: event.messageType,
        body: toHex(event.body),
        decoded: membershipMessageToJson(event.messageType, event.body),
      }
    case 'violation':
      return {
        type: 'violation',
        code: event.code,
        message: event.message,
        ...(event.decodeCode === undefined ? {} : { decodeCode: event.decodeCode }),
      }
    case 'reconsider':
      return { type: 'reconsider', keys: event.keys.map(toHex) }
    case 'cut':
      return { type: 'cut', key: toHex(event.key), length: event.length }
  }
}

/** The event a trace step feeds to the session (`decoded` is an annotation only). */
export function eventFromJson(json: EventJson, config: TraceConfig): SessionEvent {
  switch (json.type) {
    case 'open':
      return openEventOf(config)
    case 'remote-open':
      return { type: 'remote-open', body: fromHex(json.body) }
    case 'message':
      return { type: 'message', messageType: json.messageType, body: fromHex(json.body) }
    case 'local-feed':
      return { type: 'local-feed', feed: feedFromJson(json.feed) }
    case 'local-feeds':
      return { type: 'local-feeds', feeds: json.feeds.map(feedFromJson) }
    case 'local-length':
    case 'local-truncate':
      return { type: json.type, key: fromHex(json.key), length: json.length }
    case 'block':
      return { type: 'block', key: fromHex(json.key) }
    case 'tick':
      return { type: 'tick', now: json.now }
    case 'close':
    case 'transport-closed':
      return { type: json.type }
    case 'send-extension':
      return { type: 'send-extension', messageType: json.messageType, body: fromHex(json.body) }
    case 'violation':
      return {
        type: 'violation',
        code: json.code as Extract<SessionEvent, { type: 'violation' }>['code'],
        message: json.message,
        ...(json.decodeCode === undefined ? {} : { decodeCode: json.decodeCode }),
      }
    case 'reconsider':
      return { type: 'reconsider', keys: json.keys.map(fromHex) }
    case 'cut':
      return { type: 'cut', key: fromHex(json.key), length: json.length }
  }
}

/** The JSON form of an action; `send` bodies are encoded with the generous annotation limits. */
export function actionToJson(action: SessionAction): ActionJson {
  switch (action.type) {
    case 'send': {
      const { message } = action
      if (message.type === 'handshake') {
        return {
          type: 'send',
          messageType: null,
          message: messageToJson(message),
          body: toHex(encodeHandshake(message, ANNOTATION_LIMITS)),
        }
      }
      if (message.type === 'extension') {
        return {
          type: 'send',
          messageType: message.messageType,
          message: membershipMessageToJson(message.messageType, message.body)!,
          body: toHex(message.body),
        }
      }
      return {
        type: 'send',
        messageType: messageTypeOf(message),
        message: messageToJson(message),
        body: toHex(encodeMessage(message, ANNOTATION_LIMITS)),
      }
    }
    case 'timer':
      return { type: 'timer', at: action.at }
    case 'remote-handshake':
      return {
        type: 'remote-handshake',
        major: action.major,
        minor: action.minor,
        client: action.client,
        userData: action.userData === null ? null : toHex(action.userData),
      }
    case 'add-feeds':
      return { type: 'add-feeds', feeds: action.feeds.map(feedToJson) }
    case 'replicate':
    case 'unreplicate':
    case 'remote-feeds':
      return { type: action.type, keys: action.keys.map(toHex) }
    case 'synced':
      return { type: 'synced' }
    case 'fail':
      return { ...action }
    case 'close':
      return { type: 'close', by: action.by }
    case 'extension':
      return { type: 'extension', messageType: action.messageType, body: toHex(action.body) }
  }
}

/** The `open` event of a trace: the config's fields (policies are session options). */
export function openEventOf(config: TraceConfig): OpenEvent {
  return {
    type: 'open',
    now: config.now,
    role: config.role,
    client: config.client,
    userData: config.userData === null ? null : fromHex(config.userData),
    localCapability: fromHex(config.localCapability),
    remoteCapability: fromHex(config.remoteCapability),
    feeds: config.feeds.map(feedFromJson),
    blocked: config.blocked.map(fromHex),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    // A trace without `minor` was written for 1.0: its session speaks minor 0.
    minor: config.minor ?? 0,
    ...(config.requiredMinor === undefined ? {} : { requiredMinor: config.requiredMinor }),
  }
}

/** A predicate for a policy form; undefined for null (the default policy). */
export function policyOf(
  json: PolicyJson | null,
): ((feed: { key: Uint8Array; length: number }) => boolean) | undefined {
  if (json === null) return undefined
  const allowed = json.onlyKeys === undefined ? null : new Set(json.onlyKeys)
  const min = json.minLength ?? 0
  const max = json.maxLength ?? Number.POSITIVE_INFINITY
  return (feed) =>
    (allowed === null || allowed.has(toHex(feed.key))) && feed.length >= min && feed.length <= max
}

/** The session options of a trace config (its want and share policies). */
export function sessionOptionsOf(config: TraceConfig): SessionOptions {
  const want = policyOf(config.want)
  const share = policyOf(config.share)
  return { ...(want ? { want } : {}), ...(share ? { share } : {}) }
}

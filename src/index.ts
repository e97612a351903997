/**
 * multifeed-protocol: the wire codec (`codec`), the sans-IO session state machine (`state`) and
 * the Node adapters: MultifeedChannel (protomux), Multifeed (Corestore) and the Hyperswarm
 * Networker.
 * @module
 */

export * from './adapters/corestore/index.js'
export * from './adapters/drain.js'
export type * from './adapters/events.js'
export * from './adapters/networker.js'
export * from './adapters/protomux-channel.js'
export * as codec from './codec/index.js'
export * from './errors.js'
export * as state from './state/index.js'

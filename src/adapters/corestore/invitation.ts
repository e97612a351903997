/**
 * A closed multifeed's invitation as a string a user can share: the z-base-32 ids (as Hypercore
 * prints keys) of the multifeed key and of the founder's public key, one after the other (104
 * characters). The invitation is what a member shares to invite others (spec/membership.md
 * 3.1); it is as secret as a 1.0 multifeed key, since it contains one.
 */
import HypercoreId from 'hypercore-id-encoding'
import { MultifeedError } from '../../errors.js'
import type { Invitation } from '../../state/membership/crypto.js'

const ID_CHARS = 52

export function encodeInvitation(invitation: Invitation): string {
  return HypercoreId.encode(invitation.multifeedKey) + HypercoreId.encode(invitation.founder)
}

/** An invitation from its string, or from `{ multifeedKey, founder }` (32 bytes each). */
export function parseInvitation(value: unknown): Invitation {
  if (typeof value === 'string' && value.length === 2 * ID_CHARS) {
    try {
      return {
        multifeedKey: HypercoreId.decode(value.slice(0, ID_CHARS)),
        founder: HypercoreId.decode(value.slice(ID_CHARS)),
      }
    } catch {}
  } else if (value !== null && typeof value === 'object') {
    const { multifeedKey, founder } = value as Partial<Invitation>
    if (
      multifeedKey instanceof Uint8Array &&
      multifeedKey.byteLength === 32 &&
      founder instanceof Uint8Array &&
      founder.byteLength === 32
    ) {
      return { multifeedKey: Uint8Array.from(multifeedKey), founder: Uint8Array.from(founder) }
    }
  }
  throw MultifeedError.INVALID_INVITATION(
    'an invitation is the string mf.invitation of a closed multifeed (104 characters), or { multifeedKey, founder } (32 bytes each)',
  )
}

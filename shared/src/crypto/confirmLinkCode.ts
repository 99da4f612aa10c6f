import { equalBytes, utf8 } from './bytes.js';
import { LINK_CODE_LENGTH } from './labels.js';
import type { LinkOffer } from './createLinkOffer.js';

/**
 * A typed code as Crockford reads it: case, spaces and hyphens ignored; O read as 0, I and L
 * as 1. Anything else is kept, so it cannot match.
 */
function normalise(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/**
 * True when the code a person typed on the existing device is the code of the offer it received
 * (PROTOCOL.md §1.15.7), compared in constant time. Only then may the existing device certify the
 * offer's device; a false answer means another device's offer, or a typo: ask again, never certify.
 */
export function confirmLinkCode(offer: LinkOffer, typed: string): boolean {
  const candidate = normalise(typed);
  if (candidate.length !== LINK_CODE_LENGTH) return false;
  return equalBytes(utf8(candidate), utf8(offer.code));
}

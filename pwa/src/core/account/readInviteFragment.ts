import {
  decodeBase64Url,
  INVITE_FRAGMENT_KEY,
  INVITE_LOG_KEY_FRAGMENT_KEY,
} from '@vaultroom/shared';

const params = (hash: string) => new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);

/**
 * The invite token from a `/join#invite=<token>` fragment, or null. Tokens travel in the
 * fragment because browsers never send it to a server (nor in a Referer).
 */
export function readInviteFragment(hash: string): string | null {
  const token = params(hash).get(INVITE_FRAGMENT_KEY);
  return token !== null && /^[A-Za-z0-9_-]{1,256}$/.test(token) ? token : null;
}

/**
 * The audit log key the inviter's device trusts, from `&log=<key>` beside the token: an Ed25519
 * public key, base64url without padding (PROTOCOL.md §1.8.3). Null when absent or not such a key:
 * the device then trusts the log's key on first use.
 */
export function readInviteLogKey(hash: string): string | null {
  const key = params(hash).get(INVITE_LOG_KEY_FRAGMENT_KEY);
  if (key === null || !/^[A-Za-z0-9_-]{43}$/.test(key)) return null;
  try {
    return decodeBase64Url(key).length === 32 ? key : null;
  } catch {
    return null;
  }
}

/** An invite link with the log key added to its fragment, for the person it is given to. */
export function withInviteLogKey(link: string, logKey: string | null): string {
  if (logKey === null || !link.includes('#')) return link;
  return `${link}&${INVITE_LOG_KEY_FRAGMENT_KEY}=${logKey}`;
}

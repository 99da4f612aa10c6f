import { INVITE_FRAGMENT_KEY } from '@vaultroom/shared';

/**
 * The invite token from a `/join#invite=<token>` fragment, or null. Tokens travel in the
 * fragment because browsers never send it to a server (nor in a Referer).
 */
export function readInviteFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get(INVITE_FRAGMENT_KEY);
  return token !== null && /^[A-Za-z0-9_-]{1,256}$/.test(token) ? token : null;
}

import dns from 'node:dns/promises';
import net from 'node:net';
import { PushError } from './PushError.js';
import { isForbiddenAddress } from './isForbiddenAddress.js';

/** Longer than any real push service URL (FCM's are about 200 characters, Apple's and Mozilla's less). */
export const MAX_ENDPOINT_LENGTH = 1024;

/** An endpoint that passed the rules, and the one address the request must go to. */
export interface ResolvedPushEndpoint {
  readonly url: URL;
  /** The address that was checked: the request connects here, with no second DNS look-up. */
  readonly address: string;
  readonly family: 4 | 6;
}

export interface EndpointRules {
  /** Lifts the address rule only (closed LANs with their own push service, tests). */
  readonly allowPrivate: boolean;
  /** Resolves a host name to its addresses; `dns.lookup` by default. */
  readonly lookup?: (hostname: string) => Promise<readonly { address: string; family: number }[]>;
}

/** The URL rules alone, without DNS: what a subscription must look like to be stored. */
export function parsePushEndpoint(endpoint: string): URL {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) {
    throw new PushError(
      'ENDPOINT_REFUSED',
      `a push endpoint is at most ${MAX_ENDPOINT_LENGTH} characters`,
    );
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PushError('ENDPOINT_REFUSED', 'a push endpoint must be a URL');
  }
  if (url.protocol !== 'https:') {
    throw new PushError('ENDPOINT_REFUSED', `a push endpoint must be https, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new PushError('ENDPOINT_REFUSED', 'a push endpoint must not carry credentials');
  }
  return url;
}

const defaultLookup = (hostname: string) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * Checks a client-supplied push endpoint before the relay sends anything to it, so that the relay
 * cannot be made to reach hosts on its own network (server-side request forgery): https only, no
 * credentials, and unless the operator allows private targets, every address the name resolves to
 * must be public unicast (one private answer refuses the lot, against DNS answers that mix them).
 * The caller connects to `address` itself, so a second look-up cannot return another one.
 */
export async function resolvePushEndpoint(
  endpoint: string,
  rules: EndpointRules,
): Promise<ResolvedPushEndpoint> {
  const url = parsePushEndpoint(endpoint);
  // URL keeps IPv6 literals in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: readonly { address: string; family: number }[];
  if (net.isIP(host) !== 0) {
    addresses = [{ address: host, family: net.isIP(host) }];
  } else {
    try {
      addresses = await (rules.lookup ?? defaultLookup)(host);
    } catch (error) {
      throw new PushError('PUSH_UNREACHABLE', 'the push service name does not resolve here', {
        cause: error,
      });
    }
  }
  const first = addresses[0];
  if (first === undefined) {
    throw new PushError('PUSH_UNREACHABLE', 'the push service name has no address');
  }
  if (!rules.allowPrivate && addresses.some((entry) => isForbiddenAddress(entry.address))) {
    throw new PushError(
      'ENDPOINT_REFUSED',
      'a push endpoint must not be a private, loopback, link-local or multicast address',
    );
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

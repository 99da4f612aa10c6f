import net from 'node:net';
import type { RateLimiter } from './createRateLimiter.js';

/** The front's allowance, as a multiple of one address's: room for a site's morning sign-ins. */
export const FRONT_ALLOWANCE_FACTOR = 100;

/**
 * A per-address limiter that gives the load balancer's own address an allowance of its own.
 * Behind a front in TCP pass-through every client arrives from the front's address, so one
 * address's allowance would hold a whole site to one client's sign-ins; the front limits new
 * connections per real source. The front's bucket stays bounded all the same (`frontLimiter`,
 * `FRONT_ALLOWANCE_FACTOR` times one address's): a single kept-alive connection through it could
 * otherwise start ceremonies, each a stored challenge, as fast as the relay answers.
 *
 * The comparison goes through `net.BlockList`, not string equality: uWS writes every peer of its
 * dual-stack socket as a full IPv6 address (`0000:…:ffff:7f00:0001` for 127.0.0.1), and
 * BlockList matches an IPv4 rule against its IPv4-mapped form.
 */
export function withFrontAllowance(
  limiter: RateLimiter,
  frontAddress: string | null,
  frontLimiter: RateLimiter,
): RateLimiter {
  if (frontAddress === null) return limiter;
  const front = new net.BlockList();
  front.addAddress(frontAddress, net.isIPv6(frontAddress) ? 'ipv6' : 'ipv4');
  const isFront = (address: string) => {
    const family = net.isIP(address);
    return family !== 0 && front.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  // Every spelling of the front's address shares one bucket.
  return {
    take: (key, now, cost) =>
      isFront(key) ? frontLimiter.take('front', now, cost) : limiter.take(key, now, cost),
    check: (key, now) =>
      isFront(key) ? frontLimiter.check('front', now) : limiter.check(key, now),
  };
}

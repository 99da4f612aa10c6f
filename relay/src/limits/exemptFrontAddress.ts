import net from 'node:net';
import type { RateLimiter } from './createRateLimiter.js';

/**
 * A per-address limiter that lets the load balancer's own address through. Behind a front in TCP
 * pass-through every client arrives from the front's address, so counting it would hold a whole
 * site to one client's allowance; the front limits new connections per real source instead.
 *
 * The comparison goes through `net.BlockList`, not string equality: uWS writes every peer of its
 * dual-stack socket as a full IPv6 address (`0000:…:ffff:7f00:0001` for 127.0.0.1), and
 * BlockList matches an IPv4 rule against its IPv4-mapped form.
 */
export function exemptFrontAddress(limiter: RateLimiter, frontAddress: string | null): RateLimiter {
  if (frontAddress === null) return limiter;
  const front = new net.BlockList();
  front.addAddress(frontAddress, net.isIPv6(frontAddress) ? 'ipv6' : 'ipv4');
  const isFront = (address: string) => {
    const family = net.isIP(address);
    return family !== 0 && front.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return {
    take: (key, now, cost) => (isFront(key) ? { allowed: true } : limiter.take(key, now, cost)),
    check: (key, now) => (isFront(key) ? { allowed: true } : limiter.check(key, now)),
  };
}

import { describe, expect, it } from 'vitest';
import { PushError } from './PushError.js';
import { resolvePushEndpoint } from './resolvePushEndpoint.js';

const answering =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PushError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('resolvePushEndpoint', () => {
  it('returns the checked address, which the request then connects to', async () => {
    const endpoint = await resolvePushEndpoint('https://push.example.com/send/abc', {
      allowPrivate: false,
      lookup: answering('142.250.74.42'),
    });
    expect(endpoint).toMatchObject({ address: '142.250.74.42', family: 4 });
    expect(endpoint.url.hostname).toBe('push.example.com');
  });

  it('refuses a name whose answers mix a public and a private address', async () => {
    const rules = { allowPrivate: false, lookup: answering('142.250.74.42', '10.0.0.5') };
    expect(await refusal(resolvePushEndpoint('https://push.example.com/x', rules))).toBe(
      'ENDPOINT_REFUSED',
    );
  });

  it('refuses a name that resolves to an IPv4-mapped loopback address', async () => {
    const rules = { allowPrivate: false, lookup: answering('::ffff:127.0.0.1') };
    expect(await refusal(resolvePushEndpoint('https://push.example.com/x', rules))).toBe(
      'ENDPOINT_REFUSED',
    );
  });

  it('lifts only the address rule when private targets are allowed', async () => {
    const rules = { allowPrivate: true, lookup: answering('192.168.1.20') };
    expect(await resolvePushEndpoint('https://push.lan/x', rules)).toMatchObject({
      address: '192.168.1.20',
    });
    expect(await refusal(resolvePushEndpoint('http://push.lan/x', rules))).toBe('ENDPOINT_REFUSED');
    expect(await refusal(resolvePushEndpoint('https://a:b@push.lan/x', rules))).toBe(
      'ENDPOINT_REFUSED',
    );
  });

  it('tells a name that does not resolve (no internet here) from a refused one', async () => {
    const rules = {
      allowPrivate: false,
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' })),
    };
    expect(await refusal(resolvePushEndpoint('https://push.example.com/x', rules))).toBe(
      'PUSH_UNREACHABLE',
    );
  });

  it('refuses endpoints longer than any push service uses', async () => {
    const rules = { allowPrivate: true, lookup: answering('142.250.74.42') };
    const long = `https://push.example.com/${'a'.repeat(1100)}`;
    expect(await refusal(resolvePushEndpoint(long, rules))).toBe('ENDPOINT_REFUSED');
  });
});

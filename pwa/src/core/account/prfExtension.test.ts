import { KEYSTORE_PRF_SALT_LABEL } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import { keystorePrfSalt, separatePrfResult, withPrfRequest } from './prfExtension.js';

const response = (clientExtensionResults: object) => ({
  id: 'abc',
  rawId: 'abc',
  type: 'public-key' as const,
  response: { clientDataJSON: 'x' },
  clientExtensionResults,
});

describe('the keystore PRF salt', () => {
  it('is the SHA-256 of the label, as 32 bytes', async () => {
    const salt = await keystorePrfSalt(KEYSTORE_PRF_SALT_LABEL, crypto.subtle);
    expect(salt).toBeInstanceOf(Uint8Array);
    expect(salt.length).toBe(32);
    const expected = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(KEYSTORE_PRF_SALT_LABEL)),
    );
    expect(salt).toEqual(expected);
  });

  it('is requested without dropping the options’ other extensions', () => {
    const salt = new Uint8Array(32).fill(7);
    const options = { challenge: 'c', extensions: { credProps: true } };
    const requested = withPrfRequest(options, salt);
    expect(requested.extensions).toEqual({ credProps: true, prf: { eval: { first: salt } } });
    expect(options.extensions).toEqual({ credProps: true });
  });
});

describe('separatePrfResult', () => {
  it('takes the PRF output out of the response posted to the relay', () => {
    const first = new Uint8Array(32).fill(9).buffer;
    const original = response({
      prf: { enabled: true, results: { first } },
      credProps: { rk: true },
    });
    const { response: posted, prfKey } = separatePrfResult(original);

    expect(prfKey).toEqual(new Uint8Array(32).fill(9));
    expect(posted.clientExtensionResults).toEqual({
      prf: { enabled: true },
      credProps: { rk: true },
    });
    expect(JSON.stringify(posted)).not.toContain('results');
    // The caller's object is left as it was.
    expect(JSON.stringify(original)).toContain('results');
  });

  it('strips results even when the output is not bytes, and returns no key then', () => {
    const { response: posted, prfKey } = separatePrfResult(
      response({ prf: { results: { first: 'not bytes' } } }),
    );
    expect(prfKey).toBeNull();
    expect(posted.clientExtensionResults).toEqual({ prf: {} });
  });

  it('gives the second salt’s output apart, and strips it too', () => {
    const second = new Uint8Array(32).fill(5);
    const {
      response: posted,
      prfKey,
      secondKey,
    } = separatePrfResult(
      response({ prf: { results: { first: new Uint8Array(32).fill(4), second } } }),
    );
    expect(prfKey).toEqual(new Uint8Array(32).fill(4));
    expect(secondKey).toEqual(second);
    expect(JSON.stringify(posted)).not.toContain('results');
  });

  it('asks for both salts in one evaluation', () => {
    const first = new Uint8Array(32).fill(1);
    const second = new Uint8Array(32).fill(2);
    const options: { challenge: string; extensions?: object } = { challenge: 'c' };
    expect(withPrfRequest(options, first, second).extensions).toEqual({
      prf: { eval: { first, second } },
    });
  });

  it('leaves a response without PRF results unchanged', () => {
    const original = response({ prf: { enabled: false } });
    expect(separatePrfResult(original)).toEqual({ response: original, prfKey: null });
    const none = response({});
    expect(separatePrfResult(none).response).toBe(none);
  });

  it('accepts a typed-array view over a larger buffer', () => {
    const backing = new Uint8Array(40).map((_, i) => i);
    const view = new Uint8Array(backing.buffer, 4, 32);
    const { prfKey } = separatePrfResult(response({ prf: { results: { first: view } } }));
    expect(prfKey).toEqual(backing.slice(4, 36));
  });
});

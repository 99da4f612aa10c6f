/**
 * The passkey PRF extension (WebAuthn L3 §10.1.4), as the keystore uses it: the same salt is
 * evaluated at registration and at every sign-in, and the 32-byte output is the key that will
 * seal this device's keystore. That output must never leave the browser.
 *
 * Registration and sign-in also evaluate a second salt, whose output seals the account key on
 * the relay (PROTOCOL.md §1.15.5): its own salt, so the key of a blob the relay holds is
 * independent of the key of the local store (one ceremony evaluates both, WebAuthn `eval`).
 */

/** The second salt's label: the account key sealed under the passkey (§1.15.5). */
export const ACCOUNT_KEY_PRF_SALT_LABEL = 'VaultRoom account key seal v1';

/** SHA-256 of the label, as bytes: the library passes extension inputs through unconverted. */
export async function keystorePrfSalt(label: string, subtle: SubtleCrypto): Promise<Uint8Array> {
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(label));
  return new Uint8Array(digest);
}

/**
 * A copy of ceremony options asking the authenticator to evaluate the PRF with `salt`, and with
 * `second` too when given.
 */
export function withPrfRequest<T extends { extensions?: object }>(
  options: T,
  salt: Uint8Array,
  second?: Uint8Array,
): T {
  const evaluate = second === undefined ? { first: salt } : { first: salt, second };
  return {
    ...options,
    extensions: { ...options.extensions, prf: { eval: evaluate } },
  };
}

export interface SeparatedPrfResult<T> {
  /** The response to post to the relay: `clientExtensionResults.prf.results` removed. */
  readonly response: T;
  /** The PRF output for the first salt, when the authenticator gave one. */
  readonly prfKey: Uint8Array | null;
  /** The output for the second salt, when one was asked for and given. */
  readonly secondKey?: Uint8Array;
}

function toBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
  }
  return null;
}

/**
 * Takes the PRF output out of a ceremony response. The relay refuses any response that still
 * carries `prf.results` (DESIGN §4: the PRF output never leaves the browser), so the copy returned
 * keeps only what it may see, such as `prf.enabled`. The input is not modified.
 */
export function separatePrfResult<T extends { clientExtensionResults: object }>(
  response: T,
): SeparatedPrfResult<T> {
  const extensions = response.clientExtensionResults as Record<string, unknown>;
  const prf = extensions['prf'];
  if (typeof prf !== 'object' || prf === null || !('results' in prf)) {
    return { response, prfKey: null };
  }
  const { results, ...prfRest } = prf as { results: unknown } & Record<string, unknown>;
  const outputs = typeof results === 'object' && results !== null ? results : {};
  const first = toBytes((outputs as { first?: unknown }).first);
  const second = toBytes((outputs as { second?: unknown }).second);
  return {
    response: { ...response, clientExtensionResults: { ...extensions, prf: prfRest } },
    prfKey: first,
    ...(second === null ? {} : { secondKey: second }),
  };
}

/**
 * The passkey PRF extension (WebAuthn L3 §10.1.4), as the keystore uses it: the same salt is
 * evaluated at registration and at every sign-in, and the 32-byte output is the key that will
 * seal this device's keystore. That output must never leave the browser.
 */

/** SHA-256 of the label, as bytes: the library passes extension inputs through unconverted. */
export async function keystorePrfSalt(label: string, subtle: SubtleCrypto): Promise<Uint8Array> {
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(label));
  return new Uint8Array(digest);
}

/** A copy of ceremony options asking the authenticator to evaluate the PRF with `salt`. */
export function withPrfRequest<T extends { extensions?: object }>(options: T, salt: Uint8Array): T {
  return {
    ...options,
    extensions: { ...options.extensions, prf: { eval: { first: salt } } },
  };
}

export interface SeparatedPrfResult<T> {
  /** The response to post to the relay: `clientExtensionResults.prf.results` removed. */
  readonly response: T;
  /** The PRF output for the first salt, when the authenticator gave one. */
  readonly prfKey: Uint8Array | null;
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
  const first =
    typeof results === 'object' && results !== null
      ? toBytes((results as { first?: unknown }).first)
      : null;
  return {
    response: { ...response, clientExtensionResults: { ...extensions, prf: prfRest } },
    prfKey: first,
  };
}

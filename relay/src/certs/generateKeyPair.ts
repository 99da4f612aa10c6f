import { generateKeyPairSync, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A fresh key pair: the private key, and the public key in the form a certificate embeds. */
export interface KeyPair {
  privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
}

export const EC_CURVE = 'prime256v1';

/**
 * P-256: accepted by every TLS client VaultRoom targets (RSA would be too, at several times the
 * handshake cost), and the curve WebCrypto and @peculiar/x509 sign with natively.
 */
export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: EC_CURVE });
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

/** @peculiar/x509 signs through WebCrypto, which takes a CryptoKey rather than a KeyObject. */
export async function toSigningKey(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
  ]);
}

/** PKCS #8, the unencrypted key format OpenSSL, Node and uWebSockets all read. */
export function privateKeyPem(privateKey: KeyObject): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

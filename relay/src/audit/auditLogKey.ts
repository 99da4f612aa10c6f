import fs from 'node:fs';
import path from 'node:path';
import { formatVerifierKey, type NoteSigner } from '@vaultroom/shared/transparency';
import { loadSodium } from '../sodium/loadSodium.js';

export interface AuditLogKey {
  readonly signer: NoteSigner;
  readonly publicKey: Uint8Array;
  /** `<name>+<key id>+<key>`: what an operator copies off the machine to verify checkpoints. */
  readonly verifierKey: string;
}

export function auditKeyPaths(dataDir: string): { secret: string; verifier: string } {
  return {
    secret: path.join(dataDir, 'audit', 'log-key.secret'),
    verifier: path.join(dataDir, 'audit', 'log-key.pub'),
  };
}

/**
 * The relay's checkpoint signing key: an Ed25519 seed in its own owner-only file outside the
 * database, so that a copy or an edit of the database alone cannot forge a checkpoint.
 */
export async function loadOrCreateAuditLogKey(dataDir: string, name: string): Promise<AuditLogKey> {
  const sodium = await loadSodium();
  const paths = auditKeyPaths(dataDir);
  fs.mkdirSync(path.dirname(paths.secret), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(paths.secret)) {
    const seed = sodium.randombytes_buf(sodium.crypto_sign_SEEDBYTES);
    const temp = `${paths.secret}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${Buffer.from(seed).toString('base64')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    fs.renameSync(temp, paths.secret);
  }
  const seed = Buffer.from(fs.readFileSync(paths.secret, 'utf8').trim(), 'base64');
  const pair = sodium.crypto_sign_seed_keypair(seed);
  const verifierKey = formatVerifierKey(name, pair.publicKey);
  fs.writeFileSync(paths.verifier, `${verifierKey}\n`, { mode: 0o644 });
  return { signer: { name, secretKey: pair.privateKey }, publicKey: pair.publicKey, verifierKey };
}

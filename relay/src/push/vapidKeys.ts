import fs from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import { StartupError } from '../lifecycle/StartupError.js';

/** The relay's VAPID key pair (RFC 8292): P-256, base64url as the Push API takes them. */
export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

export function vapidKeyPath(dataDir: string): string {
  return path.join(dataDir, 'push', 'vapid.json');
}

/**
 * The key pair that signs the relay's push requests, made on first start and kept in its own
 * owner-only file in the data directory. Browsers bind a subscription to the public key, so it
 * must outlive restarts; it is never logged, and only the public half leaves this module's callers.
 */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const file = vapidKeyPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    const keys = webpush.generateVAPIDKeys();
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(
      temp,
      `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey })}\n`,
      { mode: 0o600, flag: 'wx' },
    );
    fs.renameSync(temp, file);
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<VapidKeys>;
  if (typeof stored.publicKey !== 'string' || typeof stored.privateKey !== 'string') {
    throw new StartupError('DATA_DIR_UNUSABLE', `${file} does not hold a VAPID key pair`);
  }
  return { publicKey: stored.publicKey, privateKey: stored.privateKey };
}

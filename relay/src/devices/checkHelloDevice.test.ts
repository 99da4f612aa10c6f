import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateAuditLogKey } from '../audit/auditLogKey.js';
import { createAuditReader } from '../audit/createAuditReader.js';
import { createCheckpointer } from '../audit/createCheckpointer.js';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { checkHelloDevice } from './checkHelloDevice.js';
import { revokeDevice } from './revokeDevice.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const phone = 'dev-phone';
/** The session on the phone, about to say hello as it. */
const onPhone: Caller = { accountId: 'acct-ada', sessionId: 'sess-phone', deviceId: null };
/** The owner on a laptop, revoking the phone (a lost phone) at the same moment. */
const onLaptop: Caller = { accountId: 'acct-ada', sessionId: 'sess-laptop', deviceId: null };

describe('checkHelloDevice beside a revocation', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let ctx: DeliveryContext;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-hello-'));
    database = await openDatabase(dataDir);
    const reader = createAuditReader(database.db);
    const key = await loadOrCreateAuditLogKey(dataDir, 'test.local/log');
    const checkpointer = createCheckpointer({
      writes: database.writes,
      reader,
      key,
      origin: 'test.local/log',
      policy: { everyEvents: 1, everySeconds: 60 },
    });
    ctx = {
      db: database.db,
      writes: database.writes,
      settings: { retentionMs: 86_400_000, lowPrekeyThreshold: 20, prekeyGraceMs: 60_000 },
      now: () => NOW,
      log: pino({ level: 'silent' }),
      keyLog: { reader, checkpointer, verifierKey: key.verifierKey },
    };
    await database.db
      .insertInto('accounts')
      .values({
        id: 'acct-ada',
        handle: 'ada',
        handle_key: 'ada',
        display_name: 'Ada',
        role: 'member',
        status: 'active',
        webauthn_user_id: Buffer.alloc(32, 1),
        created_at: new Date(NOW).toISOString(),
        recovery_notice_at: null,
      })
      .execute();
    for (const [id, passkey] of [
      ['pk-phone', onPhone],
      ['pk-laptop', onLaptop],
    ] as const) {
      await database.db
        .insertInto('passkeys')
        .values({
          id,
          account_id: 'acct-ada',
          public_key: Buffer.alloc(32, 2),
          counter: 0,
          transports: '[]',
          aaguid: '',
          backup_eligible: 0,
          backed_up: 0,
          name: id,
          created_at: new Date(NOW).toISOString(),
          last_used_at: null,
        })
        .execute();
      await database.db
        .insertInto('sessions')
        .values({
          id: passkey.sessionId,
          token_hash: `hash-${id}`,
          account_id: 'acct-ada',
          passkey_id: id,
          user_agent: 'test',
          created_at: new Date(NOW).toISOString(),
          last_seen_at: new Date(NOW).toISOString(),
          absolute_expires_at: NOW + 86_400_000,
          ended_at: null,
          end_reason: null,
          verified_at: NOW, // a fresh step-up: the laptop may revoke devices
        })
        .execute();
    }
    await database.db
      .insertInto('devices')
      .values({
        id: phone,
        account_id: 'acct-ada',
        name: 'phone',
        signing_key: Buffer.alloc(32, 3),
        dh_key: Buffer.alloc(32, 4),
        dh_signature: Buffer.alloc(64, 5),
        created_at: NOW,
        last_seen_at: null,
        revoked_at: null,
        registered_with_credential: 'pk-phone',
      })
      .execute();
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('never leaves a live session speaking for a device revoked at the same moment', async () => {
    // Both start in the same turn, as two frames read from two sockets would. Whichever goes
    // first, the outcome must be one of two: the hello is refused (the revocation came first),
    // or the hello binds the session first and the revocation then ends that session.
    const [hello, revoked] = await Promise.allSettled([
      checkHelloDevice(ctx, onPhone, phone),
      revokeDevice(ctx, onLaptop, phone),
    ]);
    expect(revoked.status).toBe('fulfilled');
    const session = await database.db
      .selectFrom('sessions')
      .select(['device_id', 'ended_at'])
      .where('id', '=', onPhone.sessionId)
      .executeTakeFirstOrThrow();
    const device = await database.db
      .selectFrom('devices')
      .select('revoked_at')
      .where('id', '=', phone)
      .executeTakeFirstOrThrow();
    expect(device.revoked_at).not.toBeNull();
    if (hello.status === 'fulfilled') {
      // The hello won: the revocation saw the session bound to the phone and ended it.
      expect(session).toMatchObject({ device_id: phone });
      expect(session.ended_at).not.toBeNull();
      expect(revoked).toEqual({ status: 'fulfilled', value: [onPhone.sessionId] });
    } else {
      expect(session.device_id === phone && session.ended_at === null).toBe(false);
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import Database from 'better-sqlite3';
import {
  hashLeaf,
  parseCheckpoint,
  parseSignedNote,
  parseVerifierKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@vaultroom/shared/transparency';
import type { ConsistencyResponse } from '@vaultroom/shared';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLeafHash, type AuditRow } from '../src/audit/auditLeaf.js';
import { randomBytes } from 'node:crypto';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import { ApiClient } from './apiClient.js';
import { DeviceSocket } from './deviceSocket.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

/** Signs up the first administrator through the printed invite. */
async function signUpAdmin(relay: RelayProcess): Promise<ApiClient> {
  const client = new ApiClient(relay);
  const key = new SoftAuthenticator({ origin: client.origin });
  const invite = new URL(relay.adminInvite() ?? '').hash.replace('#invite=', '');
  const begin = await client.request('POST', '/api/registration/options', {
    invite,
    handle: 'ada',
    displayName: 'Ada',
  });
  await client.request('POST', '/api/registration/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
  return client;
}

/** A copy of a data directory, so each tampering starts from the same honest log. */
function copyDataDir(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-tamper-'));
  fs.cpSync(from, to, { recursive: true });
  return to;
}

function tamper(dataDir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path.join(dataDir, 'relay.db'));
  try {
    edit(db);
  } finally {
    db.close();
  }
}

function rowAt(db: Database.Database, seq: number): AuditRow {
  const row = db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as AuditRow & {
    leaf_hash?: Buffer;
  };
  delete row.leaf_hash;
  return row;
}

describe('the audit log', () => {
  let dataDir: string;
  let eventCount: number;

  beforeAll(async () => {
    const relay = await startRelayProcess({ args: ['--audit-checkpoint-events', '4'] });
    dataDir = relay.dataDir;
    const admin = await signUpAdmin(relay);
    for (let i = 0; i < 6; i++) {
      await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
    }
    await admin.request('POST', '/api/sign-out', {});
    const { code } = await relay.stop();
    expect(code).toBe(0);
    const db = new Database(path.join(dataDir, 'relay.db'), { readonly: true });
    eventCount = (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
    db.close();
  });

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies an honest log, with a checkpoint covering every event', async () => {
    const result = await runCli(['audit', 'verify', '--data-dir', dataDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^Audit log verified: ${eventCount} events, \\d+ signed checkpoints\\.`),
    );
    expect(eventCount).toBeGreaterThan(12);
  });

  it.each<[string, (db: Database.Database) => void, RegExp]>([
    [
      'a changed field',
      (db) => db.prepare("UPDATE audit_events SET outcome = 'failure' WHERE seq = 5").run(),
      /FAILED at event 5: event 5 was altered/,
    ],
    [
      'a changed field with its leaf hash recomputed',
      (db) => {
        const row = { ...rowAt(db, 6), type: 'user_enabled' };
        db.prepare('UPDATE audit_events SET type = ?, leaf_hash = ? WHERE seq = 6').run(
          row.type,
          Buffer.from(auditLeafHash(row)),
        );
      },
      /FAILED at event 5: events 5–6 do not match the stored tree/,
    ],
    [
      'a deleted row',
      (db) => db.prepare('DELETE FROM audit_events WHERE seq = 7').run(),
      /FAILED at event 7: event 7 is missing/,
    ],
    [
      'two rows swapped',
      (db) => {
        db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = 3').run();
        db.prepare('UPDATE audit_events SET seq = 3 WHERE seq = 4').run();
        db.prepare('UPDATE audit_events SET seq = 4 WHERE seq = -1').run();
      },
      /FAILED at event 3: event 3 was altered/,
    ],
    [
      'a row inserted in the middle',
      (db) => {
        const rows = db
          .prepare('SELECT seq FROM audit_events WHERE seq >= 8 ORDER BY seq DESC')
          .all() as {
          seq: number;
        }[];
        for (const { seq } of rows)
          db.prepare('UPDATE audit_events SET seq = ? WHERE seq = ?').run(seq + 1, seq);
        const forged: AuditRow = { ...rowAt(db, 9), seq: 8, type: 'user_enabled' };
        db.prepare(
          'INSERT INTO audit_events (seq, at, type, outcome, actor_account_id, actor_device_id, target, client, user_agent, details, leaf_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
        ).run(
          forged.seq,
          forged.at,
          forged.type,
          forged.outcome,
          forged.actor_account_id,
          forged.actor_device_id,
          forged.target,
          forged.client,
          forged.user_agent,
          forged.details,
          Buffer.from(auditLeafHash(forged)),
        );
      },
      /FAILED at event 7: events 7–8 do not match the stored tree/,
    ],
    [
      'a truncated tail',
      (db) => db.prepare('DELETE FROM audit_events WHERE seq > ?').run(eventCount - 3),
      /FAILED at event \d+: the log was truncated: the stored checkpoint at size \d+ covers \d+ events but only \d+ exist/,
    ],
    [
      'a rewritten checkpoint',
      (db) => {
        const latest = db
          .prepare('SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1')
          .get() as {
          tree_size: number;
          note: string;
        };
        const lines = latest.note.split('\n');
        lines[2] = Buffer.alloc(32, 7).toString('base64');
        db.prepare('UPDATE audit_checkpoints SET note = ? WHERE tree_size = ?').run(
          lines.join('\n'),
          latest.tree_size,
        );
      },
      /FAILED: the stored checkpoint at size \d+ does not verify/,
    ],
  ])('catches %s and names the place', async (_name, edit, message) => {
    const copy = copyDataDir(dataDir);
    try {
      tamper(copy, edit);
      const result = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(message);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('catches a rollback of the whole database with a checkpoint kept off the machine', async () => {
    const checkpoint = await runCli(['audit', 'checkpoint', '--data-dir', dataDir]);
    const note = checkpoint.stdout.split('\nVerifier key: ')[0] ?? '';
    const keyLine = /Verifier key: (\S+)/.exec(checkpoint.stdout)?.[1] ?? '';
    expect(keyLine).toMatch(/^\S+\+[0-9a-f]{8}\+/);
    const kept = path.join(os.tmpdir(), `vaultroom-checkpoint-${process.pid}.txt`);
    fs.writeFileSync(kept, note);
    const copy = copyDataDir(dataDir);
    try {
      tamper(copy, (db) => {
        db.prepare('DELETE FROM audit_events WHERE seq > 10').run();
        db.prepare('DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > 10').run();
        db.prepare('DELETE FROM audit_checkpoints WHERE tree_size > 10').run();
      });
      const local = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(local.code).toBe(0); // consistent with itself: only an outside copy can tell
      const withKept = await runCli([
        'audit',
        'verify',
        '--data-dir',
        copy,
        '--key',
        keyLine,
        '--checkpoint',
        kept,
      ]);
      expect(withKept.code).toBe(1);
      expect(withKept.stderr).toMatch(/the log was truncated: the external checkpoint covers/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.rmSync(kept, { force: true });
    }
  });

  it('proves the inclusion of an event, and exports, tails and filters', async () => {
    const proof = await runCli(['audit', 'prove', '3', '--data-dir', dataDir]);
    expect(proof.code).toBe(0);
    const parsed = JSON.parse(proof.stdout) as { treeSize: number; proof: string[]; index: number };
    expect(parsed.index).toBe(2);
    expect(parsed.proof.length).toBe(Math.ceil(Math.log2(parsed.treeSize)));

    const exported = await runCli([
      'audit',
      'export',
      '--type',
      'invite_created',
      '--data-dir',
      dataDir,
    ]);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(lines.length).toBe(7); // the first-admin invite and six more
    expect(lines.every((line) => line.type === 'invite_created')).toBe(true);

    const tail = await runCli(['audit', 'tail', '-n', '3', '--data-dir', dataDir]);
    expect(tail.stdout.trim().split('\n')).toHaveLength(3);
    expect(tail.stdout).toContain('relay_stopped');

    const badTime = await runCli([
      'audit',
      'export',
      '--since',
      'yesterday',
      '--data-dir',
      dataDir,
    ]);
    expect(badTime.code).toBe(1);
  });
});

describe('the audit log across a crash', () => {
  it('after SIGKILL during a burst of audited actions, verifies and has an event for every action', async () => {
    const relay = await startRelayProcess({ args: ['--audit-checkpoint-events', '3'] });
    const dataDir = relay.dataDir;
    try {
      const admin = await signUpAdmin(relay);
      const burst = Array.from({ length: 60 }, () =>
        admin
          .request('POST', '/api/invites', { role: 'member', maxUses: 1, expiresInHours: 1 })
          .catch(() => null),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
      await relay.stop('SIGKILL');
      await Promise.all(burst);

      const restarted = await startRelayProcess({
        dataDir,
        args: ['--audit-checkpoint-events', '3'],
      });
      await restarted.stop();
      const verify = await runCli(['audit', 'verify', '--data-dir', dataDir]);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);

      const db = new Database(path.join(dataDir, 'relay.db'), { readonly: true });
      const invites = (db.prepare('SELECT count(*) AS n FROM invites').get() as { n: number }).n;
      const events = (
        db
          .prepare("SELECT count(*) AS n FROM audit_events WHERE type = 'invite_created'")
          .get() as { n: number }
      ).n;
      db.close();
      expect(events).toBe(invites);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the audit API', () => {
  it('gives a user their own events, each provably in the signed log', async () => {
    const relay = await startRelayProcess({ args: ['--audit-checkpoint-events', '1'] });
    try {
      const admin = await signUpAdmin(relay);
      await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the checkpointer ticks each second

      const { body: head } = await admin.request('GET', '/api/audit/checkpoint');
      const { body } = await admin.request('GET', '/api/audit/mine?limit=10');
      await sodium.ready;
      const checkpoint = verifyCheckpoint(
        String(body['checkpoint']),
        {
          origin: String(head['origin']),
          verifiers: [parseVerifierKey(String(head['verifierKey']))],
        },
        sodium,
      );
      const events = body['events'] as {
        seq: number;
        type: string;
        leaf: string;
        proof: string[] | null;
      }[];
      expect(events.map((event) => event.type)).toEqual(
        expect.arrayContaining([
          'user_created',
          'authn_passkey_added',
          'session_created',
          'invite_created',
        ]),
      );
      let proven = 0;
      for (const event of events) {
        if (event.proof === null) continue;
        const leafHash = hashLeaf(Buffer.from(event.leaf, 'base64'));
        const proof = event.proof.map((hash) => Buffer.from(hash, 'base64'));
        verifyInclusion(leafHash, event.seq - 1, checkpoint.size, proof, checkpoint.rootHash);
        expect(() => {
          verifyInclusion(
            hashLeaf(Buffer.from('forged')),
            event.seq - 1,
            checkpoint.size,
            proof,
            checkpoint.rootHash,
          );
        }).toThrow();
        proven += 1;
      }
      expect(proven).toBeGreaterThanOrEqual(4);

      const consistency = await admin.request(
        'GET',
        `/api/audit/consistency?from=1&to=${checkpoint.size}`,
      );
      expect(consistency.status).toBe(200);
      const filtered = await admin.request('GET', '/api/audit/events?type=invite_created');
      expect(
        (filtered.body['events'] as { type: string }[]).every(
          (event) => event.type === 'invite_created',
        ),
      ).toBe(true);
      expect((await new ApiClient(relay).request('GET', '/api/audit/mine')).status).toBe(401);
      expect((await admin.request('GET', '/api/audit/mine?limit=x')).status).toBe(400);
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });
});

describe('pruning the audit log', () => {
  let dataDir: string;
  let eventCount: number;
  /** A cut in the middle of the log, and the pruned size it gives. */
  let cut: string;
  let prunedSize: number;

  function readOne(dir: string, query: string, ...params: unknown[]): unknown {
    const db = new Database(path.join(dir, 'relay.db'), { readonly: true });
    try {
      return db.prepare(query).get(...params);
    } finally {
      db.close();
    }
  }

  function readAll(dir: string, query: string): unknown[] {
    const db = new Database(path.join(dir, 'relay.db'), { readonly: true });
    try {
      return db.prepare(query).all();
    } finally {
      db.close();
    }
  }

  /** A copy of the honest log, pruned at `cut`. */
  async function prunedCopy(): Promise<string> {
    const copy = copyDataDir(dataDir);
    const result = await runCli(['audit', 'prune', '--before', cut, '--data-dir', copy]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return copy;
  }

  beforeAll(async () => {
    const relay = await startRelayProcess({ args: ['--audit-checkpoint-events', '4'] });
    dataDir = relay.dataDir;
    const admin = await signUpAdmin(relay);
    for (let i = 0; i < 8; i++) {
      await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      // The checkpointer ticks each second: a pause mid-way leaves a checkpoint inside the log.
      if (i === 3) await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    await admin.request('POST', '/api/sign-out', {});
    const { code } = await relay.stop();
    expect(code).toBe(0);
    eventCount = (readOne(dataDir, 'SELECT count(*) AS n FROM audit_events') as { n: number }).n;
    // Events can share a millisecond: the cut is the time of event 11, and whatever shares it stays.
    cut = (readOne(dataDir, 'SELECT at FROM audit_events WHERE seq = 11') as { at: string }).at;
    prunedSize =
      (
        readOne(dataDir, 'SELECT min(seq) AS seq FROM audit_events WHERE at >= ?', cut) as {
          seq: number;
        }
      ).seq - 1;
    expect(prunedSize).toBeGreaterThan(2);
  });

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prunes old events with a signed record, and verify reports the pruning', async () => {
    const copy = copyDataDir(dataDir);
    try {
      const prune = await runCli(['audit', 'prune', '--before', cut, '--data-dir', copy]);
      expect(prune.stderr).toBe('');
      expect(prune.code).toBe(0);
      expect(prune.stdout).toContain(
        `Pruned ${prunedSize} events (1–${prunedSize} are now pruned), recorded in the signed checkpoint at size ${eventCount + 1}.`,
      );
      const verify = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(
        new RegExp(
          `^Audit log verified: ${eventCount + 1} events \\(1–${prunedSize} pruned at \\S+Z\\), \\d+ signed checkpoints`,
        ),
      );
      const remaining = readOne(
        copy,
        'SELECT min(seq) AS first, count(*) AS n FROM audit_events',
      ) as { first: number; n: number };
      expect(remaining).toEqual({ first: prunedSize + 1, n: eventCount + 1 - prunedSize });
      const checkpoint = await runCli(['audit', 'checkpoint', '--data-dir', copy]);
      expect(checkpoint.stdout).toMatch(new RegExp(`\\npruned ${prunedSize} \\S+Z\\n`));
      const tail = await runCli(['audit', 'tail', '-n', '1', '--data-dir', copy]);
      expect(tail.stdout).toContain('audit_pruned');

      const again = await runCli(['audit', 'prune', '--before', cut, '--data-dir', copy]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^Nothing to prune/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('proves a remaining event, and names a pruned one', async () => {
    const copy = await prunedCopy();
    try {
      const proof = await runCli(['audit', 'prove', String(prunedSize + 1), '--data-dir', copy]);
      expect(proof.stderr).toBe('');
      expect(proof.code).toBe(0);
      const parsed = JSON.parse(proof.stdout) as { treeSize: number; index: number };
      expect(parsed).toMatchObject({ treeSize: eventCount + 1, index: prunedSize });
      const gone = await runCli(['audit', 'prove', '2', '--data-dir', copy]);
      expect(gone.code).toBe(1);
      expect(gone.stderr.trim()).toMatch(/^vaultroom: event 2 was pruned at \S+ \(events 1–\d+\)$/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('never prunes events that no signed checkpoint covers', async () => {
    const copy = copyDataDir(dataDir);
    try {
      const signed = (
        readOne(
          copy,
          'SELECT max(tree_size) AS size FROM audit_checkpoints WHERE tree_size < ?',
          eventCount - 2,
        ) as { size: number }
      ).size;
      expect(signed).toBeGreaterThan(0);
      tamper(copy, (db) =>
        db.prepare('DELETE FROM audit_checkpoints WHERE tree_size > ?').run(signed),
      );
      const prune = await runCli(['audit', 'prune', '--keep-days', '0', '--data-dir', copy]);
      expect(prune.code).toBe(0);
      expect(prune.stdout).toContain(`(1–${signed} are now pruned)`);
      expect(prune.stdout).toContain(
        `${eventCount - signed} older events were kept: no signed checkpoint covers them yet.`,
      );
      expect(
        readOne(copy, 'SELECT min(seq) AS first FROM audit_events') as { first: number },
      ).toEqual({ first: signed + 1 });
      const verify = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(verify.code).toBe(0);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('refuses unclear requests with one line', async () => {
    for (const args of [[], ['--keep-days', 'ninety'], ['--before', 'last week']]) {
      const result = await runCli(['audit', 'prune', ...args, '--data-dir', dataDir]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const tampered = copyDataDir(dataDir);
    try {
      tamper(tampered, (db) =>
        db.prepare("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2").run(),
      );
      const result = await runCli(['audit', 'prune', '--before', cut, '--data-dir', tampered]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/the audit log does not verify, so nothing was pruned/);
      expect((readOne(tampered, 'SELECT count(*) AS n FROM audit_events') as { n: number }).n).toBe(
        eventCount,
      );
    } finally {
      fs.rmSync(tampered, { recursive: true, force: true });
    }
  });

  it.each<[string, (db: Database.Database) => void, () => RegExp]>([
    [
      'an edited edge',
      (db) => {
        const { edge } = db.prepare('SELECT edge FROM audit_pruning').get() as { edge: Buffer };
        edge[0] = (edge[0] ?? 0) ^ 1;
        db.prepare('UPDATE audit_pruning SET edge = ?').run(edge);
      },
      () =>
        new RegExp(
          `FAILED: the tree edge kept by the pruning of events 1–${prunedSize} does not match the stored checkpoint at size ${prunedSize}`,
        ),
    ],
    [
      'an edited pruning time',
      (db) => db.prepare("UPDATE audit_pruning SET pruned_at = '2020-01-01T00:00:00.000Z'").run(),
      () =>
        new RegExp(`FAILED: the pruning record of events 1–${prunedSize} is missing or altered`),
    ],
    [
      'a pruned size moved on, with more events deleted',
      (db) => {
        db.prepare('UPDATE audit_pruning SET tree_size = tree_size + 1').run();
        db.prepare('DELETE FROM audit_events WHERE seq = ?').run(prunedSize + 1);
      },
      () =>
        new RegExp(`FAILED: the pruning record of events 1–${prunedSize} is missing or altered`),
    ],
    [
      'a deleted pruning record',
      (db) => db.prepare('DELETE FROM audit_pruning').run(),
      () =>
        new RegExp(`FAILED: the pruning record of events 1–${prunedSize} is missing or altered`),
    ],
    [
      'a deleted remaining event',
      (db) => db.prepare('DELETE FROM audit_events WHERE seq = ?').run(prunedSize + 2),
      () =>
        new RegExp(
          `FAILED at event ${prunedSize + 2}: event ${prunedSize + 2} is missing \\(the next event is ${prunedSize + 3}\\)`,
        ),
    ],
    [
      'a pruned event put back, altered',
      (db) => {
        const row = { ...rowAt(db, prunedSize + 1), seq: 1 };
        db.prepare(
          'INSERT INTO audit_events (seq, at, type, outcome, actor_account_id, actor_device_id, target, client, user_agent, details, leaf_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
        ).run(
          row.seq,
          row.at,
          row.type,
          row.outcome,
          row.actor_account_id,
          row.actor_device_id,
          row.target,
          row.client,
          row.user_agent,
          row.details,
          Buffer.from(auditLeafHash(row)),
        );
      },
      () =>
        new RegExp(`FAILED: events 1–${prunedSize} were pruned, yet 1 of them are stored again`),
    ],
  ])('after pruning, catches %s and names it', async (_name, edit, message) => {
    const copy = await prunedCopy();
    try {
      tamper(copy, edit);
      const result = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(message());
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('shows a device that remembers a checkpoint from before the pruning that the log extends it', async () => {
    const copy = copyDataDir(dataDir);
    try {
      // What a device saw before the pruning: the earliest signed checkpoint.
      const old = readOne(
        copy,
        'SELECT note FROM audit_checkpoints ORDER BY tree_size LIMIT 1',
      ) as { note: string };
      const remembered = parseCheckpoint(parseSignedNote(old.note).body);
      // Everything up to the latest checkpoint: the earliest one lies before that.
      const prune = await runCli(['audit', 'prune', '--keep-days', '0', '--data-dir', copy]);
      expect(prune.code).toBe(0);
      const { tree_size: prunedTo } = readOne(copy, 'SELECT tree_size FROM audit_pruning') as {
        tree_size: number;
      };
      expect(remembered.size).toBeLessThan(prunedTo);

      const relay = await startRelayProcess({
        dataDir: copy,
        args: ['--audit-checkpoint-events', '1'],
      });
      try {
        const invite = await runCli(['invite', 'create', '--data-dir', copy]);
        const client = new ApiClient(relay);
        const key = new SoftAuthenticator({ origin: client.origin });
        const begin = await client.request('POST', '/api/registration/options', {
          invite: /#invite=([A-Za-z0-9_-]+)/.exec(invite.stdout)?.[1] ?? '',
          handle: 'grace',
          displayName: 'Grace',
        });
        const signedUp = await client.request('POST', '/api/registration/verify', {
          ceremonyId: begin.body['ceremonyId'],
          response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
        });
        expect(signedUp.status).toBe(201);
        await new Promise((resolve) => setTimeout(resolve, 1500)); // the checkpointer ticks each second

        const { body: head } = await client.request('GET', '/api/audit/checkpoint');
        await sodium.ready;
        const current = verifyCheckpoint(
          String(head['checkpoint']),
          {
            origin: String(head['origin']),
            verifiers: [parseVerifierKey(String(head['verifierKey']))],
          },
          sodium,
        );
        const response = await client.request(
          'GET',
          `/api/audit/consistency?from=${remembered.size}&to=${current.size}`,
        );
        expect(response.status).toBe(200);
        const body = response.body as unknown as ConsistencyResponse;
        expect(body.links?.map((link) => link.size)).toEqual([prunedTo]);
        // What the PWA does: each step a consistency proof, from the remembered root to the
        // current one through the root at the pruned size.
        const hashes = (proof: readonly string[]) =>
          proof.map((hash) => Buffer.from(hash, 'base64'));
        let size = remembered.size;
        let root = remembered.rootHash;
        for (const link of body.links ?? []) {
          const linkRoot = Buffer.from(link.rootHash, 'base64');
          verifyConsistency(size, link.size, hashes(link.proof), root, linkRoot);
          size = link.size;
          root = linkRoot;
        }
        verifyConsistency(size, current.size, hashes(body.proof), root, current.rootHash);
        expect(() => {
          verifyConsistency(
            size,
            current.size,
            hashes(body.proof),
            Buffer.alloc(32),
            current.rootHash,
          );
        }).toThrow();

        // A size no signed checkpoint had gets a clear refusal, not a proof.
        const signed = new Set(
          readAll(copy, 'SELECT tree_size FROM audit_checkpoints').map(
            (row) => (row as { tree_size: number }).tree_size,
          ),
        );
        const unsigned = Array.from({ length: prunedTo }, (_, i) => i + 1).find(
          (size) => !signed.has(size),
        );
        expect(unsigned).toBeDefined();
        const refused = await client.request(
          'GET',
          `/api/audit/consistency?from=${unsigned ?? 0}&to=${current.size}`,
        );
        expect(refused.status).toBe(400);
      } finally {
        await relay.stop();
      }
      const verify = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 90_000);

  it('after pruning, catches an altered consistency proof kept for an older checkpoint', async () => {
    const copy = copyDataDir(dataDir);
    try {
      const prune = await runCli(['audit', 'prune', '--keep-days', '0', '--data-dir', copy]);
      expect(prune.code).toBe(0);
      const link = readOne(
        copy,
        'SELECT from_size, to_size, proof FROM audit_links ORDER BY from_size LIMIT 1',
      ) as { from_size: number; to_size: number; proof: Buffer };
      expect(link.proof.length % 32).toBe(0);
      tamper(copy, (db) => {
        link.proof[0] = (link.proof[0] ?? 0) ^ 1;
        db.prepare('UPDATE audit_links SET proof = ? WHERE from_size = ?').run(
          link.proof,
          link.from_size,
        );
      });
      const result = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(
        `FAILED: the kept consistency proof from size ${link.from_size} to the pruned size ${link.to_size} does not verify against the stored checkpoint at size ${link.from_size}: it was altered`,
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('prunes beside a running relay, which goes on logging and signing', async () => {
    const copy = copyDataDir(dataDir);
    try {
      const relay = await startRelayProcess({
        dataDir: copy,
        args: ['--audit-checkpoint-events', '2'],
      });
      const prune = await runCli(['audit', 'prune', '--keep-days', '0', '--data-dir', copy]);
      expect(prune.stderr).toBe('');
      expect(prune.code).toBe(0);
      const { code } = await relay.stop();
      expect(code).toBe(0);
      const verify = await runCli(['audit', 'verify', '--data-dir', copy]);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/ events \(1–\d+ pruned at /);
      const last = readOne(copy, 'SELECT type FROM audit_events ORDER BY seq DESC LIMIT 1') as {
        type: string;
      };
      expect(last.type).toBe('relay_stopped');
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('what the audit log records and never records', () => {
  it('records a change of security settings between starts', async () => {
    const first = await startRelayProcess();
    await first.stop();
    const second = await startRelayProcess({
      dataDir: first.dataDir,
      args: ['--registration', 'open'],
    });
    await second.stop();
    try {
      const exported = await runCli([
        'audit',
        'export',
        '--type',
        'config_changed',
        '--data-dir',
        first.dataDir,
      ]);
      const events = exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { details: Record<string, unknown> });
      expect(events).toHaveLength(1);
      expect(events[0]?.details).toMatchObject({ settings: 'registration', registration: 'open' });
      const started = await runCli([
        'audit',
        'export',
        '--type',
        'relay_started',
        '--data-dir',
        first.dataDir,
      ]);
      expect(started.stdout.trim().split('\n')).toHaveLength(2);
    } finally {
      fs.rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('records setting a front address, and reads a record older than that setting as unset', async () => {
    const first = await startRelayProcess();
    await first.stop();
    const dataDir = first.dataDir;
    // The record as a version without the setting left it: no `frontAddress` key at all.
    const db = new Database(path.join(dataDir, 'relay.db'));
    const row = db
      .prepare("SELECT value FROM relay_meta WHERE key = 'security_settings'")
      .get() as {
      value: string;
    };
    const older = JSON.parse(row.value) as Record<string, string>;
    expect(older['frontAddress']).toBe('');
    delete older['frontAddress'];
    db.prepare("UPDATE relay_meta SET value = ? WHERE key = 'security_settings'").run(
      JSON.stringify(older),
    );
    db.close();
    const changedEvents = async () => {
      const exported = await runCli([
        'audit',
        'export',
        '--type',
        'config_changed',
        '--data-dir',
        dataDir,
      ]);
      return exported.stdout
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { details: Record<string, unknown> }).details);
    };
    try {
      await (await startRelayProcess({ dataDir })).stop();
      expect(await changedEvents()).toEqual([]);
      await (await startRelayProcess({ dataDir, args: ['--front-address', '10.0.0.5'] })).stop();
      expect(await changedEvents()).toEqual([
        expect.objectContaining({ settings: 'frontAddress' }),
      ]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('never holds a session token, invite token, challenge, key or ciphertext (canary)', async () => {
    await sodium.ready;
    const relay = await startRelayProcess();
    const dataDir = relay.dataDir;
    const canaries: string[] = [];
    try {
      const inviteToken = new URL(relay.adminInvite() ?? '').hash.replace('#invite=', '');
      canaries.push(inviteToken);
      const client = new ApiClient(relay);
      const key = new SoftAuthenticator({ origin: client.origin });
      const begin = await client.request('POST', '/api/registration/options', {
        invite: inviteToken,
        handle: 'canary',
        displayName: 'Canary',
      });
      const options = begin.body['options'] as PublicKeyCredentialCreationOptionsJSON;
      canaries.push(options.challenge);
      const response = key.register(options);
      canaries.push(response.response.attestationObject.slice(20, 60)); // part of the public key
      await client.request('POST', '/api/registration/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response,
      });
      canaries.push(client.cookie.split('=')[1] ?? 'no-cookie');

      const identity = generateIdentityKeyPair(sodium);
      const secret = Buffer.from(identity.signingSecretKey.slice(0, 32)).toString('hex');
      canaries.push(secret, Buffer.from(identity.signingPublicKey).toString('hex'));
      const socket = await DeviceSocket.open(relay, client.cookie);
      await socket.hello(null);
      const registered = await socket.request({
        t: 'register-device',
        id: socket.id(),
        name: 'canary device',
        identity: {
          signingPublicKey: Uint8Array.from(identity.signingPublicKey),
          dhPublicKey: Uint8Array.from(identity.dhPublicKey),
          dhSignature: Uint8Array.from(identity.dhSignature),
        },
      });
      const device = registered.t === 'device-registered' ? registered.device : '';
      const ciphertext = Buffer.from('CIPHERTEXT-CANARY-' + randomBytes(8).toString('hex'));
      canaries.push(ciphertext.toString('utf8'));
      await socket.request({
        t: 'send',
        id: socket.id(),
        msg: new Uint8Array(randomBytes(16)),
        to: [{ device, body: new Uint8Array(ciphertext) }],
      });
      // A refused request with secrets in it is logged as an event too, without them.
      await client.request('POST', '/api/sign-in/verify', {
        ceremonyId: 'x',
        response: { token: canaries[0] },
      });
      socket.close();
      await relay.stop();

      const db = new Database(path.join(dataDir, 'relay.db'), { readonly: true });
      const rows = db.prepare('SELECT * FROM audit_events').all() as Record<string, unknown>[];
      db.close();
      const auditText = rows
        .map((row) =>
          Object.values(row)
            .map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value)))
            .join(' '),
        )
        .join('\n');
      const logs = JSON.stringify(relay.logs);
      expect(rows.length).toBeGreaterThan(5);
      for (const canary of canaries) {
        expect(auditText.includes(canary), `audit log holds ${canary.slice(0, 12)}…`).toBe(false);
        expect(logs.includes(canary), `logs hold ${canary.slice(0, 12)}…`).toBe(false);
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

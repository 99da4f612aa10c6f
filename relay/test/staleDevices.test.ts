import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ACCOUNTS_API, type StaleDevicesResponse } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from './apiClient.js';
import { signUp } from './deviceSocket.js';
import { connect, enrol } from './enrolDevice.js';
import { startRelayProcess } from './relayProcess.js';

const DAY = 86_400_000;

describe('stale devices in the admin view, on a real relay', () => {
  it('reports to admins only the devices unseen for the retention period, with what waits for them', async () => {
    const relay = await startRelayProcess({ args: ['--retention-days', '7'] });
    try {
      const ada = await signUp(relay, relay.adminInvite() ?? '', 'ada');
      const invite = await ada.request('POST', ACCOUNTS_API.invites, {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const bob = await signUp(relay, String(invite.body['link']), 'bob');
      const devices: string[] = [];
      for (const [client, name] of [
        [ada, 'ada laptop'],
        [bob, 'bob phone'],
      ] as const) {
        const socket = await connect(relay, client, null);
        devices.push((await enrol(socket, name, 1)).id);
        socket.close();
        await socket.closed;
      }
      const [adaDevice = '', bobDevice = ''] = devices;

      // Ada writes to Bob's phone while it is away: two envelopes wait in its mailbox.
      const sender = await connect(relay, ada, adaDevice);
      for (const size of [1000, 24]) {
        const reply = await sender.request({
          t: 'send',
          id: sender.id(),
          msg: new Uint8Array(randomBytes(16)),
          to: [{ device: bobDevice, body: new Uint8Array(size).fill(1) }],
        });
        expect(reply.t).toBe('sent');
      }
      sender.close();
      await sender.closed;

      const stale = async (client: ApiClient) => client.request('GET', ACCOUNTS_API.staleDevices);
      expect((await stale(ada)).body).toEqual({ retentionDays: 7, devices: [] });

      // Bob's phone was last seen eight days ago, and the envelopes are still there.
      const lastSeen = Date.now() - 8 * DAY;
      const db = new Database(path.join(relay.dataDir, 'relay.db'));
      try {
        db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(lastSeen, bobDevice);
      } finally {
        db.close();
      }
      const report = await stale(ada);
      expect(report.status).toBe(200);
      const body = report.body as unknown as StaleDevicesResponse;
      expect(body.retentionDays).toBe(7);
      expect(body.devices).toEqual([
        {
          id: bobDevice,
          handle: 'bob',
          name: 'bob phone',
          createdAt: expect.any(String) as string,
          lastSeenAt: new Date(lastSeen).toISOString(),
          envelopes: 2,
          bytes: 1024,
        },
      ]);

      // A member may not see it, like every admin view.
      const refused = await stale(bob);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe('FORBIDDEN');

      // Once the phone connects again, it is no longer stale.
      const back = await connect(relay, bob, bobDevice);
      expect((await stale(ada)).body['devices']).toEqual([]);
      back.close();
      await back.closed;
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });
});

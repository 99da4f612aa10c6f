import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import { encodeFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import Database from 'better-sqlite3';
import sodium from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { ApiClient, type ApiResult } from '../apiClient.js';
import { DeviceSocket } from '../deviceSocket.js';
import { runCli, startRelayProcess } from '../relayProcess.js';
import { SoftAuthenticator } from '../softAuthenticator.js';
import { minimalPwa } from './minimalPwa.js';

/*
 * Markers standing for every kind of secret pass through every path of a relay logging at its
 * most verbose level: sign-up and sign-in (invite token, challenge, session token, PRF output),
 * refused requests carrying them, the socket (identity and prekey bytes, ciphertext, malformed
 * and oversized frames), a crash in mid-traffic and a failed start. None may appear in the
 * relay's output, its audit log, or any answer it gives. audit.test.ts checks the audit log
 * along the happy path at the default level; this covers the refusals, trace logging and crashes.
 */

/** A marker and the encodings a leak could take in text: itself, hex, base64 and base64url. */
function spellings(marker: string | Uint8Array): string[] {
  const bytes = Buffer.from(marker);
  return [
    bytes.toString('utf8'),
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ]
    .map((text) => text.replace(/=+$/, ''))
    .filter((text) => text.length >= 16);
}

describe('secrets canary', () => {
  it('no token, challenge, PRF output, key or ciphertext appears in logs, audit log, answers or crash output', async () => {
    await sodium.ready;
    const pwaDir = minimalPwa();
    const relay = await startRelayProcess({
      args: ['--pwa-dir', pwaDir, '--log-level', 'trace'],
    });
    const dataDir = relay.dataDir;
    const secrets = new Map<string, string>(); // spelling -> what it stands for
    const keep = (what: string, marker: string | Uint8Array) => {
      for (const spelling of spellings(marker)) secrets.set(spelling, what);
    };
    const answers: string[] = [];
    const answer = (result: ApiResult) => {
      answers.push(JSON.stringify(result.body), JSON.stringify(result.headers));
      return result;
    };
    const output: string[] = [];
    try {
      // Sign-up: invite token, challenge, attestation, session token.
      const inviteToken = new URL(relay.adminInvite() ?? '').hash.replace('#invite=', '');
      keep('invite token', inviteToken);
      const client = new ApiClient(relay);
      const key = new SoftAuthenticator({ origin: client.origin });
      const begin = answer(
        await client.request('POST', '/api/registration/options', {
          invite: inviteToken,
          handle: 'canary',
          displayName: 'Canary',
        }),
      );
      const options = begin.body['options'] as PublicKeyCredentialCreationOptionsJSON;
      keep('registration challenge', options.challenge);
      const registration = key.register(options);
      answer(
        await client.request('POST', '/api/registration/verify', {
          ceremonyId: begin.body['ceremonyId'],
          response: registration,
        }),
      );
      const sessionToken = client.cookie.split('=')[1] ?? '';
      expect(sessionToken.length).toBeGreaterThan(16);
      // The session token is the one secret the relay hands out: it may be in its own Set-Cookie.
      answers.length = 0;

      // Sign-in with PRF output the browser must never send: refused, and not echoed.
      const prfOutput = `PRF-OUTPUT-CANARY-${randomBytes(12).toString('hex')}`;
      keep('PRF output', prfOutput);
      // The options hand the challenge out by design; only what follows is searched.
      const signIn = await client.request('POST', '/api/sign-in/options', {});
      const request = signIn.body['options'] as PublicKeyCredentialRequestOptionsJSON;
      keep('sign-in challenge', request.challenge);
      const assertion = key.authenticate(request);
      answer(
        await client.request('POST', '/api/sign-in/verify', {
          ceremonyId: signIn.body['ceremonyId'],
          response: {
            ...assertion,
            clientExtensionResults: {
              prf: {
                enabled: true,
                results: { first: Buffer.from(prfOutput).toString('base64url') },
              },
            },
          },
        }),
      );
      // Refused requests carrying secrets: a forged cookie, secrets in the wrong fields, broken JSON.
      const forgedToken = `SESSION-TOKEN-CANARY-${randomBytes(12).toString('hex')}`;
      keep('forged session token', forgedToken);
      answer(
        await client.request('GET', '/api/me', undefined, {
          cookie: `__Host-vaultroom-session=${forgedToken}`,
        }),
      );
      answer(await client.request('POST', '/api/invites/inspect', { invite: forgedToken }));
      answer(
        await client.request('POST', '/api/sign-in/verify', {
          ceremonyId: request.challenge,
          response: { id: prfOutput, response: { clientDataJSON: forgedToken } },
        }),
      );
      answer(
        await client.request('POST', '/api/passkeys/options', { challenge: request.challenge }),
      );

      // The socket: identity and prekey bytes, ciphertext, refusals that carry secret bytes.
      const socket = await DeviceSocket.open(relay, client.cookie);
      await socket.hello(null);
      const identity = generateIdentityKeyPair(sodium);
      keep('identity secret key', identity.signingSecretKey.subarray(0, 32));
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
      const ciphertext = Buffer.from(`CIPHERTEXT-CANARY-${randomBytes(16).toString('hex')}`);
      keep('ciphertext', ciphertext);
      const prekeyBytes = Buffer.from(`PREKEY-CANARY-${randomBytes(9).toString('hex')}`);
      keep('prekey', prekeyBytes);
      const frames: ServerFrame[] = [];
      frames.push(
        await socket.request({
          t: 'send',
          id: socket.id(),
          msg: new Uint8Array(randomBytes(16)),
          to: [{ device, body: new Uint8Array(ciphertext) }],
        }),
        await socket.request({
          t: 'send',
          id: socket.id(),
          msg: new Uint8Array(randomBytes(16)),
          to: [{ device: 'no-such-device', body: new Uint8Array(ciphertext) }],
        }),
        await socket.request({
          t: 'upload-prekeys',
          id: socket.id(),
          signedPrekey: {
            id: 1,
            createdAt: 1,
            publicKey: new Uint8Array(prekeyBytes.subarray(0, 32)),
            signature: new Uint8Array(Buffer.concat([prekeyBytes, prekeyBytes]).subarray(0, 64)),
          },
          pqPrekey: null,
          oneTimePrekeys: [],
        }),
      );
      // A malformed frame and an oversized one, both full of ciphertext.
      const refusal = socket.next((frame) => frame.t === 'error');
      socket.raw(Buffer.concat([Buffer.from(encodeFrame({ t: 'ping', id: 9 })), ciphertext]));
      frames.push(await refusal);
      const tooBig = socket.next((frame) => frame.t === 'error');
      socket.raw(Buffer.concat(Array.from({ length: 20_000 }, () => ciphertext)));
      frames.push(await tooBig);
      answers.push(
        JSON.stringify(frames, (_key, value: unknown) =>
          value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value,
        ),
      );

      // A crash while traffic flows, then a failed start at debug level on the same data.
      for (let i = 0; i < 20; i++) {
        socket.send({
          t: 'send',
          id: socket.id(),
          msg: new Uint8Array(randomBytes(16)),
          to: [{ device, body: new Uint8Array(ciphertext) }],
        });
      }
      await relay.stop('SIGKILL');
      // The one-time first-administrator link is printed for the operator on the first start, by
      // design (README, Administration); that line is the only place its token may appear.
      const link = relay.adminInvite() ?? '';
      const firstStderr = relay.stderr();
      expect(firstStderr.split(link).length - 1).toBe(1);
      output.push(JSON.stringify(relay.logs), firstStderr.replace(link, '<first-admin link>'));
      // A start that fails: its port is taken.
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, resolve));
      const taken = (blocker.address() as net.AddressInfo).port;
      const failed = await runCli(
        [
          'serve',
          '--port',
          String(taken),
          '--http-port',
          '0',
          '--data-dir',
          dataDir,
          '--pwa-dir',
          pwaDir,
        ],
        { VAULTROOM_LOG_LEVEL: 'debug' },
      );
      blocker.close();
      expect(failed.code).toBe(1);
      output.push(failed.stdout, failed.stderr);
      const restarted = await startRelayProcess({
        dataDir,
        args: ['--pwa-dir', pwaDir, '--log-level', 'trace'],
      });
      await restarted.stop();
      output.push(JSON.stringify(restarted.logs), restarted.stderr());

      const db = new Database(path.join(dataDir, 'relay.db'), { readonly: true });
      const rows = db.prepare('SELECT * FROM audit_events').all() as Record<string, unknown>[];
      db.close();
      const audit = rows
        .map((row) =>
          Object.values(row)
            .map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value)))
            .join(' '),
        )
        .join('\n');

      const places = {
        'relay output': output.join('\n'),
        'audit log': audit,
        answers: answers.join('\n'),
      };
      const leaks: string[] = [];
      for (const [place, text] of Object.entries(places)) {
        for (const [spelling, what] of secrets) {
          if (text.includes(spelling)) leaks.push(`${what} in ${place}`);
        }
      }
      // The session token is handed out in Set-Cookie and nowhere else; it must not be logged.
      for (const place of ['relay output', 'audit log'] as const) {
        if (places[place].includes(sessionToken)) leaks.push(`session token in ${place}`);
      }
      const kinds = new Set(secrets.values());
      console.log(
        `secrets canary: ${kinds.size + 1} kinds of secret (${[...kinds].join(', ')}, session token) ` +
          `in ${secrets.size} spellings, searched in ${places['relay output'].length} bytes of relay ` +
          `output (trace level, a SIGKILL, a failed start), ${rows.length} audit events and ` +
          `${answers.length} answers: ${leaks.length} leaks (bound 0)`,
      );
      expect(rows.length).toBeGreaterThan(3);
      expect(leaks).toEqual([]);
    } finally {
      if (relay.child.exitCode === null && relay.child.signalCode === null) await relay.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(pwaDir, { recursive: true, force: true });
    }
  }, 90_000);
});

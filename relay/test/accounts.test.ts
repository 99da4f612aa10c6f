import fs from 'node:fs';
import path from 'node:path';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, type ApiResult } from './apiClient.js';
import { rawUpgrade } from './rawUpgrade.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import {
  AuthenticatorFlag,
  SoftAuthenticator,
  type AuthenticationTamper,
  type RegistrationTamper,
} from './softAuthenticator.js';

function inviteToken(link: string): string {
  return new URL(link).hash.replace(/^#invite=/, '');
}

async function signUp(
  client: ApiClient,
  authenticator: SoftAuthenticator,
  fields: { invite?: string; handle?: string; displayName?: string },
  tamper?: RegistrationTamper,
): Promise<ApiResult> {
  const begin = await client.request('POST', '/api/registration/options', fields);
  if (begin.status !== 200) return begin;
  const response = authenticator.register(
    begin.body['options'] as PublicKeyCredentialCreationOptionsJSON,
    tamper,
  );
  return client.request('POST', '/api/registration/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response,
  });
}

async function signIn(
  client: ApiClient,
  authenticator: SoftAuthenticator,
  tamper?: AuthenticationTamper,
): Promise<ApiResult> {
  const begin = await client.request('POST', '/api/sign-in/options', {});
  expect(begin.status).toBe(200);
  const response = authenticator.authenticate(
    begin.body['options'] as PublicKeyCredentialRequestOptionsJSON,
    tamper,
  );
  return client.request('POST', '/api/sign-in/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response,
  });
}

function securityEvents(relay: RelayProcess): { type: string; outcome: string; details: string }[] {
  const db = new Database(path.join(relay.dataDir, 'relay.db'), { readonly: true });
  try {
    return db.prepare('SELECT type, outcome, details FROM audit_events ORDER BY seq').all() as {
      type: string;
      outcome: string;
      details: string;
    }[];
  } finally {
    db.close();
  }
}

function openSocket(relay: RelayProcess, cookie: string, origin: string) {
  // ws hands unknown options to tls.connect; servername makes it check the certificate's name.
  const options: WebSocket.ClientOptions & { servername: string } = {
    ca: relay.caPem(),
    servername: 'vaultroom.local',
    headers: {
      origin,
      host: `vaultroom.local:${relay.httpsPort}`,
      ...(cookie === '' ? {} : { cookie }),
    },
  };
  return new WebSocket(`wss://127.0.0.1:${relay.httpsPort}/ws`, options);
}

function upgradeStatus(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.once('open', () => {
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
    });
  });
}

describe('accounts on a real relay', () => {
  let relay: RelayProcess;
  let origin: string;
  let admin: ApiClient;
  let adminKey: SoftAuthenticator;
  /** Bob's first passkey, made in the library checks below and used again for recovery. */
  let bobKey: SoftAuthenticator;

  beforeAll(async () => {
    relay = await startRelayProcess({ args: ['--auth-rate-per-minute', '100000'] });
    origin = `https://vaultroom.local:${relay.httpsPort}`;
    admin = new ApiClient(relay);
    adminKey = new SoftAuthenticator({ origin, algorithm: 'ES256' });
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  describe('first start and registration', () => {
    it('prints a one-time admin invite that creates an administrator', async () => {
      const link = relay.adminInvite();
      expect(link).toMatch(new RegExp(`^${origin}/join#invite=`));
      const invite = inviteToken(link ?? '');

      const inspected = await admin.request('POST', '/api/invites/inspect', { invite });
      expect(inspected.body).toMatchObject({ kind: 'register', role: 'admin', forHandle: null });

      const result = await signUp(admin, adminKey, {
        invite,
        handle: 'Ada',
        displayName: 'Ada L.',
      });
      expect(result.status).toBe(201);
      expect(result.body['account']).toMatchObject({ handle: 'Ada', role: 'admin' });
      expect(result.body['notices']).toEqual([{ kind: 'single-passkey' }]);

      const setCookie = String(result.headers['set-cookie']);
      expect(setCookie).toMatch(/^__Host-vaultroom-session=[A-Za-z0-9_-]{43}; /);
      for (const flag of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict']) {
        expect(setCookie).toContain(flag);
      }
      const me = await admin.request('GET', '/api/me');
      expect(me.body['account']).toMatchObject({ handle: 'Ada', displayName: 'Ada L.' });
    });

    it('refuses the admin invite a second time', async () => {
      const invite = inviteToken(relay.adminInvite() ?? '');
      const again = await signUp(new ApiClient(relay), new SoftAuthenticator({ origin }), {
        invite,
        handle: 'mallory',
        displayName: 'Mallory',
      });
      expect(again.status).toBe(400);
      expect(again.body.error?.code).toBe('INVITE_INVALID');
    });

    it('refuses registration without an invite in invite mode', async () => {
      const result = await new ApiClient(relay).request('POST', '/api/registration/options', {
        handle: 'nobody',
        displayName: 'Nobody',
      });
      expect(result.body.error).toEqual({
        code: 'INVITE_INVALID',
        message: 'This relay accepts new accounts by invitation only',
      });
    });

    it('keeps handles unique regardless of case', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const result = await new ApiClient(relay).request('POST', '/api/registration/options', {
        invite: inviteToken(String(body['link'])),
        handle: 'ADA',
        displayName: 'Copycat',
      });
      expect(result.status).toBe(409);
    });

    it('validates handles and display names', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 5,
        expiresInHours: 1,
      });
      const invite = inviteToken(String(body['link']));
      for (const fields of [
        { handle: 'x', displayName: 'Short' },
        { handle: 'has space', displayName: 'Space' },
        { handle: 'valid_name', displayName: 'evil\u202Etxt.exe' },
        { handle: 'valid_name', displayName: '' },
      ]) {
        const result = await new ApiClient(relay).request('POST', '/api/registration/options', {
          invite,
          ...fields,
        });
        expect(result.status, JSON.stringify(fields)).toBe(400);
        expect(result.body.error?.code).toBe('BAD_REQUEST');
      }
    });
  });

  describe('what the WebAuthn library leaves to the relay', () => {
    let bob: ApiClient;

    beforeAll(async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 10,
        expiresInHours: 1,
      });
      bob = new ApiClient(relay);
      bobKey = new SoftAuthenticator({ origin, algorithm: 'Ed25519' });
      const result = await signUp(bob, bobKey, {
        invite: inviteToken(String(body['link'])),
        handle: 'bob',
        displayName: 'Bob',
      });
      expect(result.status).toBe(201);
    });

    it('signs in with a discoverable passkey, Ed25519 and ES256 alike', async () => {
      for (const [client, key, handle] of [
        [bob, bobKey, 'bob'],
        [new ApiClient(relay), adminKey, 'Ada'],
      ] as const) {
        const result = await signIn(client, key);
        expect(result.status).toBe(200);
        expect(result.body['account']).toMatchObject({ handle });
      }
    });

    it('consumes a challenge on a failed attempt too', async () => {
      const client = new ApiClient(relay);
      const begin = await client.request('POST', '/api/sign-in/options', {});
      const options = begin.body['options'] as PublicKeyCredentialRequestOptionsJSON;
      const bad = bobKey.authenticate(options, { origin: 'https://evil.example' });
      const first = await client.request('POST', '/api/sign-in/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response: bad,
      });
      expect(first.body.error?.code).toBe('CEREMONY_FAILED');
      const good = bobKey.authenticate(options);
      const replay = await client.request('POST', '/api/sign-in/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response: good,
      });
      expect(replay.body.error).toEqual({
        code: 'CEREMONY_FAILED',
        message: 'This sign-in attempt has expired or was already used: start again',
      });
    });

    it('refuses a replayed successful response', async () => {
      const client = new ApiClient(relay);
      const begin = await client.request('POST', '/api/sign-in/options', {});
      const response = bobKey.authenticate(
        begin.body['options'] as PublicKeyCredentialRequestOptionsJSON,
      );
      const body = { ceremonyId: begin.body['ceremonyId'], response };
      expect((await client.request('POST', '/api/sign-in/verify', body)).status).toBe(200);
      const replay = await client.request('POST', '/api/sign-in/verify', body);
      expect(replay.body.error?.code).toBe('CEREMONY_FAILED');
    });

    it.each([
      ['another site', { origin: 'https://evil.example' }],
      ['plain http', { origin: 'http://vaultroom.local' }],
      ['another port', { origin: 'https://vaultroom.local:1' }],
      ['a subdomain', { origin: 'https://sub.vaultroom.local' }],
      ['a cross-origin iframe', { crossOrigin: true }],
      ['another RP ID', { rpIdHashOf: 'evil.example' }],
      ['no user verification', { flags: AuthenticatorFlag.UP }],
      [
        'backed up but not backup-eligible',
        { flags: AuthenticatorFlag.UP | AuthenticatorFlag.UV | AuthenticatorFlag.BS },
      ],
      ['a corrupted signature', { signatureCorrupt: true }],
      ['a wrong ceremony type', { type: 'webauthn.create' }],
    ] as [string, AuthenticationTamper][])('refuses a sign-in from %s', async (_name, tamper) => {
      const result = await signIn(new ApiClient(relay), bobKey, tamper);
      expect(result.status).toBe(400);
      expect(result.body.error?.code).toBe('CEREMONY_FAILED');
    });

    it('refuses a registration from another origin or inside an iframe', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 5,
        expiresInHours: 1,
      });
      const invite = inviteToken(String(body['link']));
      for (const tamper of [
        { origin: 'https://evil.example' },
        { origin: `http://vaultroom.local:${relay.httpsPort}` },
        { crossOrigin: true },
        { flags: AuthenticatorFlag.UP | AuthenticatorFlag.AT },
      ] as RegistrationTamper[]) {
        const result = await signUp(
          new ApiClient(relay),
          new SoftAuthenticator({ origin }),
          { invite, handle: 'carol', displayName: 'Carol' },
          tamper,
        );
        expect(result.status, JSON.stringify(tamper)).toBe(400);
        expect(result.body.error?.code).toBe('CEREMONY_FAILED');
      }
    });

    it("refuses a user handle that is not the credential owner's", async () => {
      const adminHandle = adminKey.credentials[0]?.userHandle;
      const result = await signIn(new ApiClient(relay), bobKey, { userHandle: adminHandle ?? '' });
      expect(result.body.error?.code).toBe('CEREMONY_FAILED');
    });

    it('refuses to register a credential id that another account owns', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const result = await signUp(
        new ApiClient(relay),
        new SoftAuthenticator({ origin }),
        { invite: inviteToken(String(body['link'])), handle: 'dave', displayName: 'Dave' },
        { credentialId: bobKey.credentials[0]?.id ?? '' },
      );
      expect(result.status).toBe(409);
    });

    it('refuses a signature counter that goes backwards or stands still', async () => {
      const counted = new SoftAuthenticator({ origin, algorithm: 'ES256' });
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const client = new ApiClient(relay);
      await signUp(client, counted, {
        invite: inviteToken(String(body['link'])),
        handle: 'erin',
        displayName: 'Erin',
      });
      expect((await signIn(client, counted, { signCount: 10 })).status).toBe(200);
      expect((await signIn(client, counted, { signCount: 10 })).body.error?.code).toBe(
        'CEREMONY_FAILED',
      );
      expect((await signIn(client, counted, { signCount: 3 })).body.error?.code).toBe(
        'CEREMONY_FAILED',
      );
      expect((await signIn(client, counted, { signCount: 11 })).status).toBe(200);
    });

    it('refuses a response that carries PRF results', async () => {
      const client = new ApiClient(relay);
      const begin = await client.request('POST', '/api/sign-in/options', {});
      const response = bobKey.authenticate(
        begin.body['options'] as PublicKeyCredentialRequestOptionsJSON,
      );
      const leaky = {
        ...response,
        clientExtensionResults: { prf: { enabled: true, results: { first: 'AAAA' } } },
      };
      const result = await client.request('POST', '/api/sign-in/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response: leaky,
      });
      expect(result.status).toBe(400);
      expect(result.body.error?.message).toBe(
        'PRF results must stay on the device and never be sent',
      );
    });

    it('puts the existing passkeys in excludeCredentials when adding one', async () => {
      const result = await bob.request('POST', '/api/passkeys/options', {});
      const options = result.body['options'] as PublicKeyCredentialCreationOptionsJSON;
      expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual(
        bobKey.credentials.map((credential) => credential.id),
      );
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'required',
        userVerification: 'required',
      });
      expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual([-8, -7, -257]);
      expect(() => bobKey.register(options)).toThrow(/excludeCredentials/);
    });
  });

  describe('requests from elsewhere', () => {
    it('refuses state changes from another Origin and records it', async () => {
      const result = await admin.request(
        'POST',
        '/api/sign-out',
        {},
        { origin: 'https://evil.example' },
      );
      expect(result.status).toBe(403);
      expect(result.body.error?.code).toBe('ORIGIN_REFUSED');
      const missing = await admin.request('POST', '/api/sign-out', {}, { origin: null });
      expect(missing.status).toBe(403);
      await expect
        .poll(() => securityEvents(relay).some((e) => e.type === 'origin_refused'))
        .toBe(true);
    });

    it('refuses bodies that are not JSON, and oversized ones', async () => {
      const notJson = await admin.request('POST', '/api/invites', 'x', {
        contentType: 'text/plain',
      });
      expect(notJson.status).toBe(415);
      const big = await admin.request('POST', '/api/invites', { pad: 'x'.repeat(70_000) });
      expect(big.status).toBe(413);
      const still = await admin.request('GET', '/api/me');
      expect(still.status).toBe(200);
    });

    it('answers unknown endpoints and methods with coded errors', async () => {
      expect((await admin.request('GET', '/api/nope')).body.error?.code).toBe('NOT_FOUND');
      const wrong = await admin.request('PUT', '/api/me');
      expect(wrong.status).toBe(405);
      expect(wrong.headers['allow']).toBe('GET');
    });
  });

  describe('sessions', () => {
    it('refuses the API and the socket without a session', async () => {
      expect((await new ApiClient(relay).request('GET', '/api/me')).status).toBe(401);
      expect(await upgradeStatus(openSocket(relay, '', origin))).toBe(401);
    });

    it('closes a socket whose cookie names no live session with 1008 as it opens', async () => {
      const client = new ApiClient(relay);
      await signIn(client, adminKey);
      const ended = client.cookie;
      await signIn(client, adminKey);
      const socket = openSocket(relay, ended, origin);
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        socket.once('close', (code, reason) => {
          resolve({ code, reason: reason.toString() });
        });
      });
      // The upgrade is answered before the session is looked up (see sessionSockets.ts).
      expect(await upgradeStatus(socket)).toBe(101);
      expect(await closed).toEqual({ code: 1008, reason: 'sign in first' });
      // A hello sent right behind the upgrade, before the session is checked, gets no answer.
      expect(await rawUpgrade(relay, ended)).toBe('closed with 1008');
    });

    it('refuses a socket upgrade from another Origin even with a valid session', async () => {
      expect(await upgradeStatus(openSocket(relay, admin.cookie, 'https://evil.example'))).toBe(
        403,
      );
    });

    it('rotates the token at sign-in: the previous cookie stops working', async () => {
      const client = new ApiClient(relay);
      await signIn(client, adminKey);
      const before = client.cookie;
      await signIn(client, adminKey);
      expect(client.cookie).not.toBe(before);
      expect((await client.request('GET', '/api/me', undefined, { cookie: before })).status).toBe(
        401,
      );
      expect((await client.request('GET', '/api/me')).status).toBe(200);
    });

    it('revoking a session ends it on the relay and closes its socket at once', async () => {
      const laptop = new ApiClient(relay);
      await signIn(laptop, adminKey);
      const socket = openSocket(relay, laptop.cookie, origin);
      expect(await upgradeStatus(socket)).toBe(101);
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));

      const sessions = (await admin.request('GET', '/api/sessions')).body['sessions'] as {
        id: string;
        current: boolean;
        device: string;
      }[];
      expect(sessions.filter((session) => session.current)).toHaveLength(1);
      expect(sessions[0]?.device).toBe('Chrome on Linux');
      const laptopSession = (
        (await laptop.request('GET', '/api/sessions')).body['sessions'] as {
          id: string;
          current: boolean;
        }[]
      ).find((session) => session.current);
      expect(sessions.map((session) => session.id)).toContain(laptopSession?.id);

      const revoked = await admin.request('DELETE', `/api/sessions/${laptopSession?.id ?? ''}`);
      expect(revoked.status).toBe(204);
      expect(await closed).toBe(1008);
      expect((await laptop.request('GET', '/api/me')).status).toBe(401);
      expect((await admin.request('DELETE', '/api/sessions/no-such-session')).status).toBe(404);
    });

    it('ends every other session on request, and the current one on sign-out', async () => {
      const tablet = new ApiClient(relay);
      await signIn(tablet, adminKey);
      const result = await admin.request('POST', '/api/sessions/revoke-others', {});
      expect(result.body['revoked']).toBeGreaterThanOrEqual(1);
      expect((await tablet.request('GET', '/api/me')).status).toBe(401);
      expect((await admin.request('GET', '/api/me')).status).toBe(200);

      const oldCookie = admin.cookie;
      const signedOut = await admin.request('POST', '/api/sign-out', {});
      expect(signedOut.status).toBe(204);
      expect(String(signedOut.headers['set-cookie'])).toMatch(
        /^__Host-vaultroom-session=; .*Max-Age=0/,
      );
      // The browser drops the cookie, but a copy of the token must be dead on the relay too.
      const stale = await admin.request('GET', '/api/me', undefined, { cookie: oldCookie });
      expect(stale.status).toBe(401);
      expect((await signIn(admin, adminKey)).status).toBe(200);
    });
  });

  describe('administration', () => {
    it('disables an account: its sessions end and its socket closes at once', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const frank = new ApiClient(relay);
      const frankKey = new SoftAuthenticator({ origin });
      await signUp(frank, frankKey, {
        invite: inviteToken(String(body['link'])),
        handle: 'frank',
        displayName: 'Frank',
      });
      const socket = openSocket(relay, frank.cookie, origin);
      expect(await upgradeStatus(socket)).toBe(101);
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));

      const users = (await admin.request('GET', '/api/users')).body['users'] as {
        id: string;
        handle: string;
      }[];
      const frankId = users.find((user) => user.handle === 'frank')?.id ?? '';
      const disabled = await admin.request('POST', `/api/users/${frankId}/disable`, {});
      expect(disabled.body['user']).toMatchObject({ status: 'disabled', passkeyCount: 1 });
      expect(await closed).toBe(1008);
      expect((await frank.request('GET', '/api/me')).status).toBe(401);
      const refused = await signIn(frank, frankKey);
      expect(refused.body.error?.code).toBe('ACCOUNT_DISABLED');

      await admin.request('POST', `/api/users/${frankId}/enable`, {});
      expect((await signIn(frank, frankKey)).status).toBe(200);
    });

    it('lets a user who lost every passkey back in with a recovery invite, and tells them', async () => {
      const users = (await admin.request('GET', '/api/users')).body['users'] as {
        id: string;
        handle: string;
      }[];
      const bobId = users.find((user) => user.handle === 'bob')?.id ?? '';
      const created = await admin.request('POST', `/api/users/${bobId}/recovery-invite`, {});
      expect(created.status).toBe(201);
      expect(created.body['invite']).toMatchObject({
        kind: 'recovery',
        maxUses: 1,
        forHandle: 'bob',
      });

      const newPhone = new SoftAuthenticator({ origin });
      const bob = new ApiClient(relay);
      const invite = inviteToken(String(created.body['link']));
      const inspected = await bob.request('POST', '/api/invites/inspect', { invite });
      expect(inspected.body).toMatchObject({ kind: 'recovery', forHandle: 'bob' });
      const recovered = await signUp(bob, newPhone, { invite });
      expect(recovered.status).toBe(201);
      expect(recovered.body['account']).toMatchObject({ handle: 'bob' });

      const again = await signIn(new ApiClient(relay), newPhone);
      const notices = again.body['notices'] as { kind: string; at?: string }[];
      expect(notices.find((notice) => notice.kind === 'recovery-used')?.at).toMatch(/^\d{4}-/);
      // The new passkey does not clear the notice: only one older than the recovery does.
      const again2 = await signIn(new ApiClient(relay), newPhone);
      expect(again2.body['notices']).toContainEqual(
        expect.objectContaining({ kind: 'recovery-used' }),
      );
      await signIn(new ApiClient(relay), bobKey);
      const later = await signIn(new ApiClient(relay), newPhone);
      expect(later.body['notices']).not.toContainEqual(
        expect.objectContaining({ kind: 'recovery-used' }),
      );
      expect(securityEvents(relay).some((event) => event.type === 'authn_recovery_used')).toBe(
        true,
      );
    });

    it("changes roles, but never an admin's own", async () => {
      const users = (await admin.request('GET', '/api/users')).body['users'] as {
        id: string;
        handle: string;
      }[];
      const adaId = users.find((user) => user.handle === 'Ada')?.id ?? '';
      const frankId = users.find((user) => user.handle === 'frank')?.id ?? '';
      const own = await admin.request('POST', `/api/users/${adaId}/role`, { role: 'member' });
      expect(own.body.error?.code).toBe('CONFLICT');
      const promoted = await admin.request('POST', `/api/users/${frankId}/role`, { role: 'admin' });
      expect(promoted.body['user']).toMatchObject({ role: 'admin' });
      const demoted = await admin.request('POST', `/api/users/${frankId}/role`, { role: 'member' });
      expect(demoted.body['user']).toMatchObject({ role: 'member' });
      expect(
        securityEvents(relay).filter((event) => event.type === 'user_role_changed'),
      ).toHaveLength(2);
    });

    it('keeps members out of administration', async () => {
      const member = new ApiClient(relay);
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      await signUp(member, new SoftAuthenticator({ origin }), {
        invite: inviteToken(String(body['link'])),
        handle: 'grace',
        displayName: 'Grace',
      });
      for (const [method, route] of [
        ['GET', '/api/users'],
        ['GET', '/api/invites'],
        ['POST', '/api/invites'],
      ] as const) {
        const result = await member.request(method, route, method === 'POST' ? {} : undefined);
        expect(result.status, route).toBe(403);
      }
    });

    it('deletes an account with its passkeys and sessions', async () => {
      const users = (await admin.request('GET', '/api/users')).body['users'] as {
        id: string;
        handle: string;
      }[];
      const graceId = users.find((user) => user.handle === 'grace')?.id ?? '';
      expect((await admin.request('DELETE', `/api/users/${graceId}`)).status).toBe(204);
      const after = (await admin.request('GET', '/api/users')).body['users'] as {
        handle: string;
      }[];
      expect(after.map((user) => user.handle)).not.toContain('grace');
      expect(securityEvents(relay).some((event) => event.type === 'user_deleted')).toBe(true);
    });

    it('lists and revokes invites; a revoked invite is refused', async () => {
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 3,
        expiresInHours: 2,
      });
      const invite = body['invite'] as { id: string };
      const listed = (await admin.request('GET', '/api/invites')).body['invites'] as {
        id: string;
      }[];
      expect(listed.map((row) => row.id)).toContain(invite.id);
      expect((await admin.request('DELETE', `/api/invites/${invite.id}`)).status).toBe(204);
      const refused = await new ApiClient(relay).request('POST', '/api/invites/inspect', {
        invite: inviteToken(String(body['link'])),
      });
      expect(refused.body.error?.code).toBe('INVITE_INVALID');
    });
  });

  describe('passkeys', () => {
    it('adds a second passkey, renames it, and never removes the last one', async () => {
      const henry = new ApiClient(relay);
      const phone = new SoftAuthenticator({
        origin,
        aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
        backupEligible: true,
        backedUp: true,
      });
      const { body } = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      await signUp(henry, phone, {
        invite: inviteToken(String(body['link'])),
        handle: 'henry',
        displayName: 'Henry',
      });
      const [only] = (await henry.request('GET', '/api/passkeys')).body['passkeys'] as {
        id: string;
        name: string;
        provider: string;
        backedUp: boolean;
      }[];
      expect(only).toMatchObject({
        name: 'Google Password Manager',
        provider: 'Google Password Manager',
        backedUp: true,
      });
      const last = await henry.request('DELETE', `/api/passkeys/${only?.id ?? ''}`);
      expect(last.status).toBe(409);

      const laptop = new SoftAuthenticator({ origin });
      // The same user handle lives on both authenticators, as with a real second device.
      const begin = await henry.request('POST', '/api/passkeys/options', {});
      const response = laptop.register(
        begin.body['options'] as PublicKeyCredentialCreationOptionsJSON,
      );
      const added = await henry.request('POST', '/api/passkeys/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response,
        passkeyName: 'Laptop',
      });
      expect(added.status).toBe(201);
      const addedId = (added.body['passkey'] as { id: string }).id;

      const renamed = await henry.request('PATCH', `/api/passkeys/${addedId}`, {
        name: 'Work laptop',
      });
      expect(renamed.body['passkey']).toMatchObject({ name: 'Work laptop' });
      expect((await henry.request('DELETE', `/api/passkeys/${only?.id ?? ''}`)).status).toBe(204);
      expect((await signIn(new ApiClient(relay), laptop)).status).toBe(200);
      const removedKey = await signIn(new ApiClient(relay), phone);
      expect(removedKey.body.error).toEqual({
        code: 'UNKNOWN_CREDENTIAL',
        message: 'This passkey is not registered on this relay',
      });
    });
  });

  describe('the security event log', () => {
    it('records refusals and actions, and never a token, challenge or key', () => {
      const events = securityEvents(relay);
      const types = new Set(events.map((event) => event.type));
      for (const type of [
        'user_created',
        'authn_login_success',
        'authn_login_fail',
        'authn_passkey_added',
        'authn_passkey_renamed',
        'authn_passkey_removed',
        'session_created',
        'session_revoked',
        'session_ended',
        'invite_created',
        'invite_redeemed',
        'invite_revoked',
        'authn_recovery_used',
        'user_disabled',
        'user_enabled',
        'registration_fail',
        'origin_refused',
        'session_upgrade_refused',
      ]) {
        expect(types, type).toContain(type);
      }
      const everything =
        JSON.stringify(events) + relay.logs.map((line) => JSON.stringify(line)).join('');
      const secrets = [
        admin.cookie.split('=')[1] ?? 'none',
        inviteToken(relay.adminInvite() ?? ''),
      ];
      for (const secret of secrets) expect(everything).not.toContain(secret);
    });
  });
});

describe('limits', () => {
  it('answers a flood of sign-in attempts with 429, Retry-After and an event', async () => {
    const relay = await startRelayProcess({ args: ['--auth-rate-per-minute', '5'] });
    const limited = () =>
      securityEvents(relay)
        .filter((e) => e.type === 'ratelimit_exceeded')
        .map((e) => JSON.parse(e.details) as { count: number });
    try {
      const client = new ApiClient(relay);
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 8; i++) {
        const result = await client.request('POST', '/api/sign-in/options', {});
        statuses.push(result.status);
        retryAfter ??= result.headers['retry-after'];
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // The first refusal is recorded at once; the others of the minute are counted, not logged
      // one by one, and their count is recorded by the time the relay has stopped.
      await expect.poll(() => limited().length).toBeGreaterThanOrEqual(1);
      expect(limited()[0]?.count).toBe(1);
      await relay.stop();
      expect(limited().reduce((sum, e) => sum + e.count, 0)).toBe(3);
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });

  it('expires challenges after their time to live', async () => {
    const relay = await startRelayProcess({ args: ['--challenge-ttl-seconds', '1'] });
    try {
      const client = new ApiClient(relay);
      const key = new SoftAuthenticator({ origin: `https://vaultroom.local:${relay.httpsPort}` });
      const begin = await client.request('POST', '/api/registration/options', {
        invite: inviteToken(relay.adminInvite() ?? ''),
        handle: 'late',
        displayName: 'Late',
      });
      const response = key.register(
        begin.body['options'] as PublicKeyCredentialCreationOptionsJSON,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const result = await client.request('POST', '/api/registration/verify', {
        ceremonyId: begin.body['ceremonyId'],
        response,
      });
      expect(result.body.error?.code).toBe('CEREMONY_FAILED');
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });
});

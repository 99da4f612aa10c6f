import fs from 'node:fs';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from './apiClient.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

function tokenOf(text: string): string {
  return /#invite=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';
}

describe('vaultroom invite and users, beside a running relay', () => {
  let relay: RelayProcess;
  let location: string[];

  beforeAll(async () => {
    relay = await startRelayProcess();
    location = ['--data-dir', relay.dataDir, '--port', String(relay.httpsPort)];
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('creates an invite whose link signs up a user, and lists it', async () => {
    const created = await runCli([
      'invite',
      'create',
      '--role',
      'member',
      '--uses',
      '2',
      ...location,
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`https://vaultroom.local:${relay.httpsPort}/join#invite=`);

    const client = new ApiClient(relay);
    const key = new SoftAuthenticator({ origin: client.origin });
    const begin = await client.request('POST', '/api/registration/options', {
      invite: tokenOf(created.stdout),
      handle: 'ivy',
      displayName: 'Ivy',
    });
    const response = key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON);
    const done = await client.request('POST', '/api/registration/verify', {
      ceremonyId: begin.body['ceremonyId'],
      response,
    });
    expect(done.status).toBe(201);

    const listed = await runCli(['invite', 'list', ...location]);
    expect(listed.stdout).toMatch(/register\s+member\s+1\/2\s+\S+\s+active/);
    const users = await runCli(['users', 'list', ...location]);
    expect(users.stdout).toMatch(/@ivy\s+Ivy\s+member\s+active\s+1/);
  });

  it('disables a user from the terminal: the running relay closes their socket', async () => {
    const created = await runCli(['invite', 'create', ...location]);
    const client = new ApiClient(relay);
    const key = new SoftAuthenticator({ origin: client.origin });
    const begin = await client.request('POST', '/api/registration/options', {
      invite: tokenOf(created.stdout),
      handle: 'jack',
      displayName: 'Jack',
    });
    await client.request('POST', '/api/registration/verify', {
      ceremonyId: begin.body['ceremonyId'],
      response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
    });
    const options: WebSocket.ClientOptions & { servername: string } = {
      ca: relay.caPem(),
      servername: 'vaultroom.local',
      headers: { origin: client.origin, cookie: client.cookie },
    };
    const socket = new WebSocket(`wss://127.0.0.1:${relay.httpsPort}/ws`, options);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));

    const disabled = await runCli(['users', 'disable', 'jack', ...location]);
    expect(disabled.stdout.trim()).toBe('Disabled @jack.');
    expect(await closed).toBe(1008);
    expect((await client.request('GET', '/api/me')).status).toBe(401);

    const enabled = await runCli(['users', 'enable', 'JACK', ...location]);
    expect(enabled.code).toBe(0);
    const promoted = await runCli(['users', 'role', 'jack', 'admin', ...location]);
    expect(promoted.stdout.trim()).toBe('@jack is now an admin.');
    expect((await client.request('GET', '/api/me')).status).toBe(401); // disabling ended the session
    const listed = await runCli(['users', 'list', ...location]);
    expect(listed.stdout).toMatch(/@jack\s+Jack\s+admin\s+active/);
    const badRole = await runCli(['users', 'role', 'jack', 'owner', ...location]);
    expect(badRole.stderr.trim()).toBe('vaultroom: A role is admin or member');
    const recover = await runCli(['users', 'recover', 'jack', ...location]);
    expect(recover.stdout).toContain('#invite=');
    const inspected = await client.request('POST', '/api/invites/inspect', {
      invite: tokenOf(recover.stdout),
    });
    expect(inspected.body).toMatchObject({ kind: 'recovery', forHandle: 'jack' });
  });

  it('explains mistakes in one line', async () => {
    const unknown = await runCli(['users', 'disable', 'nobody', ...location]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('vaultroom: no user with the handle nobody');
    const noConfirm = await runCli(['users', 'delete', 'jack', ...location]);
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.stderr).toContain("required option '--yes'");
    const badUses = await runCli(['invite', 'create', '--uses', 'many', ...location]);
    expect(badUses.stderr.trim()).toMatch(/^vaultroom: An invite needs/);
    const noData = await runCli(['users', 'list', '--data-dir', `${relay.dataDir}/missing`]);
    expect(noData.stderr.trim()).toMatch(/^vaultroom: no VaultRoom database in /);
  });
});

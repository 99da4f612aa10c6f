import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { ACCOUNTS_API, AUDIT_API, BLOB_API, PUSH_API, TUS_VERSION } from '@vaultroom/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsText, FUZZ_SEED, fuzzLine, fuzzRuns } from '../../../shared/test/fuzzing.js';
import type { ApiErrorCode } from '../../src/api/ApiError.js';
import type { ApiClient } from '../apiClient.js';
import { signUp } from '../deviceSocket.js';
import { FuzzTally } from './fuzzTally.js';
import { startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { minimalPwa } from './minimalPwa.js';
import { rawRequest } from './rawRequest.js';

/*
 * Every JSON endpoint of the API, fed arbitrary and mutated bodies, path parameters, queries and
 * content types by a real client over TLS, signed in and not. Every answer must be a success or a
 * 4xx with a known error code (never a 5xx, never a hang), and the relay must stay up, log no
 * internal error and keep the administrator's session working.
 */

/** Every code the API may answer with; the compiler keeps this list complete. */
const API_CODES: Record<ApiErrorCode, true> = {
  BAD_REQUEST: true,
  BODY_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  ORIGIN_REFUSED: true,
  NOT_FOUND: true,
  METHOD_NOT_ALLOWED: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  REAUTH_REQUIRED: true,
  CONFLICT: true,
  RATE_LIMITED: true,
  CEREMONY_FAILED: true,
  UNKNOWN_CREDENTIAL: true,
  INVITE_INVALID: true,
  ACCOUNT_DISABLED: true,
  UNAVAILABLE: true,
  PUSH_UNAVAILABLE: true,
  FILE_TOO_LARGE: true,
  QUOTA_EXCEEDED: true,
  STORAGE_FULL: true,
  RANGE_NOT_SATISFIABLE: true,
  PRECONDITION_FAILED: true,
  INTERNAL: true,
};

interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly pattern: string;
  /** A body the endpoint accepts, which the fuzzer mutates. */
  readonly sample?: Record<string, unknown>;
  /** Ends the caller's own session: fuzzed without one, so the run keeps its admin. */
  readonly anonymousOnly?: boolean;
  /** Headers the endpoint needs to get past its first check (the blob store's tus headers). */
  readonly headers?: Record<string, string>;
}

const webauthnResponse = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: {
    clientDataJSON: 'e30',
    attestationObject: 'oA',
    authenticatorData: 'AA',
    signature: 'AA',
  },
  clientExtensionResults: {},
  authenticatorAttachment: 'platform',
};

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'POST', pattern: ACCOUNTS_API.inviteInspect, sample: { invite: 'abc' } },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.registrationOptions,
    sample: { invite: 'abc', handle: 'mallory', displayName: 'Mallory' },
  },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.registrationVerify,
    sample: { ceremonyId: 'abc', response: webauthnResponse, passkeyName: 'Phone' },
  },
  { method: 'POST', pattern: ACCOUNTS_API.signInOptions, sample: {} },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.signInVerify,
    sample: { ceremonyId: 'abc', response: webauthnResponse },
  },
  { method: 'POST', pattern: ACCOUNTS_API.signOut, sample: {}, anonymousOnly: true },
  { method: 'GET', pattern: ACCOUNTS_API.me },
  { method: 'GET', pattern: ACCOUNTS_API.passkeys },
  { method: 'POST', pattern: ACCOUNTS_API.passkeyOptions, sample: {} },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.passkeyVerify,
    sample: { ceremonyId: 'abc', response: webauthnResponse, passkeyName: 'Key' },
  },
  { method: 'PATCH', pattern: ACCOUNTS_API.passkey, sample: { name: 'Laptop' } },
  { method: 'DELETE', pattern: ACCOUNTS_API.passkey },
  { method: 'GET', pattern: ACCOUNTS_API.sessions },
  { method: 'DELETE', pattern: ACCOUNTS_API.session },
  { method: 'POST', pattern: ACCOUNTS_API.revokeOtherSessions, sample: {} },
  { method: 'POST', pattern: ACCOUNTS_API.sessionVerifyOptions, sample: {} },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.sessionVerify,
    sample: { ceremonyId: 'abc', response: webauthnResponse },
  },
  { method: 'GET', pattern: ACCOUNTS_API.invites },
  {
    method: 'POST',
    pattern: ACCOUNTS_API.invites,
    sample: { role: 'member', maxUses: 1, expiresInHours: 1 },
  },
  { method: 'DELETE', pattern: ACCOUNTS_API.invite },
  { method: 'GET', pattern: ACCOUNTS_API.users },
  { method: 'POST', pattern: ACCOUNTS_API.disableUser, sample: {} },
  { method: 'POST', pattern: ACCOUNTS_API.enableUser, sample: {} },
  { method: 'POST', pattern: ACCOUNTS_API.userRole, sample: { role: 'admin' } },
  { method: 'DELETE', pattern: ACCOUNTS_API.user },
  { method: 'POST', pattern: ACCOUNTS_API.recoveryInvite, sample: {} },
  { method: 'GET', pattern: ACCOUNTS_API.staleDevices },
  { method: 'GET', pattern: AUDIT_API.checkpoint },
  { method: 'GET', pattern: AUDIT_API.consistency },
  { method: 'GET', pattern: AUDIT_API.mine },
  { method: 'GET', pattern: AUDIT_API.events },
  { method: 'GET', pattern: PUSH_API.push },
  {
    method: 'POST',
    pattern: PUSH_API.subscription,
    sample: {
      endpoint: 'https://push.example/abc',
      keys: { p256dh: `BA${'A'.repeat(85)}`, auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
      showSender: false,
    },
  },
  { method: 'DELETE', pattern: PUSH_API.subscription },
  // The blob store (PROTOCOL.md §2.10) is not JSON, but its refusals are the API's coded errors.
  {
    method: 'POST',
    pattern: BLOB_API.uploads,
    headers: { 'tus-resumable': TUS_VERSION, 'upload-length': '1000' },
  },
  {
    method: 'PATCH',
    pattern: BLOB_API.blob(':id'),
    headers: { 'tus-resumable': TUS_VERSION, 'upload-offset': '0' },
  },
  { method: 'GET', pattern: BLOB_API.blob(':id'), headers: { range: 'bytes=0-10' } },
  { method: 'DELETE', pattern: BLOB_API.blob(':id'), headers: { 'tus-resumable': TUS_VERSION } },
];

/** A body as bytes: JSON of any shape, a mutated sample, broken JSON, or no JSON at all. */
function bodyFor(sample: Record<string, unknown>): fc.Arbitrary<Buffer> {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const mutatedSample = fc
    .tuple(
      fc.constantFrom(...Object.keys(sample), 'extra', '__proto__', 'constructor'),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
    )
    .map(([key, value]) => {
      const copy: Record<string, unknown> = { ...sample };
      if (value === undefined) Reflect.deleteProperty(copy, key);
      else Object.defineProperty(copy, key, { value, enumerable: true });
      return json(copy);
    });
  const brokenJson = fc
    .tuple(fc.nat(), fc.nat(40), fc.string({ maxLength: 4 }))
    .map(([at, cut, piece]) => {
      const text = JSON.stringify(sample);
      const index = at % (text.length + 1);
      return Buffer.from(text.slice(0, index) + piece + text.slice(index + cut));
    });
  return fc.oneof(
    { arbitrary: mutatedSample, weight: 5 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json), weight: 3 },
    { arbitrary: brokenJson, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
    {
      // Deep nesting and long strings near the 64 KiB body limit.
      arbitrary: fc.constantFrom(
        Buffer.from('['.repeat(30_000) + ']'.repeat(30_000)),
        Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)),
        json({ ...sample, name: 'x'.repeat(64 * 1024 - 100) }),
        json({ ...sample, handle: '\u202e'.repeat(20_000) }),
        Buffer.alloc(64 * 1024 + 1, 0x20),
      ),
      weight: 1,
    },
  );
}

const pathParam = fc.oneof(
  fc.constantFrom(
    'x',
    'AAAA',
    '0',
    '-1',
    '..',
    '%2e%2e',
    '%00',
    '%zz',
    '%E0%A4%A',
    'a'.repeat(3000),
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text)),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom('from', 'to', 'limit', 'before', 'type', 'account', 'x'),
      fc.oneof(
        fc.integer().map(String),
        fc.constantFrom('1e308', '-0', '9007199254740993', 'NaN', '', '0x10'),
        fc.string({ maxLength: 12 }),
      ),
      { maxKeys: 4 },
    )
    .map((params) => `?${new URLSearchParams(params).toString()}`),
);

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'APPLICATION/JSON',
      '',
    ),
    weight: 1,
  },
);

describe('the JSON API under fuzzing', () => {
  let relay: RelayProcess;
  let admin: ApiClient;
  let pwaDir: string;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    pwaDir = minimalPwa();
    relay = await startRelayProcess({
      args: ['--auth-rate-per-minute', '100000', '--pwa-dir', pwaDir],
    });
    admin = await signUp(relay, relay.adminInvite() ?? '', 'admin');
  });

  afterAll(async () => {
    agent.destroy();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it(
    'answers every mutated request with a success or a coded 4xx, and stays up',
    async () => {
      const tally = new FuzzTally();
      const runs = fuzzRuns(700);
      const slowest = { ms: 0 };
      const request = fc.record({
        endpoint: fc.constantFrom(...ENDPOINTS),
        signedIn: fc.boolean(),
        param: pathParam,
        query: queryString,
        contentType,
        body: fc.constantFrom(...ENDPOINTS).chain((endpoint) => bodyFor(endpoint.sample ?? {})),
      });
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          const { endpoint } = input;
          const target = `${endpoint.method} ${endpoint.pattern}`;
          const path = endpoint.pattern.replace(/:[a-z]+/g, input.param);
          const hasBody = endpoint.method === 'POST' || endpoint.method === 'PATCH';
          const signedIn = input.signedIn && endpoint.anonymousOnly !== true;
          const headers: Record<string, string> = {
            'content-type': input.contentType,
            ...endpoint.headers,
          };
          if (signedIn) headers['cookie'] = admin.cookie;
          const started = performance.now();
          const response = await rawRequest(relay, agent, {
            method: endpoint.method,
            path: `${path}${endpoint.method === 'GET' ? input.query : ''}`,
            headers,
            ...(hasBody ? { body: input.body } : {}),
          });
          slowest.ms = Math.max(slowest.ms, performance.now() - started);
          if (response.status >= 200 && response.status < 300) {
            tally.record(target, 'accepted');
            return true;
          }
          const code = errorCode(response.text);
          const coded =
            response.status >= 400 &&
            response.status < 500 &&
            code !== undefined &&
            code in API_CODES &&
            code !== 'INTERNAL';
          tally.record(target, coded ? { refused: code } : 'failure');
          return coded;
        }),
        { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true },
      );
      tally.print('API');
      console.log(
        `fuzz API: ${tally.executions} requests over ${ENDPOINTS.length} endpoints, ` +
          `slowest answer ${slowest.ms.toFixed(0)} ms (bound 10000 ms)`,
      );
      expect(tally.failures).toBe(0);

      // Still up, still serving the administrator, and nothing went wrong inside.
      const me = await rawRequest(relay, agent, {
        method: 'GET',
        path: ACCOUNTS_API.me,
        headers: { cookie: admin.cookie },
      });
      expect(me.status).toBe(200);
      expect(relay.child.exitCode).toBeNull();
      const errors = relay.logs.filter((record) => Number(record['level']) >= 50);
      expect(errors).toEqual([]);
    },
    Math.max(120_000, fuzzRuns(700) * 50),
  );

  it(
    'answers mutated raw HTTP requests with a 4xx (505 for a garbled version) or a close, and stays up',
    async () => {
      const valid =
        `POST ${ACCOUNTS_API.signInOptions} HTTP/1.1\r\nHost: vaultroom.local:${relay.httpsPort}\r\n` +
        `Origin: https://vaultroom.local:${relay.httpsPort}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 2\r\n\r\n{}`;
      const edit = fc.record({
        at: fc.nat(),
        cut: fc.nat(8),
        piece: fc.oneof(
          fc.constantFrom(
            '\r\n',
            '\n',
            '\r',
            ' ',
            ':',
            '\0',
            'Transfer-Encoding: chunked\r\n',
            '999999',
          ),
          fc.string({ maxLength: 6, unit: 'binary' }),
        ),
      });
      const runs = fuzzRuns(150);
      const outcomes = new Map<string, number>();
      let failures = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
          let text = valid;
          for (const e of edits) {
            const at = e.at % (text.length + 1);
            text = text.slice(0, at) + e.piece + text.slice(at + e.cut);
          }
          const status = await sendRaw(relay, text);
          const outcome = String(status);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          // uWS's parser answers a request line with a garbled version with 505 and a close, the
          // status RFC 9110 §15.6.6 names for it; every other answer must be a 4xx.
          const ok = typeof status === 'string' || status < 500 || status === 505;
          if (!ok) failures += 1;
          return ok;
        }),
        { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true },
      );
      console.log(
        fuzzLine('raw HTTP', runs, [
          `outcomes [${countsText(outcomes)}]`,
          `5xx other than 505 ${String(failures)} (bound 0)`,
        ]),
      );
      expect(failures).toBe(0);
      const health = await rawRequest(relay, agent, { method: 'GET', path: '/healthz' });
      expect(health.status).toBe(200);
    },
    Math.max(120_000, fuzzRuns(150) * 2500),
  );
});

/** The `error.code` of a JSON error body, if it is one. */
function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Sends raw request bytes over TLS; resolves with the status code, or how it ended without one. */
function sendRaw(relay: RelayProcess, text: string): Promise<number | 'closed' | 'waiting'> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: relay.httpsPort,
      ca: relay.caPem(),
      servername: 'vaultroom.local',
    });
    let answer = '';
    const done = (status: number | 'closed' | 'waiting') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    // A request the relay is still waiting on (say, a longer Content-Length) is not an answer.
    const timer = setTimeout(() => {
      done('waiting');
    }, 2000);
    socket.on('secureConnect', () => socket.end(text));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (match !== null) done(Number(match[1]));
    });
    socket.on('error', () => {
      done('closed');
    });
    socket.on('close', () => {
      done('closed');
    });
  });
}

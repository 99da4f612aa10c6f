import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { ConfigError } from './ConfigError.js';
import { quoteSetting } from './quoteSetting.js';
import { parseDatabaseUrl } from './parseDatabaseUrl.js';
import { parseFrontAddress } from './parseFrontAddress.js';
import { parseHostname } from './parseHostname.js';
import { NATS_NEEDS_POSTGRES, parseNatsUrl } from './parseNatsUrl.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated relay configuration; every path is absolute. */
export interface RelayConfig {
  /** TLS material, the audit log key, blobs and (without `databaseUrl`) the SQLite database. */
  readonly dataDir: string;
  /**
   * `postgres://…`: the relay's database on PostgreSQL, which several relays may share; null
   * keeps it in SQLite inside the data directory.
   */
  readonly databaseUrl: string | null;
  /** HTTPS port; 0 lets the system pick a free one (tests use this). */
  readonly port: number;
  /** Plain-HTTP port that only redirects to HTTPS; null when disabled. */
  readonly httpPort: number | null;
  /** Canonical public host name: the WebAuthn RP ID and the first name in the certificate. */
  readonly hostname: string;
  /** Further names the relay answers to (e.g. a unicast DNS name beside the mDNS one). */
  readonly altHostnames: readonly string[];
  /** An operator-provided certificate and key (e.g. from ACME); null means the generated ones. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly pwaDir: string;
  readonly logLevel: LogLevel;
  /** The port in the URL people open, when a firewall forwards e.g. 443 to the relay's port. */
  readonly publicPort: number | null;
  /** `invite` (the default): new accounts need an invite; `open`: anyone who reaches the relay. */
  readonly registration: 'invite' | 'open';
  /** A session unused this long ends. */
  readonly sessionIdleHours: number;
  /** A session ends this long after sign-in, however active. */
  readonly sessionMaxDays: number;
  /** How long a passkey ceremony may take before its challenge expires. */
  readonly challengeTtlSeconds: number;
  /** Passkey ceremonies and invite look-ups allowed per client address and minute. */
  readonly authRatePerMinute: number;
  /**
   * The load balancer's address, when the relay is a node behind one: every client reaches the
   * node from it, so the per-address ceremony limit does not apply to it (the front limits new
   * connections per real source address instead). Null for a relay that clients reach directly.
   */
  readonly frontAddress: string | null;
  /** Sign an audit checkpoint once this many events arrived since the last one... */
  readonly auditCheckpointEvents: number;
  /** ...or at least this often while new events arrive. */
  readonly auditCheckpointSeconds: number;
  /** Envelopes not acked by their device within this many days are deleted. */
  readonly retentionDays: number;
  /** Open sockets one account may hold (all its devices and tabs). */
  readonly maxConnectionsPerAccount: number;
  /** Envelopes one account may send per second, on average. */
  readonly sendRatePerSecond: number;
  /** Envelopes a connected device may be behind before sends to it are told to slow down. */
  readonly maxDeviceLag: number;
  /** Undelivered envelope bytes one device's mailbox may hold, in MiB. */
  readonly mailboxQuotaMb: number;
  /** Undelivered envelope bytes one account's devices may have sent, in MiB. */
  readonly senderQuotaMb: number;
  /** Largest file one blob upload may carry, in MiB of plaintext (its padded ciphertext may pass). */
  readonly maxFileMb: number;
  /** Blob bytes one account may have stored (finished or reserved by unfinished uploads), in MiB. */
  readonly blobQuotaMb: number;
  /**
   * Whether the app may also be used as https://localhost (origin and passkey RP ID) on the
   * relay's own machine; always so when the host name is itself a loopback name.
   */
  readonly allowLocalhost: boolean;
  /** Whether devices may register for Web Push (notifications while the app is closed). */
  readonly push: boolean;
  /** At most one push per device in this many seconds (later envelopes are counted in the next). */
  readonly pushIntervalSeconds: number;
  /**
   * Whether push endpoints may be private, loopback or link-local addresses: for a closed LAN
   * with its own push service, and for tests. Every other endpoint rule still applies.
   */
  readonly pushAllowPrivate: boolean;
  /**
   * `nats://…`: the NATS server that connects the relays sharing one PostgreSQL database; null
   * for a relay that runs alone. May hold credentials: never logged or recorded.
   */
  readonly natsUrl: string | null;
}

/** Raw settings as strings, after command-line flags have been merged over `VAULTROOM_*`. */
export interface RawRelayConfig {
  readonly dataDir?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly port?: string | undefined;
  readonly httpPort?: string | undefined;
  readonly hostname?: string | undefined;
  readonly altHostnames?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly pwaDir?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly publicPort?: string | undefined;
  readonly registration?: string | undefined;
  readonly sessionIdleHours?: string | undefined;
  readonly sessionMaxDays?: string | undefined;
  readonly challengeTtlSeconds?: string | undefined;
  readonly authRatePerMinute?: string | undefined;
  readonly frontAddress?: string | undefined;
  readonly auditCheckpointEvents?: string | undefined;
  readonly auditCheckpointSeconds?: string | undefined;
  readonly retentionDays?: string | undefined;
  readonly maxConnectionsPerAccount?: string | undefined;
  readonly sendRatePerSecond?: string | undefined;
  readonly maxDeviceLag?: string | undefined;
  readonly mailboxQuotaMb?: string | undefined;
  readonly senderQuotaMb?: string | undefined;
  readonly maxFileMb?: string | undefined;
  readonly blobQuotaMb?: string | undefined;
  readonly allowLocalhost?: string | undefined;
  readonly push?: string | undefined;
  readonly pushIntervalSeconds?: string | undefined;
  readonly pushAllowPrivate?: string | undefined;
  readonly natsUrl?: string | undefined;
}

export const DEFAULTS = {
  dataDir: './data',
  port: '8443',
  httpPort: '8080',
  hostname: 'vaultroom.local',
  logLevel: 'info',
  registration: 'invite',
  sessionIdleHours: '336',
  sessionMaxDays: '90',
  challengeTtlSeconds: '300',
  authRatePerMinute: '30',
  auditCheckpointEvents: '256',
  auditCheckpointSeconds: '60',
  retentionDays: '30',
  maxConnectionsPerAccount: '16',
  sendRatePerSecond: '500',
  maxDeviceLag: '5000',
  mailboxQuotaMb: '256',
  senderQuotaMb: '1024',
  maxFileMb: '100',
  blobQuotaMb: '1024',
  allowLocalhost: 'false',
  push: 'true',
  pushIntervalSeconds: '60',
  pushAllowPrivate: 'false',
} as const;

/** Where `npm run build` puts the PWA, relative to this file in both src/ and dist/. */
const BUNDLED_PWA_DIR = fileURLToPath(new URL('../../../pwa/dist', import.meta.url));

const portSchema = (setting: string, min: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,5}$/, `${setting} must be a whole number`),
    v.transform(Number),
    v.number(),
    v.minValue(min, `${setting} must be between ${min} and 65535`),
    v.maxValue(65535, `${setting} must be between ${min} and 65535`),
  );

function parsePort(raw: string, setting: string, min: number): number {
  const result = v.safeParse(portSchema(setting, min), raw.trim());
  if (!result.success) {
    const first = result.issues[0].message;
    throw new ConfigError(`${first}, got ${quoteSetting(raw)}`);
  }
  return result.output;
}

function parseWholeNumber(raw: string, setting: string, min: number, max: number): number {
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(
      `${setting} must be a whole number from ${min} to ${max}, got ${quoteSetting(raw)}`,
    );
  }
  return value;
}

/** Whole-number settings: the variable that sets each and the range it accepts. */
const WHOLE_NUMBER_SETTINGS = {
  sessionIdleHours: { variable: 'VAULTROOM_SESSION_IDLE_HOURS', min: 1, max: 24 * 365 },
  sessionMaxDays: { variable: 'VAULTROOM_SESSION_MAX_DAYS', min: 1, max: 3650 },
  challengeTtlSeconds: { variable: 'VAULTROOM_CHALLENGE_TTL_SECONDS', min: 1, max: 600 },
  authRatePerMinute: { variable: 'VAULTROOM_AUTH_RATE_PER_MINUTE', min: 1, max: 100_000 },
  auditCheckpointEvents: { variable: 'VAULTROOM_AUDIT_CHECKPOINT_EVENTS', min: 1, max: 1_000_000 },
  auditCheckpointSeconds: { variable: 'VAULTROOM_AUDIT_CHECKPOINT_SECONDS', min: 1, max: 86_400 },
  maxConnectionsPerAccount: {
    variable: 'VAULTROOM_MAX_CONNECTIONS_PER_ACCOUNT',
    min: 1,
    max: 10_000,
  },
  sendRatePerSecond: { variable: 'VAULTROOM_SEND_RATE_PER_SECOND', min: 1, max: 1_000_000 },
  retentionDays: { variable: 'VAULTROOM_RETENTION_DAYS', min: 1, max: 3650 },
  maxDeviceLag: { variable: 'VAULTROOM_MAX_DEVICE_LAG', min: 100, max: 10_000_000 },
  mailboxQuotaMb: { variable: 'VAULTROOM_MAILBOX_QUOTA_MB', min: 1, max: 1_000_000 },
  senderQuotaMb: { variable: 'VAULTROOM_SENDER_QUOTA_MB', min: 1, max: 1_000_000 },
  // 1 MiB below 1 TiB, the end-to-end protocol's largest attachment (PROTOCOL.md §1.16.2).
  maxFileMb: { variable: 'VAULTROOM_MAX_FILE_MB', min: 1, max: 1_048_575 },
  blobQuotaMb: { variable: 'VAULTROOM_BLOB_QUOTA_MB', min: 1, max: 100_000_000 },
  pushIntervalSeconds: { variable: 'VAULTROOM_PUSH_INTERVAL_SECONDS', min: 1, max: 86_400 },
} as const;

type WholeNumberSetting = keyof typeof WHOLE_NUMBER_SETTINGS;

function wholeNumberSetting(raw: RawRelayConfig, key: WholeNumberSetting): number {
  const { variable, min, max } = WHOLE_NUMBER_SETTINGS[key];
  return parseWholeNumber(raw[key] ?? DEFAULTS[key], variable, min, max);
}

function parseRegistration(raw: string): 'invite' | 'open' {
  const mode = raw.trim().toLowerCase();
  if (mode !== 'invite' && mode !== 'open') {
    throw new ConfigError(
      `VAULTROOM_REGISTRATION must be invite or open, got ${quoteSetting(raw)}`,
    );
  }
  return mode;
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

function parseBoolean(raw: string, setting: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new ConfigError(`${setting} must be true or false, got ${quoteSetting(raw)}`);
}

function parseLogLevel(raw: string): LogLevel {
  const level = LOG_LEVELS.find((candidate) => candidate === raw.trim().toLowerCase());
  if (level === undefined) {
    throw new ConfigError(
      `VAULTROOM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${quoteSetting(raw)}`,
    );
  }
  return level;
}

/**
 * Turns raw settings into a validated configuration, or throws a ConfigError whose message names
 * the setting, what it accepts and what it got.
 */
export function parseRelayConfig(raw: RawRelayConfig, cwd: string = process.cwd()): RelayConfig {
  const port = parsePort(raw.port ?? DEFAULTS.port, 'VAULTROOM_PORT', 0);
  const httpPortValue = parsePort(raw.httpPort ?? DEFAULTS.httpPort, 'VAULTROOM_HTTP_PORT', 0);
  const httpPort = httpPortValue === 0 ? null : httpPortValue;
  if (httpPort !== null && httpPort === port) {
    throw new ConfigError(`VAULTROOM_HTTP_PORT and VAULTROOM_PORT must differ, both are ${port}`);
  }

  const hostname = parseHostname(raw.hostname ?? DEFAULTS.hostname, 'VAULTROOM_HOSTNAME');
  const altHostnames = (raw.altHostnames ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
    .map((name) => parseHostname(name, 'VAULTROOM_ALT_HOSTNAMES'))
    .filter((name, index, all) => name !== hostname && all.indexOf(name) === index);

  const certFile = raw.tlsCert?.trim() ?? '';
  const keyFile = raw.tlsKey?.trim() ?? '';
  if ((certFile === '') !== (keyFile === '')) {
    throw new ConfigError('VAULTROOM_TLS_CERT and VAULTROOM_TLS_KEY must be set together');
  }
  const tls =
    certFile === ''
      ? null
      : { certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) };

  const dataDir = (raw.dataDir ?? DEFAULTS.dataDir).trim();
  if (dataDir === '') throw new ConfigError('VAULTROOM_DATA_DIR must not be empty');

  const databaseUrl = parseDatabaseUrl(raw.databaseUrl);
  const natsUrl = parseNatsUrl(raw.natsUrl);
  if (natsUrl !== null && databaseUrl === null) {
    // Relays share their mailboxes, sessions and audit log through the database.
    throw new ConfigError(NATS_NEEDS_POSTGRES);
  }

  return {
    dataDir: path.resolve(cwd, dataDir),
    databaseUrl,
    port,
    httpPort,
    hostname,
    altHostnames,
    tls,
    pwaDir: raw.pwaDir?.trim() ? path.resolve(cwd, raw.pwaDir.trim()) : BUNDLED_PWA_DIR,
    logLevel: parseLogLevel(raw.logLevel ?? DEFAULTS.logLevel),
    publicPort:
      raw.publicPort === undefined || raw.publicPort.trim() === ''
        ? null
        : parsePort(raw.publicPort, 'VAULTROOM_PUBLIC_PORT', 1),
    registration: parseRegistration(raw.registration ?? DEFAULTS.registration),
    sessionIdleHours: wholeNumberSetting(raw, 'sessionIdleHours'),
    sessionMaxDays: wholeNumberSetting(raw, 'sessionMaxDays'),
    challengeTtlSeconds: wholeNumberSetting(raw, 'challengeTtlSeconds'),
    authRatePerMinute: wholeNumberSetting(raw, 'authRatePerMinute'),
    frontAddress: parseFrontAddress(raw.frontAddress),
    auditCheckpointEvents: wholeNumberSetting(raw, 'auditCheckpointEvents'),
    auditCheckpointSeconds: wholeNumberSetting(raw, 'auditCheckpointSeconds'),
    maxConnectionsPerAccount: wholeNumberSetting(raw, 'maxConnectionsPerAccount'),
    sendRatePerSecond: wholeNumberSetting(raw, 'sendRatePerSecond'),
    retentionDays: wholeNumberSetting(raw, 'retentionDays'),
    maxDeviceLag: wholeNumberSetting(raw, 'maxDeviceLag'),
    mailboxQuotaMb: wholeNumberSetting(raw, 'mailboxQuotaMb'),
    senderQuotaMb: wholeNumberSetting(raw, 'senderQuotaMb'),
    maxFileMb: wholeNumberSetting(raw, 'maxFileMb'),
    blobQuotaMb: wholeNumberSetting(raw, 'blobQuotaMb'),
    allowLocalhost: parseBoolean(
      raw.allowLocalhost ?? DEFAULTS.allowLocalhost,
      'VAULTROOM_ALLOW_LOCALHOST',
    ),
    push: parseBoolean(raw.push ?? DEFAULTS.push, 'VAULTROOM_PUSH'),
    pushIntervalSeconds: wholeNumberSetting(raw, 'pushIntervalSeconds'),
    pushAllowPrivate: parseBoolean(
      raw.pushAllowPrivate ?? DEFAULTS.pushAllowPrivate,
      'VAULTROOM_PUSH_ALLOW_PRIVATE',
    ),
    natsUrl,
  };
}

/** Every name the relay answers to: the canonical one first. */
export function allHostnames(config: Pick<RelayConfig, 'hostname' | 'altHostnames'>): string[] {
  return [config.hostname, ...config.altHostnames];
}

/** `localhost` and names below it, which resolve to the machine itself (RFC 6761 §6.3). */
export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/**
 * Whether https://localhost is an origin (and RP ID) of the app: only when the operator allows it,
 * or when the relay's own name is a loopback name. Otherwise a relay reachable as
 * vaultroom.local would take requests from whatever any local program serves on localhost.
 */
export function allowsLocalhost(config: Pick<RelayConfig, 'hostname' | 'allowLocalhost'>): boolean {
  return config.allowLocalhost || isLoopbackName(config.hostname);
}

#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ensureCertificates } from './certs/index.js';
import { inviteCommand, usersCommand } from './cli/accountCommands.js';
import { auditCommand } from './cli/auditCommands.js';
import { backupCommand, restoreCommand } from './cli/backupCommands.js';
import { siteCommand } from './cli/siteCommands.js';
import { DEFAULTS, LOG_LEVELS, allHostnames, parseRelayConfig } from './config/relayConfig.js';
import { createLogger } from './log/createLogger.js';
import { startRelay } from './main.js';
import { RELAY_VERSION } from './version.js';

/** How long a graceful stop may take before the process gives up and exits non-zero. */
const SHUTDOWN_DEADLINE_MS = 5000;

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where the database and TLS files live')
    .env('VAULTROOM_DATA_DIR')
    .default(DEFAULTS.dataDir);
const databaseUrlOption = () =>
  new Option(
    '--database-url <url>',
    'postgres://… to keep the database in PostgreSQL (several relays may share it); default: SQLite in the data directory',
  ).env('VAULTROOM_DATABASE_URL');
const hostnameOption = () =>
  new Option('--hostname <name>', 'public host name; also the passkey (WebAuthn) RP ID')
    .env('VAULTROOM_HOSTNAME')
    .default(DEFAULTS.hostname);
const altHostnamesOption = () =>
  new Option('--alt-hostnames <names>', 'further host names, comma-separated').env(
    'VAULTROOM_ALT_HOSTNAMES',
  );
const logLevelOption = () =>
  new Option('--log-level <level>', 'log verbosity')
    .env('VAULTROOM_LOG_LEVEL')
    .choices(LOG_LEVELS)
    .default(DEFAULTS.logLevel);

interface ServeFlags {
  publicPort?: string;
  registration?: string;
  sessionIdleHours?: string;
  sessionMaxDays?: string;
  challengeTtlSeconds?: string;
  authRatePerMinute?: string;
  frontAddress?: string;
  auditCheckpointEvents?: string;
  auditCheckpointSeconds?: string;
  retentionDays?: string;
  maxConnectionsPerAccount?: string;
  sendRatePerSecond?: string;
  maxDeviceLag?: string;
  mailboxQuotaMb?: string;
  senderQuotaMb?: string;
  maxFileMb?: string;
  blobQuotaMb?: string;
  allowLocalhost?: string;
  push?: string;
  pushIntervalSeconds?: string;
  pushAllowPrivate?: string;
  natsUrl?: string;
  dataDir?: string;
  databaseUrl?: string;
  hostname?: string;
  altHostnames?: string;
  logLevel?: string;
  port?: string;
  httpPort?: string;
  tlsCert?: string;
  tlsKey?: string;
  pwaDir?: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = parseRelayConfig(flags);
  const log = createLogger(config.logLevel);
  const relay = await startRelay(config, log);
  const host = config.hostname;
  if (relay.firstAdminInvite !== null) {
    // Printed for the operator, not logged: the link is a one-time secret, valid for 24 hours.
    process.stderr.write(
      `\nNo account exists yet. Open this one-time link to create the administrator account:\n` +
        `  ${relay.firstAdminInvite}\n\n`,
    );
  }
  log.info(
    {
      httpsPort: relay.httpsPort,
      httpPort: relay.httpPort,
      url: `https://${host}:${relay.httpsPort}`,
      dataDir: config.dataDir,
      version: RELAY_VERSION,
    },
    'relay listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'relay stopping');
    const deadline = setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'relay did not stop in time');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    relay.close().then(
      () => {
        log.info('relay stopped');
        log.flush();
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'relay failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

interface CertsFlags {
  dataDir?: string;
  hostname?: string;
  altHostnames?: string;
  newCa?: boolean;
}

async function certs(flags: CertsFlags): Promise<void> {
  const config = parseRelayConfig(flags);
  const result = await ensureCertificates({
    dataDir: config.dataDir,
    hostnames: allHostnames(config),
    renewServer: true,
    newCa: flags.newCa === true,
  });
  const lines = [
    result.createdCa
      ? `Created a new local CA: ${result.paths.caCert}`
      : `Kept the CA: ${result.paths.caCert}`,
    `CA fingerprint (SHA-256): ${result.caFingerprintSha256}`,
    `Server certificate: ${result.paths.serverCert} (valid until ${result.serverNotAfter.toISOString()})`,
    `Names: ${allHostnames(config).join(', ')}, localhost, 127.0.0.1, ::1`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function program(): Command {
  const root = new Command('vaultroom')
    .description('VaultRoom relay: end-to-end encrypted chat with passkey sign-in')
    .version(RELAY_VERSION)
    .showHelpAfterError()
    .configureOutput({
      outputError: (text, write) => {
        write(text);
      },
    });

  root
    .command('serve')
    .description('run the relay (HTTPS, PWA, API); creates TLS certificates when missing')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .addOption(hostnameOption())
    .addOption(altHostnamesOption())
    .addOption(
      new Option('--port <port>', 'HTTPS port (0 picks a free one)')
        .env('VAULTROOM_PORT')
        .default(DEFAULTS.port),
    )
    .addOption(
      new Option('--http-port <port>', 'plain-HTTP port that redirects to HTTPS (0 disables)')
        .env('VAULTROOM_HTTP_PORT')
        .default(DEFAULTS.httpPort),
    )
    .addOption(
      new Option(
        '--tls-cert <file>',
        'your own certificate chain (PEM) instead of the generated one',
      ).env('VAULTROOM_TLS_CERT'),
    )
    .addOption(
      new Option('--tls-key <file>', 'the private key of --tls-cert (PEM)').env(
        'VAULTROOM_TLS_KEY',
      ),
    )
    .addOption(new Option('--pwa-dir <dir>', 'the built PWA to serve').env('VAULTROOM_PWA_DIR'))
    .addOption(
      new Option('--public-port <port>', 'the HTTPS port in the URL people open, if forwarded').env(
        'VAULTROOM_PUBLIC_PORT',
      ),
    )
    .addOption(
      new Option('--registration <mode>', 'who may create an account')
        .env('VAULTROOM_REGISTRATION')
        .choices(['invite', 'open'])
        .default(DEFAULTS.registration),
    )
    .addOption(
      new Option('--session-idle-hours <hours>', 'end sessions unused this long')
        .env('VAULTROOM_SESSION_IDLE_HOURS')
        .default(DEFAULTS.sessionIdleHours),
    )
    .addOption(
      new Option('--session-max-days <days>', 'end sessions this long after sign-in')
        .env('VAULTROOM_SESSION_MAX_DAYS')
        .default(DEFAULTS.sessionMaxDays),
    )
    .addOption(
      new Option('--challenge-ttl-seconds <seconds>', 'time allowed for a passkey ceremony')
        .env('VAULTROOM_CHALLENGE_TTL_SECONDS')
        .default(DEFAULTS.challengeTtlSeconds),
    )
    .addOption(
      new Option('--auth-rate-per-minute <n>', 'passkey ceremonies allowed per address and minute')
        .env('VAULTROOM_AUTH_RATE_PER_MINUTE')
        .default(DEFAULTS.authRatePerMinute),
    )
    .addOption(
      new Option(
        '--front-address <ip>',
        "the load balancer's address as this relay sees it: 100 times one address's sign-in allowance",
      ).env('VAULTROOM_FRONT_ADDRESS'),
    )
    .addOption(
      new Option('--audit-checkpoint-events <n>', 'sign an audit checkpoint after this many events')
        .env('VAULTROOM_AUDIT_CHECKPOINT_EVENTS')
        .default(DEFAULTS.auditCheckpointEvents),
    )
    .addOption(
      new Option('--audit-checkpoint-seconds <n>', 'sign new audit events at least this often')
        .env('VAULTROOM_AUDIT_CHECKPOINT_SECONDS')
        .default(DEFAULTS.auditCheckpointSeconds),
    )
    .addOption(
      new Option('--retention-days <days>', 'delete envelopes not delivered within this many days')
        .env('VAULTROOM_RETENTION_DAYS')
        .default(DEFAULTS.retentionDays),
    )
    .addOption(
      new Option('--max-connections-per-account <n>', 'open sockets one account may hold')
        .env('VAULTROOM_MAX_CONNECTIONS_PER_ACCOUNT')
        .default(DEFAULTS.maxConnectionsPerAccount),
    )
    .addOption(
      new Option('--send-rate-per-second <n>', 'envelopes one account may send per second')
        .env('VAULTROOM_SEND_RATE_PER_SECOND')
        .default(DEFAULTS.sendRatePerSecond),
    )
    .addOption(
      new Option('--max-device-lag <n>', 'envelopes a connected device may be behind')
        .env('VAULTROOM_MAX_DEVICE_LAG')
        .default(DEFAULTS.maxDeviceLag),
    )
    .addOption(
      new Option('--mailbox-quota-mb <MiB>', 'undelivered bytes one device may have waiting')
        .env('VAULTROOM_MAILBOX_QUOTA_MB')
        .default(DEFAULTS.mailboxQuotaMb),
    )
    .addOption(
      new Option('--sender-quota-mb <MiB>', 'undelivered bytes one account may have sent')
        .env('VAULTROOM_SENDER_QUOTA_MB')
        .default(DEFAULTS.senderQuotaMb),
    )
    .addOption(
      new Option('--max-file-mb <MiB>', 'largest file one upload may carry')
        .env('VAULTROOM_MAX_FILE_MB')
        .default(DEFAULTS.maxFileMb),
    )
    .addOption(
      new Option('--blob-quota-mb <MiB>', 'file bytes one account may have stored')
        .env('VAULTROOM_BLOB_QUOTA_MB')
        .default(DEFAULTS.blobQuotaMb),
    )
    .addOption(
      new Option(
        '--allow-localhost [yes|no]',
        'also serve the app as https://localhost on this machine (origin and passkey RP ID)',
      )
        .env('VAULTROOM_ALLOW_LOCALHOST')
        .preset('true')
        .default(DEFAULTS.allowLocalhost),
    )
    .addOption(
      new Option('--push [yes|no]', 'let devices register for push notifications (Web Push)')
        .env('VAULTROOM_PUSH')
        .preset('true')
        .default(DEFAULTS.push),
    )
    .addOption(
      new Option('--push-interval-seconds <seconds>', 'at most one push per device this often')
        .env('VAULTROOM_PUSH_INTERVAL_SECONDS')
        .default(DEFAULTS.pushIntervalSeconds),
    )
    .addOption(
      new Option(
        '--push-allow-private [yes|no]',
        'allow push services on private, loopback and link-local addresses',
      )
        .env('VAULTROOM_PUSH_ALLOW_PRIVATE')
        .preset('true')
        .default(DEFAULTS.pushAllowPrivate),
    )
    .addOption(
      new Option(
        '--nats-url <url>',
        'NATS server connecting the relays that share one PostgreSQL database (prefer the variable: a URL with a password shows in the process list)',
      ).env('VAULTROOM_NATS_URL'),
    )
    .addOption(logLevelOption())
    .action((flags: ServeFlags) => serve(flags));

  root
    .command('certs')
    .description('create the local CA if missing and issue a fresh server certificate')
    .addOption(dataDirOption())
    .addOption(hostnameOption())
    .addOption(altHostnamesOption())
    .option('--new-ca', 'replace the CA too (devices must import the new one)')
    .action((flags: CertsFlags) => certs(flags));

  root.addCommand(inviteCommand());
  root.addCommand(usersCommand());
  root.addCommand(auditCommand());
  root.addCommand(backupCommand());
  root.addCommand(restoreCommand());
  root.addCommand(siteCommand());
  return root;
}

function hasCode(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

program()
  .parseAsync()
  .catch((error: unknown) => {
    // Operator mistakes (bad value, port taken, locked data dir) get one line, never a stack.
    const message = hasCode(error) ? error.message : `unexpected error: ${String(error)}`;
    process.stderr.write(`vaultroom: ${message}\n`);
    if (
      !hasCode(error) &&
      error instanceof Error &&
      process.env['VAULTROOM_LOG_LEVEL'] === 'debug'
    ) {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
    process.exit(1);
  });

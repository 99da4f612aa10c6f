import { handleKey, normalizeHandle } from '@vaultroom/shared';
import { Command, Option } from 'commander';
import type { AccountsContext } from '../accounts/AccountsContext.js';
import { createCliContext } from '../accounts/createCliContext.js';
import {
  createInvite,
  createRecoveryInvite,
  listInvites,
  revokeInvite,
} from '../accounts/invites.js';
import { deleteUser, listUsers, setUserRole, setUserStatus } from '../accounts/users.js';
import { DEFAULTS, parseRelayConfig } from '../config/relayConfig.js';
import { ApiError } from '../api/ApiError.js';
import { openToolDatabase, withDatabaseLocation } from './openToolDatabase.js';

/** The operator at the terminal: no account, recorded as such in security events. */
const OPERATOR = { accountId: null };
const LOCAL_CLIENT = { address: 'cli', userAgent: 'vaultroom-cli' };

interface LocationFlags {
  dataDir?: string;
  databaseUrl?: string;
  hostname?: string;
  port?: string;
  publicPort?: string;
}

/** Options that say where the database is and which origin invite links should point at. */
function withLocation(command: Command): Command {
  return withDatabaseLocation(command)
    .addOption(
      new Option('--hostname <name>', 'public host name, for links')
        .env('VAULTROOM_HOSTNAME')
        .default(DEFAULTS.hostname),
    )
    .addOption(
      new Option('--port <port>', 'HTTPS port, for links')
        .env('VAULTROOM_PORT')
        .default(DEFAULTS.port),
    )
    .addOption(
      new Option('--public-port <port>', 'public HTTPS port, for links').env(
        'VAULTROOM_PUBLIC_PORT',
      ),
    );
}

async function withAccounts<T>(
  flags: LocationFlags,
  work: (ctx: AccountsContext) => Promise<T>,
): Promise<T> {
  const { databaseUrl, ...location } = flags;
  const config = parseRelayConfig({ ...location, httpPort: '0' });
  const database = await openToolDatabase({ dataDir: config.dataDir, databaseUrl });
  try {
    return await work(await createCliContext(config, database));
  } finally {
    await database.close();
  }
}

function table(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function userIdByHandle(ctx: AccountsContext, handle: string): Promise<string> {
  // As typed on the command line: `@Bob` and `bob` name the same account.
  const key = normalizeHandle(handle);
  const user = (await listUsers(ctx)).find((candidate) => handleKey(candidate.handle) === key);
  if (user === undefined) throw new ApiError('NOT_FOUND', `no user with the handle ${handle}`);
  return user.id;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function inviteCommand(): Command {
  const invite = new Command('invite').description('create, list and revoke invites');
  withLocation(invite.command('create').description('create an invite link'))
    .addOption(
      new Option('--role <role>', 'role of the new account')
        .choices(['member', 'admin'])
        .default('member'),
    )
    .option('--uses <n>', 'how many accounts it may create', '1')
    .option('--hours <n>', 'hours until it expires', '72')
    .action(async (flags: LocationFlags & { role: string; uses: string; hours: string }) => {
      const created = await withAccounts(flags, (ctx) =>
        createInvite(
          ctx,
          OPERATOR,
          { role: flags.role, maxUses: Number(flags.uses), expiresInHours: Number(flags.hours) },
          LOCAL_CLIENT,
        ),
      );
      say(
        `Invite for ${created.invite.maxUses} ${created.invite.role} account(s), valid until ${created.invite.expiresAt}:`,
      );
      say(`  ${created.link}`);
      say('Send it privately: anyone holding it can create an account until it is used up.');
    });
  withLocation(invite.command('list').description('list invites')).action(
    async (flags: LocationFlags) => {
      const invites = await withAccounts(flags, listInvites);
      const now = Date.now();
      say(
        table([
          ['ID', 'KIND', 'ROLE', 'USES', 'EXPIRES', 'STATUS'],
          ...invites.map((row) => [
            row.id,
            row.kind === 'recovery' ? `recovery @${row.forHandle ?? '?'}` : 'register',
            row.role,
            `${row.uses}/${row.maxUses}`,
            row.expiresAt,
            row.revokedAt !== null
              ? 'revoked'
              : row.uses >= row.maxUses
                ? 'used up'
                : Date.parse(row.expiresAt) <= now
                  ? 'expired'
                  : 'active',
          ]),
        ]),
      );
    },
  );
  withLocation(
    invite.command('revoke').description('revoke an invite').argument('<id>', 'the invite id'),
  ).action(async (id: string, flags: LocationFlags) => {
    await withAccounts(flags, (ctx) => revokeInvite(ctx, OPERATOR, id, LOCAL_CLIENT));
    say(`Revoked invite ${id}.`);
  });
  return invite;
}

export function usersCommand(): Command {
  const users = new Command('users').description('list and manage accounts');
  withLocation(users.command('list').description('list accounts')).action(
    async (flags: LocationFlags) => {
      const rows = await withAccounts(flags, listUsers);
      say(
        table([
          ['HANDLE', 'NAME', 'ROLE', 'STATUS', 'PASSKEYS', 'LAST SIGN-IN'],
          ...rows.map((row) => [
            `@${row.handle}`,
            row.displayName,
            row.role,
            row.status,
            String(row.passkeyCount),
            row.lastSignInAt ?? 'never',
          ]),
        ]),
      );
    },
  );
  for (const [name, status, done] of [
    ['disable', 'disabled', 'Disabled'],
    ['enable', 'active', 'Enabled'],
  ] as const) {
    withLocation(
      users
        .command(name)
        .description(
          name === 'disable'
            ? 'disable an account and end its sessions'
            : 'enable a disabled account',
        )
        .argument('<handle>', 'the account handle'),
    ).action(async (handle: string, flags: LocationFlags) => {
      await withAccounts(flags, async (ctx) =>
        setUserStatus(ctx, OPERATOR, await userIdByHandle(ctx, handle), status, LOCAL_CLIENT),
      );
      say(`${done} @${handle}.`);
    });
  }
  withLocation(
    users
      .command('role')
      .description('make an account an admin or a member')
      .argument('<handle>', 'the account handle')
      .argument('<role>', 'admin or member'),
  ).action(async (handle: string, role: string, flags: LocationFlags) => {
    await withAccounts(flags, async (ctx) =>
      setUserRole(ctx, OPERATOR, await userIdByHandle(ctx, handle), role, LOCAL_CLIENT),
    );
    say(`@${handle} is now ${role === 'admin' ? 'an admin' : 'a member'}.`);
  });
  withLocation(
    users
      .command('delete')
      .description('delete an account, its passkeys and sessions')
      .argument('<handle>', 'the account handle')
      .requiredOption('--yes', 'confirm: this cannot be undone'),
  ).action(async (handle: string, flags: LocationFlags) => {
    await withAccounts(flags, async (ctx) =>
      deleteUser(ctx, OPERATOR, await userIdByHandle(ctx, handle), LOCAL_CLIENT),
    );
    say(`Deleted @${handle}.`);
  });
  withLocation(
    users
      .command('recover')
      .description('create a one-time link that adds a new passkey to an account')
      .argument('<handle>', 'the account handle'),
  ).action(async (handle: string, flags: LocationFlags) => {
    const created = await withAccounts(flags, async (ctx) =>
      createRecoveryInvite(ctx, OPERATOR, await userIdByHandle(ctx, handle), LOCAL_CLIENT),
    );
    say(`Recovery link for @${handle}, valid until ${created.invite.expiresAt}, usable once:`);
    say(`  ${created.link}`);
    say('Give it to the account holder in person: it lets its holder into the account.');
  });
  return users;
}

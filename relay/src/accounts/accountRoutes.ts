import { ACCOUNTS_API } from '@vaultroom/shared';
import { ApiError } from '../api/ApiError.js';
import type { ApiRequest, ApiRoute } from '../api/ApiTypes.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import {
  createInvite,
  createRecoveryInvite,
  inspectInvite,
  listInvites,
  revokeInvite,
} from './invites.js';
import {
  beginAddPasskey,
  finishAddPasskey,
  listPasskeys,
  removePasskey,
  renamePasskey,
} from './passkeys.js';
import { listStaleDevices } from './listStaleDevices.js';
import { beginRegistration, finishRegistration } from './registration.js';
import { clearedSessionCookie } from './sessionCookie.js';
import {
  listSessions,
  requireAdmin,
  requireSession,
  revokeOtherSessions,
  revokeSession,
  signOut,
} from './sessions.js';
import { beginSignIn, finishSignIn } from './signIn.js';
import { beginStepUp, finishStepUp, requireRecentVerification } from './stepUp.js';
import { deleteUser, getAccount, listUsers, setUserRole, setUserStatus } from './users.js';

function clientOf(request: ApiRequest): ClientInfo {
  return { address: request.remoteAddress, userAgent: request.userAgent };
}

function param(request: ApiRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new ApiError('BAD_REQUEST', `Missing ${name}`);
  return value;
}

/** Unauthenticated ceremonies are limited per client address, against guessing and flooding. */
function limitAddress(ctx: AccountsContext, request: ApiRequest): void {
  const decision = ctx.addressLimiter.take(request.remoteAddress);
  if (!decision.allowed) {
    throw new ApiError(
      'RATE_LIMITED',
      'Too many attempts: wait a moment',
      decision.retryAfterSeconds,
    );
  }
}

const ok = (body: unknown) => ({ status: '200 OK' as const, body });
const noContent = { status: '204 No Content' as const };

/** The accounts endpoints of the JSON API. */
export function accountRoutes(ctx: AccountsContext): ApiRoute[] {
  return [
    {
      method: 'POST',
      pattern: ACCOUNTS_API.inviteInspect,
      handler: async (request) => {
        limitAddress(ctx, request);
        return ok(await inspectInvite(ctx, request.body));
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.registrationOptions,
      handler: async (request) => {
        limitAddress(ctx, request);
        return ok(await beginRegistration(ctx, request.body, request.origin));
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.registrationVerify,
      handler: async (request) => {
        limitAddress(ctx, request);
        const { response, cookie } = await finishRegistration(
          ctx,
          request.body,
          request.cookie,
          clientOf(request),
        );
        return { status: '201 Created', body: response, setCookies: [cookie] };
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.signInOptions,
      handler: async (request) => {
        limitAddress(ctx, request);
        return ok(await beginSignIn(ctx, request.origin));
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.signInVerify,
      handler: async (request) => {
        limitAddress(ctx, request);
        const { response, cookie } = await finishSignIn(
          ctx,
          request.body,
          request.cookie,
          clientOf(request),
        );
        return { status: '200 OK', body: response, setCookies: [cookie] };
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.signOut,
      handler: async (request) => {
        await signOut(ctx, request.cookie, clientOf(request));
        return { ...noContent, setCookies: [clearedSessionCookie()] };
      },
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.me,
      handler: async (request) =>
        ok({ account: await getAccount(ctx, await requireSession(ctx, request.cookie)) }),
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.passkeys,
      handler: async (request) =>
        ok({ passkeys: await listPasskeys(ctx, await requireSession(ctx, request.cookie)) }),
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.passkeyOptions,
      handler: async (request) =>
        ok(await beginAddPasskey(ctx, await requireSession(ctx, request.cookie), request.origin)),
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.passkeyVerify,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        const passkey = await finishAddPasskey(ctx, session, request.body, clientOf(request));
        return { status: '201 Created', body: { passkey } };
      },
    },
    {
      method: 'PATCH',
      pattern: ACCOUNTS_API.passkey,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        return ok({
          passkey: await renamePasskey(
            ctx,
            session,
            param(request, 'id'),
            request.body,
            clientOf(request),
          ),
        });
      },
    },
    {
      method: 'DELETE',
      pattern: ACCOUNTS_API.passkey,
      handler: async (request) => {
        await removePasskey(
          ctx,
          await requireSession(ctx, request.cookie),
          param(request, 'id'),
          clientOf(request),
        );
        return noContent;
      },
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.sessions,
      handler: async (request) =>
        ok({ sessions: await listSessions(ctx, await requireSession(ctx, request.cookie)) }),
    },
    {
      method: 'DELETE',
      pattern: ACCOUNTS_API.session,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        const target = param(request, 'id');
        await revokeSession(ctx, session, target, clientOf(request));
        return target === session.sessionId
          ? { ...noContent, setCookies: [clearedSessionCookie()] }
          : noContent;
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.revokeOtherSessions,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        return ok({ revoked: await revokeOtherSessions(ctx, session, clientOf(request)) });
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.sessionVerifyOptions,
      handler: async (request) =>
        ok(await beginStepUp(ctx, await requireSession(ctx, request.cookie), request.origin)),
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.sessionVerify,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        return ok(await finishStepUp(ctx, session, request.body, clientOf(request)));
      },
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.invites,
      handler: async (request) => {
        await requireAdmin(ctx, request.cookie);
        return ok({ invites: await listInvites(ctx) });
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.invites,
      handler: async (request) => {
        const admin = await requireAdmin(ctx, request.cookie);
        return {
          status: '201 Created',
          body: await createInvite(ctx, admin, request.body, clientOf(request)),
        };
      },
    },
    {
      method: 'DELETE',
      pattern: ACCOUNTS_API.invite,
      handler: async (request) => {
        await revokeInvite(
          ctx,
          await requireAdmin(ctx, request.cookie),
          param(request, 'id'),
          clientOf(request),
        );
        return noContent;
      },
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.users,
      handler: async (request) => {
        await requireAdmin(ctx, request.cookie);
        return ok({ users: await listUsers(ctx) });
      },
    },
    {
      method: 'GET',
      pattern: ACCOUNTS_API.staleDevices,
      handler: async (request) => {
        await requireAdmin(ctx, request.cookie);
        return ok(await listStaleDevices(ctx));
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.disableUser,
      handler: async (request) => {
        const admin = await requireAdmin(ctx, request.cookie);
        return ok({
          user: await setUserStatus(
            ctx,
            admin,
            param(request, 'id'),
            'disabled',
            clientOf(request),
          ),
        });
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.enableUser,
      handler: async (request) => {
        const admin = await requireAdmin(ctx, request.cookie);
        return ok({
          user: await setUserStatus(ctx, admin, param(request, 'id'), 'active', clientOf(request)),
        });
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.userRole,
      handler: async (request) => {
        const admin = await requireAdmin(ctx, request.cookie);
        const role =
          typeof request.body === 'object' && request.body !== null
            ? (request.body as { role?: unknown }).role
            : undefined;
        return ok({
          user: await setUserRole(ctx, admin, param(request, 'id'), role, clientOf(request)),
        });
      },
    },
    {
      method: 'DELETE',
      pattern: ACCOUNTS_API.user,
      handler: async (request) => {
        await deleteUser(
          ctx,
          await requireAdmin(ctx, request.cookie),
          param(request, 'id'),
          clientOf(request),
        );
        return noContent;
      },
    },
    {
      method: 'POST',
      pattern: ACCOUNTS_API.recoveryInvite,
      handler: async (request) => {
        const admin = await requireAdmin(ctx, request.cookie);
        // A recovery invite lets someone add a passkey to another account: a fresh verification.
        requireRecentVerification(ctx, admin);
        return {
          status: '201 Created',
          body: await createRecoveryInvite(ctx, admin, param(request, 'id'), clientOf(request)),
        };
      },
    },
  ];
}

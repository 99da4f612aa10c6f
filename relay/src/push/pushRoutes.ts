import {
  PUSH_API,
  PUSH_SUBSCRIPTIONS_PER_ACCOUNT,
  type PushStatusView,
  type PushSubscriptionInput,
} from '@vaultroom/shared';
import type { AccountsContext } from '../accounts/AccountsContext.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';
import { requireSession } from '../accounts/sessions.js';
import { ApiError } from '../api/ApiError.js';
import type { ApiRequest, ApiRoute } from '../api/ApiTypes.js';
import type { PushNotifier } from './createPushNotifier.js';
import { PushError } from './PushError.js';
import {
  countOtherSubscriptions,
  deleteSubscription,
  findSubscription,
  saveSubscription,
} from './pushSubscriptions.js';
import { resolvePushEndpoint } from './resolvePushEndpoint.js';

export interface PushRoutesDeps {
  readonly accounts: AccountsContext;
  /** Null when the operator turned push off. */
  readonly push: {
    readonly publicKey: string;
    readonly allowPrivate: boolean;
    readonly notifier: PushNotifier;
    /** Subscriptions per account and minute: each one costs a DNS look-up of the client's choice. */
    readonly limiter: RateLimiter;
  } | null;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeKey(value: unknown, bytes: number, what: string): string {
  if (typeof value !== 'string' || !BASE64URL.test(value)) {
    throw new ApiError('BAD_REQUEST', `${what} must be base64url`);
  }
  const decoded = Buffer.from(value, 'base64url');
  if (decoded.byteLength !== bytes) {
    throw new ApiError('BAD_REQUEST', `${what} must be ${bytes} bytes`);
  }
  return value;
}

/** Checks the body's shape; the endpoint's rules are checked apart (they need DNS). */
function parseSubscription(body: unknown): PushSubscriptionInput {
  if (typeof body !== 'object' || body === null) {
    throw new ApiError('BAD_REQUEST', 'Expected a push subscription');
  }
  const input = body as Record<string, unknown>;
  const keys = input['keys'];
  if (typeof input['endpoint'] !== 'string' || typeof keys !== 'object' || keys === null) {
    throw new ApiError('BAD_REQUEST', 'Expected a push subscription with an endpoint and keys');
  }
  if (typeof input['showSender'] !== 'boolean') {
    throw new ApiError('BAD_REQUEST', 'showSender must be true or false');
  }
  const { p256dh, auth } = keys as Record<string, unknown>;
  // RFC 8291 §3.1: an uncompressed P-256 point and a 16-byte authentication secret.
  const publicKey = decodeKey(p256dh, 65, 'keys.p256dh');
  if (Buffer.from(publicKey, 'base64url')[0] !== 0x04) {
    throw new ApiError('BAD_REQUEST', 'keys.p256dh must be an uncompressed P-256 point');
  }
  return {
    endpoint: input['endpoint'],
    keys: { p256dh: publicKey, auth: decodeKey(auth, 16, 'keys.auth') },
    showSender: input['showSender'],
  };
}

/** The session's account and device: a subscription belongs to a device, not to a browser tab. */
async function deviceOfSession(
  ctx: AccountsContext,
  request: ApiRequest,
): Promise<{ accountId: string; sessionId: string; deviceId: string }> {
  const session = await requireSession(ctx, request.cookie);
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select('devices.id as deviceId')
    .where('sessions.id', '=', session.sessionId)
    .where('devices.revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) {
    throw new ApiError('FORBIDDEN', 'This browser has no device on this relay yet');
  }
  return { accountId: session.accountId, sessionId: session.sessionId, deviceId: row.deviceId };
}

/** The push endpoints of the JSON API (PROTOCOL.md §2.8). */
export function pushRoutes(deps: PushRoutesDeps): ApiRoute[] {
  const { accounts: ctx, push } = deps;
  return [
    {
      method: 'GET',
      pattern: PUSH_API.push,
      handler: async (request) => {
        const session = await requireSession(ctx, request.cookie);
        const device = await ctx.db
          .selectFrom('sessions')
          .select('device_id')
          .where('id', '=', session.sessionId)
          .executeTakeFirst();
        const deviceId = device?.device_id ?? null;
        const subscription =
          push === null || deviceId === null ? null : await findSubscription(ctx.db, deviceId);
        const view: PushStatusView = {
          available: push !== null,
          publicKey: push?.publicKey ?? null,
          subscription,
        };
        return { status: '200 OK', body: view };
      },
    },
    {
      method: 'POST',
      pattern: PUSH_API.subscription,
      handler: async (request) => {
        if (push === null) {
          throw new ApiError('PUSH_UNAVAILABLE', 'Push notifications are turned off on this relay');
        }
        const caller = await deviceOfSession(ctx, request);
        const input = parseSubscription(request.body);
        const decision = push.limiter.take(caller.accountId);
        if (!decision.allowed) {
          throw new ApiError(
            'RATE_LIMITED',
            'Too many attempts: wait a moment',
            decision.retryAfterSeconds,
          );
        }
        try {
          await resolvePushEndpoint(input.endpoint, { allowPrivate: push.allowPrivate });
        } catch (error) {
          if (!(error instanceof PushError)) throw error;
          if (error.code === 'ENDPOINT_REFUSED') throw new ApiError('BAD_REQUEST', error.message);
          throw new ApiError(
            'PUSH_UNAVAILABLE',
            'The relay cannot reach this push service (no internet access here?)',
          );
        }
        await ctx.writes.write(function* (tx) {
          const others = yield* countOtherSubscriptions(tx, caller.accountId, caller.deviceId);
          if (others >= PUSH_SUBSCRIPTIONS_PER_ACCOUNT) {
            throw new ApiError(
              'CONFLICT',
              `At most ${PUSH_SUBSCRIPTIONS_PER_ACCOUNT} devices of an account receive push notifications`,
            );
          }
          yield* saveSubscription(tx, {
            deviceId: caller.deviceId,
            accountId: caller.accountId,
            sessionId: caller.sessionId,
            endpoint: input.endpoint,
            p256dh: input.keys.p256dh,
            auth: input.keys.auth,
            showSender: input.showSender,
            createdAt: Date.now(),
          });
        });
        push.notifier.subscriptionChanged(caller.deviceId);
        return { status: '204 No Content' };
      },
    },
    {
      method: 'DELETE',
      pattern: PUSH_API.subscription,
      handler: async (request) => {
        const caller = await deviceOfSession(ctx, request);
        await deleteSubscription(ctx.writes, caller.deviceId);
        push?.notifier.subscriptionChanged(caller.deviceId);
        return { status: '204 No Content' };
      },
    },
  ];
}

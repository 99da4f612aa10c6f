import {
  AUDIT_API,
  type AuditCheckpointResponse,
  type AuditEventView,
  type ConsistencyResponse,
  type MyAuditEventsResponse,
} from '@vaultroom/shared';
import type { Kysely } from 'kysely';
import type { AuditEventsTable, RelayDatabase } from '../db/schema.js';
import { ApiError } from '../api/ApiError.js';
import type { ApiRequest, ApiRoute } from '../api/ApiTypes.js';
import { encodeAuditLeaf } from './auditLeaf.js';
import type { AuditReader } from './createAuditReader.js';

/**
 * Who is asking, as the accounts feature answers it: passed in by the composition root, so the
 * audit log (which accounts write to) never imports the accounts feature back.
 */
export interface AuditCaller {
  /** The signed-in account of this cookie, or an ApiError (401). */
  session(cookieHeader: string): Promise<{ readonly accountId: string }>;
  /** The same, for an administrator only (403 otherwise). */
  admin(cookieHeader: string): Promise<{ readonly accountId: string }>;
}

export interface AuditApiContext {
  readonly db: Kysely<RelayDatabase>;
  readonly caller: AuditCaller;
  readonly reader: AuditReader;
  readonly origin: string;
  readonly verifierKey: string;
}

const MAX_PAGE = 100;

function view(row: AuditEventsTable): AuditEventView {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    outcome: row.outcome,
    actorAccountId: row.actor_account_id,
    target: row.target,
    userAgent: row.user_agent,
    details: JSON.parse(row.details) as AuditEventView['details'],
  };
}

function query(request: ApiRequest): URLSearchParams {
  return new URLSearchParams(request.query);
}

function wholeNumber(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ApiError('BAD_REQUEST', `${name} must be a whole number`);
  return value;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The audit endpoints: users read their own events with proofs; admins read everything. */
export function auditRoutes(ctx: AuditApiContext): ApiRoute[] {
  const { db } = ctx;
  return [
    {
      method: 'GET',
      pattern: AUDIT_API.checkpoint,
      handler: async (request) => {
        await ctx.caller.session(request.cookie);
        const body: AuditCheckpointResponse = {
          checkpoint: (await ctx.reader.latestCheckpoint())?.note ?? null,
          verifierKey: ctx.verifierKey,
          origin: ctx.origin,
        };
        return { status: '200 OK', body };
      },
    },
    {
      method: 'GET',
      pattern: AUDIT_API.consistency,
      handler: async (request) => {
        await ctx.caller.session(request.cookie);
        const params = query(request);
        const from = wholeNumber(params, 'from', 0);
        const to = wholeNumber(params, 'to', 0);
        const latest = (await ctx.reader.latestCheckpoint())?.tree_size ?? 0;
        if (from < 1 || from > to || to > latest) {
          throw new ApiError('BAD_REQUEST', `need 1 <= from <= to <= ${latest}`);
        }
        // Below the pruned size the tree's inner hashes are gone: the proof runs through the
        // links kept at each pruning (one per signed size), then on from the pruned size.
        const prunedSize = await ctx.reader.prunedSize();
        if (from >= prunedSize) {
          const body: ConsistencyResponse = {
            from,
            to,
            proof: (await ctx.reader.consistency(from, to)).map(base64),
          };
          return { status: '200 OK', body };
        }
        const links = to < prunedSize ? null : await ctx.reader.linksFrom(from);
        if (links === null) {
          throw new ApiError(
            'BAD_REQUEST',
            `no consistency proof from size ${from}: events 1–${prunedSize} were pruned, and no signed checkpoint of that size was kept linked`,
          );
        }
        const body: ConsistencyResponse = {
          from,
          to,
          links: links.map((link) => ({
            size: link.size,
            rootHash: base64(link.rootHash),
            proof: link.proof.map(base64),
          })),
          proof: (await ctx.reader.consistency(prunedSize, to)).map(base64),
        };
        return { status: '200 OK', body };
      },
    },
    {
      method: 'GET',
      pattern: AUDIT_API.mine,
      handler: async (request) => {
        const session = await ctx.caller.session(request.cookie);
        const params = query(request);
        const limit = Math.min(MAX_PAGE, wholeNumber(params, 'limit', 50) || 50);
        const before = wholeNumber(params, 'before', Number.MAX_SAFE_INTEGER);
        const rows = await db
          .selectFrom('audit_events')
          .selectAll()
          .where((eb) =>
            eb.or([
              eb('actor_account_id', '=', session.accountId),
              eb('target', '=', session.accountId),
            ]),
          )
          .where('seq', '<', before)
          .orderBy('seq', 'desc')
          .limit(limit)
          .execute();
        const latest = await ctx.reader.latestCheckpoint();
        const treeSize = latest?.tree_size ?? 0;
        const body: MyAuditEventsResponse = {
          checkpoint: latest?.note ?? null,
          treeSize,
          events: await Promise.all(
            rows.map(async (row) => ({
              ...view(row),
              leaf: base64(encodeAuditLeaf(row)),
              proof:
                row.seq <= treeSize
                  ? (await ctx.reader.inclusion(row.seq, treeSize)).map(base64)
                  : null,
            })),
          ),
        };
        return { status: '200 OK', body };
      },
    },
    {
      method: 'GET',
      pattern: AUDIT_API.events,
      handler: async (request) => {
        await ctx.caller.admin(request.cookie);
        const params = query(request);
        const limit = Math.min(MAX_PAGE, wholeNumber(params, 'limit', 50) || 50);
        let rows = db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '<', wholeNumber(params, 'before', Number.MAX_SAFE_INTEGER));
        const type = params.get('type');
        if (type !== null && type !== '') rows = rows.where('type', '=', type);
        const account = params.get('account');
        if (account !== null && account !== '') {
          rows = rows.where((eb) =>
            eb.or([eb('actor_account_id', '=', account), eb('target', '=', account)]),
          );
        }
        const events = (await rows.orderBy('seq', 'desc').limit(limit).execute()).map(view);
        return { status: '200 OK', body: { events } };
      },
    },
  ];
}

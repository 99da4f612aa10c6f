import {
  AUDIT_API,
  type AuditCheckpointResponse,
  type AuditEventsResponse,
  type ConsistencyResponse,
  type MyAuditEventsResponse,
} from '@vaultroom/shared';
import type { AuditClient, AuditPageRequest } from '../core/ports.js';
import { call } from './accountsClient.js';

/** The query string of a page request, leaving out what is not set. */
function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The relay's audit endpoints, typed by the shared API contract. */
export const auditClient: AuditClient = {
  checkpoint: () => call<AuditCheckpointResponse>('GET', AUDIT_API.checkpoint),
  consistency: (from: number, to: number) =>
    call<ConsistencyResponse>('GET', AUDIT_API.consistency + query({ from, to })),
  mine: (request: AuditPageRequest) =>
    call<MyAuditEventsResponse>('GET', AUDIT_API.mine + query({ ...request })),
  events: (request: AuditPageRequest & { readonly type?: string; readonly account?: string }) =>
    call<AuditEventsResponse>('GET', AUDIT_API.events + query({ ...request })),
};

import type { MyAuditEventsResponse } from '@vaultroom/shared';
import type { Checkpoint, Ed25519Api } from '@vaultroom/shared/transparency';
import { batch, createSignal, type Accessor } from 'solid-js';
import {
  checkLogHistory,
  historyIsConsistent,
  parseRememberedCheckpoint,
  rememberCheckpoint,
  type LogHistory,
  type LogProblem,
} from '../core/audit/checkLogHistory.js';
import {
  verifyAuditEvents,
  type CheckedAuditEvent,
  type LogIdentity,
} from '../core/audit/verifyAuditEvents.js';
import type { AuditClient, CheckpointStorage } from '../core/ports.js';
import { createPagedList } from './createPagedList.js';

/** What the security activity view needs from the platform, given by the composition root. */
export interface SecurityActivityServices {
  readonly client: AuditClient;
  readonly loadSodium: () => Promise<Ed25519Api>;
  readonly storage: CheckpointStorage;
  readonly now: () => Date;
}

/** How the relay's log compares with what this device saw before. */
export type HistoryState =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'consistent' }
  | { readonly kind: 'changed'; readonly problem: LogProblem }
  | { readonly kind: 'error' };

export interface SecurityActivity {
  readonly status: Accessor<'loading' | 'ready' | 'error'>;
  readonly events: Accessor<readonly CheckedAuditEvent[]>;
  /** A page came with a checkpoint that does not verify. */
  readonly invalid: Accessor<boolean>;
  readonly history: Accessor<HistoryState>;
  readonly hasOlder: Accessor<boolean>;
  readonly loadingOlder: Accessor<boolean>;
  readonly olderFailed: Accessor<boolean>;
  reload(): Promise<void>;
  loadOlder(): Promise<void>;
}

const PAGE = 20;

interface Verifier {
  readonly identity: LogIdentity;
  readonly sodium: Ed25519Api;
}

/** A page of the account's events; the first of each reload comes with what verifies it. */
interface FetchedPage {
  readonly page: MyAuditEventsResponse;
  readonly verifier?: Verifier;
}

/**
 * The signed-in account's own security events, each verified in the browser, and the check that
 * the relay's log still extends the last checkpoint this device verified (kept in `storage`, and
 * replaced only by a checkpoint proven to extend it). Nothing loads until `reload()`.
 */
export function createSecurityActivity(
  services: SecurityActivityServices,
  noticeError: (error: unknown) => unknown,
): SecurityActivity {
  const [invalid, setInvalid] = createSignal(false);
  const [history, setHistory] = createSignal<HistoryState>({ kind: 'unknown' });
  /** The relay's log identity and libsodium, learned with the first page of each reload. */
  let verifier: Verifier | undefined;

  /** Compares a verified checkpoint with the remembered one; a problem, once found, stays. */
  const observe = async (checkpoint: Checkpoint, identity: LogIdentity): Promise<void> => {
    if (history().kind === 'changed' || checkpoint.size === 0) return;
    const remembered = parseRememberedCheckpoint(services.storage.read());
    let result: LogHistory;
    try {
      result = await checkLogHistory({
        remembered,
        current: checkpoint,
        verifierKey: identity.verifierKey,
        fetchConsistency: (from, to) => services.client.consistency(from, to),
      });
    } catch (error) {
      noticeError(error);
      setHistory({ kind: 'error' });
      return;
    }
    if (historyIsConsistent(result)) {
      services.storage.write(
        JSON.stringify(rememberCheckpoint(checkpoint, identity.verifierKey, services.now())),
      );
      if (history().kind === 'unknown') setHistory({ kind: 'consistent' });
    } else {
      setHistory({ kind: 'changed', problem: result });
    }
  };

  const list = createPagedList<FetchedPage, CheckedAuditEvent>({
    fetch: async (last) => {
      if (last !== undefined) {
        return { page: await services.client.mine({ limit: PAGE, before: last.event.seq }) };
      }
      const [sodium, head, page] = await Promise.all([
        services.loadSodium(),
        services.client.checkpoint(),
        services.client.mine({ limit: PAGE }),
      ]);
      return {
        page,
        verifier: { sodium, identity: { origin: head.origin, verifierKey: head.verifierKey } },
      };
    },
    accept: async ({ page, verifier: fresh }) => {
      if (fresh !== undefined) verifier = fresh;
      if (verifier === undefined) throw new Error('An older page arrived before the first one.');
      const verified = verifyAuditEvents(page, verifier.identity, verifier.sodium);
      if (verified.kind === 'invalid') setInvalid(true);
      if (verified.kind === 'signed') await observe(verified.checkpoint, verifier.identity);
      return { items: verified.events, more: page.events.length === PAGE };
    },
    noticeError,
  });

  const reload = (): Promise<void> =>
    batch(() => {
      setInvalid(false);
      setHistory({ kind: 'unknown' });
      return list.reload();
    });

  return {
    status: list.status,
    events: list.items,
    invalid,
    history,
    hasOlder: list.hasOlder,
    loadingOlder: list.loadingOlder,
    olderFailed: list.olderFailed,
    reload,
    loadOlder: list.loadOlder,
  };
}

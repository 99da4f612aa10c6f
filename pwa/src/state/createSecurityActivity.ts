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

/**
 * The signed-in account's own security events, each verified in the browser, and the check that
 * the relay's log still extends the last checkpoint this device verified (kept in `storage`, and
 * replaced only by a checkpoint proven to extend it). Nothing loads until `reload()`.
 */
export function createSecurityActivity(
  services: SecurityActivityServices,
  noticeError: (error: unknown) => unknown,
): SecurityActivity {
  const [status, setStatus] = createSignal<'loading' | 'ready' | 'error'>('loading');
  const [events, setEvents] = createSignal<readonly CheckedAuditEvent[]>([]);
  const [invalid, setInvalid] = createSignal(false);
  const [history, setHistory] = createSignal<HistoryState>({ kind: 'unknown' });
  const [hasOlder, setHasOlder] = createSignal(false);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  const [olderFailed, setOlderFailed] = createSignal(false);
  let verifier: { identity: LogIdentity; sodium: Ed25519Api } | undefined;
  let generation = 0;

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

  const absorb = async (page: MyAuditEventsResponse, append: boolean): Promise<void> => {
    if (!verifier) return;
    const verified = verifyAuditEvents(page, verifier.identity, verifier.sodium);
    if (verified.kind === 'invalid') setInvalid(true);
    if (verified.kind === 'signed') await observe(verified.checkpoint, verifier.identity);
    batch(() => {
      setEvents((shown) => (append ? [...shown, ...verified.events] : verified.events));
      setHasOlder(page.events.length === PAGE);
    });
  };

  const reload = async (): Promise<void> => {
    const current = ++generation;
    batch(() => {
      setStatus('loading');
      setInvalid(false);
      setHistory({ kind: 'unknown' });
      setOlderFailed(false);
    });
    try {
      const [sodium, head, page] = await Promise.all([
        services.loadSodium(),
        services.client.checkpoint(),
        services.client.mine({ limit: PAGE }),
      ]);
      if (current !== generation) return;
      verifier = { sodium, identity: { origin: head.origin, verifierKey: head.verifierKey } };
      await absorb(page, false);
      if (current === generation) setStatus('ready');
    } catch (error) {
      noticeError(error);
      if (current === generation) setStatus('error');
    }
  };

  const loadOlder = async (): Promise<void> => {
    const last = events().at(-1);
    if (last === undefined || loadingOlder()) return;
    const current = generation;
    setLoadingOlder(true);
    setOlderFailed(false);
    try {
      const page = await services.client.mine({ limit: PAGE, before: last.event.seq });
      if (current === generation) await absorb(page, true);
    } catch (error) {
      noticeError(error);
      setOlderFailed(true);
    } finally {
      setLoadingOlder(false);
    }
  };

  return {
    status,
    events,
    invalid,
    history,
    hasOlder,
    loadingOlder,
    olderFailed,
    reload,
    loadOlder,
  };
}

import type { MyAuditEventsResponse } from '@vaultroom/shared';
import type { Ed25519Api } from '@vaultroom/shared/transparency';
import { batch, createSignal, type Accessor } from 'solid-js';
import type { CheckpointComparison, LogWarningKind } from '../core/chat/createChatEngine.js';
import {
  verifyAuditEvents,
  type CheckedAuditEvent,
  type LogIdentity,
} from '../core/audit/verifyAuditEvents.js';
import type { AuditClient } from '../core/ports.js';
import { createPagedList } from './createPagedList.js';

/** What the security activity view needs from the platform, given by the composition root. */
export interface SecurityActivityServices {
  readonly client: AuditClient;
  readonly loadSodium: () => Promise<Ed25519Api>;
}

/**
 * Compares the relay's checkpoint (its signed note) with the one the chat trusts, as a contact's
 * is compared (PROTOCOL.md §1.8.3): the chat's one trusted-checkpoint store, which keeps what
 * it finds as a warning shown on every screen.
 */
export type CompareCheckpoint = (note: string) => Promise<CheckpointComparison>;

/** How the relay's log compares with the one this device trusts. */
export type HistoryState =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'consistent' }
  | { readonly kind: 'changed'; readonly warning: LogWarningKind }
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
 * the relay's log is one with the checkpoint the chat trusts (`compare`). Nothing loads until
 * `reload()`.
 */
export function createSecurityActivity(
  services: SecurityActivityServices,
  compare: CompareCheckpoint,
  noticeError: (error: unknown) => unknown,
): SecurityActivity {
  const [invalid, setInvalid] = createSignal(false);
  const [history, setHistory] = createSignal<HistoryState>({ kind: 'unknown' });
  /** The relay's log identity and libsodium, learned with the first page of each reload. */
  let verifier: Verifier | undefined;

  /** Compares a verified page's checkpoint with the trusted one; a problem, once found, stays. */
  const observe = async (note: string): Promise<void> => {
    if (history().kind === 'changed') return;
    let result: CheckpointComparison;
    try {
      result = await compare(note);
    } catch (error) {
      // The chat is not open (locked, still opening): nothing to compare with yet.
      noticeError(error);
      setHistory({ kind: 'error' });
      return;
    }
    switch (result.kind) {
      case 'consistent':
        if (history().kind === 'unknown') setHistory({ kind: 'consistent' });
        return;
      case 'warning':
        setHistory({ kind: 'changed', warning: result.warning });
        return;
      case 'unreadable':
      case 'unfinished':
        setHistory({ kind: 'error' });
        return;
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
      if (verified.kind === 'signed' && verified.checkpoint.size > 0 && page.checkpoint !== null) {
        await observe(page.checkpoint);
      }
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

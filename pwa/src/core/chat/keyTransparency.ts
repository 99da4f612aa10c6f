import { encodeBase64, handleKey } from '@vaultroom/shared';
import { DeliveryError, type AccountTrust } from '@vaultroom/shared/client';
import {
  checkKeyProofs,
  keyEntryHash,
  TransparencyError,
  type KeyEntryKind,
  type ProvenKeys,
} from '@vaultroom/shared/transparency';
import { requireTransport, type ChatContext } from './ChatContext.js';
import { checkFirstKey, loadTrustedLog, relayLogRefused, trustCheckpoint } from './trustedLog.js';

/**
 * PROTOCOL.md §1.15.6 rule 7: before a client uses an account key, device list or certificate it
 * has not used before, the relay must prove each in the audit log, against a checkpoint that
 * extends the one this device trusts. A key the relay will not log is a key its owner's devices
 * never see while monitoring (§3.9), so it is refused.
 */

/** One object the relay served, and what its key entry must say it is. */
interface ServedObject {
  readonly kind: KeyEntryKind;
  readonly bytes: Uint8Array;
}

export type LogCheck =
  | { readonly proven: true }
  /** `NOT_LOGGED`: some object has no entry; otherwise the code of the failed proof. */
  | { readonly proven: false; readonly code: string };

/** The account key, list and certificates of what the relay served, as entries must name them. */
function servedObjects(served: AccountTrust): ServedObject[] {
  const objects: ServedObject[] = [];
  if (served.accountKey !== null) objects.push({ kind: 'account-key', bytes: served.accountKey });
  if (served.list !== null) objects.push({ kind: 'device-list', bytes: served.list });
  for (const certificate of served.certificates) {
    objects.push({ kind: 'device-certificate', bytes: certificate });
  }
  return objects;
}

/**
 * Asks the relay to prove every object it served for `served.account`, checks the answer
 * (checkpoint signature, consistency with the trusted view, inclusion of each entry) and keeps
 * the newer view. A log that is not the one this device saw before is reported and nothing is
 * proven by it.
 */
export async function proveServedTrust(ctx: ChatContext, served: AccountTrust): Promise<LogCheck> {
  const objects = servedObjects(served);
  if (objects.length === 0) return { proven: true };
  const view = await loadTrustedLog(ctx);
  let proven: ProvenKeys;
  let note: string;
  try {
    const answer = await requireTransport(ctx).proveKeys(
      objects.map((object) => keyEntryHash(object.bytes)),
      view?.size ?? 0,
    );
    if (view === null) checkFirstKey(ctx, answer.verifierKey);
    proven = checkKeyProofs(ctx.sodium, view, answer);
    note = answer.checkpoint;
  } catch (error) {
    if (error instanceof TransparencyError) {
      await relayLogRefused(ctx, error);
      return { proven: false, code: error.code };
    }
    if (error instanceof DeliveryError && error.code === 'LOG_UNAVAILABLE') {
      return { proven: false, code: error.code };
    }
    throw error;
  }
  await trustCheckpoint(ctx, view, proven.view, note);
  const account = handleKey(served.account);
  const missing = objects.some((object) => {
    const entry = proven.entries.get(encodeBase64(keyEntryHash(object.bytes)));
    return entry?.account !== account || entry.kind !== object.kind;
  });
  return missing ? { proven: false, code: 'NOT_LOGGED' } : { proven: true };
}

import { HANDLE_PATTERN } from '@vaultroom/shared';
import { decodeContent, encodeContent, type Content } from '@vaultroom/shared/crypto';

/*
 * A group state's `revision` (PROTOCOL.md §1.8.2) is a per-group counter: each change is the
 * state it replaces plus one, ties between crossing changes broken by author. It used to be the
 * author's clock, which let one member set it to 2^53 − 1: every later change then overflowed
 * the wire's integer range, failed to decode at the others, and a "removed" member kept
 * receiving. A receiver now takes a state only a bounded step ahead of its own, below a ceiling
 * that no run of such steps reaches.
 */

/** How far ahead of the state a device holds a new one may be: changes it missed while away. */
export const MAX_REVISION_STEP = 1024;

/**
 * No state above this is taken or made. Groups made when revisions were clocks start near 2^41
 * (milliseconds since 1970); reaching 2^48 one step at a time takes over 10^11 changes.
 */
export const MAX_GROUP_REVISION = 2 ** 48;

/** The revision of a change made on top of `current` (1 for a new group). */
export function nextRevision(current: number | null): number {
  return current === null ? 1 : current + 1;
}

/** Whether a received state's revision may follow `current` (null: a group not yet known). */
export function isAcceptableRevision(revision: number, current: number | null): boolean {
  if (!Number.isSafeInteger(revision) || revision < 1 || revision > MAX_GROUP_REVISION) {
    return false;
  }
  return current === null || revision <= current + MAX_REVISION_STEP;
}

/** Members whose handle is not a handle at all are dropped from a received state. */
export function validMembers(members: readonly string[]): string[] {
  return members.filter((member) => HANDLE_PATTERN.test(member));
}

/**
 * Whether a state this device is about to send would decode at the others: the same encoder and
 * decoder they run, so a state they would refuse is never sent (and never applied here alone).
 */
export function decodesAtOthers(state: Extract<Content, { type: 'group' }>): boolean {
  if (!isAcceptableRevision(state.revision, null)) return false;
  try {
    decodeContent(encodeContent(state));
    return true;
  } catch {
    return false;
  }
}

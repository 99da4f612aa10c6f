import { CryptoError } from './CryptoError.js';
import { type ByteReader, type ByteWriter, fromUtf8, utf8 } from './bytes.js';
import {
  MAX_CHECKPOINT_NOTE_BYTES,
  MAX_GROUP_HANDLE_BYTES,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_BYTES,
  SIZES,
} from './labels.js';

/**
 * The bodies of the longer content types (PROTOCOL.md §1.8.2), kept out of content.ts so that
 * the envelope's switch stays readable: a group's state, and a checkpoint's signed note.
 */

export interface GroupState {
  readonly groupId: Uint8Array;
  readonly revision: number;
  readonly name: string;
  readonly members: readonly string[];
}

export function writeGroupState(w: ByteWriter, state: GroupState): void {
  if (state.groupId.length !== SIZES.groupId)
    throw new CryptoError('MALFORMED', `group id must be ${SIZES.groupId} bytes`);
  const name = utf8(state.name);
  if (name.length === 0 || name.length > MAX_GROUP_NAME_BYTES) {
    throw new CryptoError('MALFORMED', `a group name is 1 to ${MAX_GROUP_NAME_BYTES} bytes`);
  }
  if (state.members.length > MAX_GROUP_MEMBERS) {
    throw new CryptoError('MALFORMED', `a group lists at most ${MAX_GROUP_MEMBERS} members`);
  }
  w.bytes(state.groupId).u64(state.revision).u8(name.length).bytes(name);
  w.u8(state.members.length);
  for (const member of state.members) {
    const handle = utf8(member);
    if (handle.length === 0 || handle.length > MAX_GROUP_HANDLE_BYTES) {
      throw new CryptoError('MALFORMED', `a member handle is 1 to ${MAX_GROUP_HANDLE_BYTES} bytes`);
    }
    w.u8(handle.length).bytes(handle);
  }
}

export function readGroupState(r: ByteReader): GroupState {
  const groupId = r.bytes(SIZES.groupId);
  const revision = r.u64();
  const nameLength = r.u8();
  if (nameLength === 0 || nameLength > MAX_GROUP_NAME_BYTES)
    throw new CryptoError('MALFORMED', 'group name has a bad length');
  const name = fromUtf8(r.bytes(nameLength), 'group name');
  const count = r.u8();
  if (count > MAX_GROUP_MEMBERS) throw new CryptoError('MALFORMED', 'group has too many members');
  const members: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u8();
    if (length === 0 || length > MAX_GROUP_HANDLE_BYTES)
      throw new CryptoError('MALFORMED', 'group member handle has a bad length');
    members.push(fromUtf8(r.bytes(length), 'group member'));
  }
  return { groupId, revision, name, members };
}

/**
 * A checkpoint's signed note as UTF-8 in a vec16. The codec checks only its length: the
 * receiver verifies the note itself (signature, strict checkpoint text, §3.3), since what a
 * failed check means depends on what it holds.
 */
export function writeCheckpointNote(w: ByteWriter, note: string): void {
  const bytes = utf8(note);
  if (bytes.length === 0 || bytes.length > MAX_CHECKPOINT_NOTE_BYTES) {
    throw new CryptoError('MALFORMED', `a checkpoint is 1 to ${MAX_CHECKPOINT_NOTE_BYTES} bytes`);
  }
  w.vec16(bytes);
}

export function readCheckpointNote(r: ByteReader): string {
  const bytes = r.vec16();
  if (bytes.length === 0 || bytes.length > MAX_CHECKPOINT_NOTE_BYTES)
    throw new CryptoError('MALFORMED', 'checkpoint has a bad length');
  return fromUtf8(bytes, 'checkpoint');
}

import type { SenderKeyDistribution } from './senderKeyDistribution.js';
import {
  decodeAttachmentPointer,
  encodeAttachmentPointer,
  type AttachmentPointer,
} from './attachmentPointer.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter, fromUtf8, utf8 } from './bytes.js';
import {
  CONTENT_TYPE,
  CONTROL_KIND,
  E2E_VERSION,
  MAX_GROUP_HANDLE_BYTES,
  MAX_REACTION_BYTES,
  MAX_RECEIPT_IDS,
  RECEIPT_KIND,
  SIZES,
  TYPING_STATE,
} from './labels.js';
import {
  readCheckpointNote,
  readGroupState,
  writeCheckpointNote,
  writeGroupState,
} from './contentParts.js';
import {
  decodeSenderKeyDistribution,
  encodeSenderKeyDistribution,
} from './senderKeyDistribution.js';

/** A message as it was sent. */
export type SentMessage = Extract<Content, { type: 'text' | 'reply' | 'attachment' }>;

/**
 * What a transcript copies to the sender's other devices: a message, or a change the sender made
 * to a conversation (its timer, a reaction) that the other devices should show as theirs.
 */
export type TranscribedContent = Extract<
  Content,
  { type: 'text' | 'reply' | 'attachment' | 'timer' | 'reaction' }
>;

const TRANSCRIBED_TYPES: ReadonlySet<Content['type']> = new Set([
  'text',
  'reply',
  'attachment',
  'timer',
  'reaction',
]);

const isTranscribed = (content: Content): content is TranscribedContent =>
  TRANSCRIBED_TYPES.has(content.type);

/** Where a transcript's message went: a person (by handle) or a group. */
export type TranscriptDestination =
  | { readonly kind: 'person'; readonly handle: string }
  | { readonly kind: 'group'; readonly groupId: Uint8Array };

/** The typed content envelope carried inside every pairwise and group message (PROTOCOL.md §1.8.2). */
export type Content =
  | {
      readonly type: 'text';
      readonly messageId: Uint8Array;
      /** Sender's clock, milliseconds since the epoch. */
      readonly sentAt: number;
      readonly groupId: Uint8Array | null;
      readonly text: string;
    }
  | {
      readonly type: 'receipt';
      readonly kind: keyof typeof RECEIPT_KIND;
      readonly messageIds: readonly Uint8Array[];
    }
  | {
      readonly type: 'typing';
      readonly state: keyof typeof TYPING_STATE;
      readonly groupId: Uint8Array | null;
    }
  | { readonly type: 'groupKeyDistribution'; readonly distribution: SenderKeyDistribution }
  | {
      readonly type: 'control';
      readonly kind: keyof typeof CONTROL_KIND;
      readonly groupId: Uint8Array | null;
    }
  /** A text message quoting an earlier one of the same conversation. */
  | {
      readonly type: 'reply';
      readonly messageId: Uint8Array;
      readonly sentAt: number;
      readonly groupId: Uint8Array | null;
      readonly text: string;
      readonly replyTo: Uint8Array;
    }
  /** Disappearing messages: both sides delete messages this long after they were seen; 0 = off. */
  | { readonly type: 'timer'; readonly seconds: number; readonly groupId: Uint8Array | null }
  /** An emoji on a message; `emoji` empty removes the sender's reaction. */
  | {
      readonly type: 'reaction';
      readonly messageId: Uint8Array;
      readonly emoji: string;
      readonly groupId: Uint8Array | null;
    }
  /**
   * A group's name and members as the sender last set them (create, rename, add, remove, leave).
   * `revision` is the sender's clock: receivers keep the latest state, ties broken by author.
   */
  | {
      readonly type: 'group';
      readonly groupId: Uint8Array;
      readonly revision: number;
      readonly name: string;
      readonly members: readonly string[];
    }
  /** A copy of what this account sent from another of its devices, and to whom. */
  | {
      readonly type: 'transcript';
      readonly destination: TranscriptDestination;
      readonly message: TranscribedContent;
    }
  /**
   * The account key's 32-byte seed, sent by a device of the account to a device it has just
   * certified (PROTOCOL.md §1.15.7); the receiver re-derives the key pair and checks it.
   */
  | { readonly type: 'accountKey'; readonly seed: Uint8Array }
  /**
   * A file (PROTOCOL.md §1.16.3): the pointer to its encrypted blob, which carries the caption.
   * Id, time and group exactly as for `text`; a group's members all get the same pointer.
   */
  | {
      readonly type: 'attachment';
      readonly messageId: Uint8Array;
      readonly sentAt: number;
      readonly groupId: Uint8Array | null;
      readonly pointer: AttachmentPointer;
    }
  /**
   * The newest audit-log checkpoint the sender trusts, as the signed note the relay served
   * (PROTOCOL.md §1.8.3): its receiver compares it with its own, so a relay showing the two
   * different logs is seen.
   */
  | { readonly type: 'checkpoint'; readonly note: string };

const TRANSCRIPT_PERSON = 0x01;
const TRANSCRIPT_GROUP = 0x02;

function nameOf<T extends Record<string, number>>(table: T, value: number, what: string): keyof T {
  const name = Object.keys(table).find((key) => table[key] === value);
  if (name === undefined) throw new CryptoError('MALFORMED', `content has an unknown ${what}`);
  return name;
}

function writeGroup(w: ByteWriter, groupId: Uint8Array | null): void {
  if (groupId === null) w.u8(0);
  else w.u8(1).bytes(groupId);
}

function checkId(id: Uint8Array, what: string): void {
  if (id.length !== SIZES.messageId)
    throw new CryptoError('MALFORMED', `${what} must be ${SIZES.messageId} bytes`);
}

export function encodeContent(content: Content): Uint8Array {
  const w = new ByteWriter().u8(E2E_VERSION).u8(CONTENT_TYPE[content.type]);
  switch (content.type) {
    case 'text':
      checkId(content.messageId, 'message id');
      w.bytes(content.messageId).u64(content.sentAt);
      writeGroup(w, content.groupId);
      w.vec32(utf8(content.text));
      break;
    case 'receipt':
      if (content.messageIds.length === 0 || content.messageIds.length > MAX_RECEIPT_IDS) {
        throw new CryptoError('MALFORMED', `a receipt names 1 to ${MAX_RECEIPT_IDS} messages`);
      }
      w.u8(RECEIPT_KIND[content.kind]).u16(content.messageIds.length);
      for (const id of content.messageIds) {
        checkId(id, 'message id');
        w.bytes(id);
      }
      break;
    case 'typing':
      w.u8(TYPING_STATE[content.state]);
      writeGroup(w, content.groupId);
      break;
    case 'groupKeyDistribution':
      w.vec16(encodeSenderKeyDistribution(content.distribution));
      break;
    case 'control':
      w.u8(CONTROL_KIND[content.kind]);
      writeGroup(w, content.groupId);
      break;
    case 'reply':
      checkId(content.messageId, 'message id');
      checkId(content.replyTo, 'quoted message id');
      w.bytes(content.messageId).u64(content.sentAt);
      writeGroup(w, content.groupId);
      w.bytes(content.replyTo).vec32(utf8(content.text));
      break;
    case 'timer':
      if (
        !Number.isInteger(content.seconds) ||
        content.seconds < 0 ||
        content.seconds > 0xffff_ffff
      ) {
        throw new CryptoError('MALFORMED', 'a timer is a whole number of seconds');
      }
      w.u32(content.seconds);
      writeGroup(w, content.groupId);
      break;
    case 'group':
      writeGroupState(w, content);
      break;
    case 'transcript': {
      if (!isTranscribed(content.message))
        throw new CryptoError(
          'MALFORMED',
          'a transcript carries a text, reply, attachment, timer or reaction',
        );
      if (content.destination.kind === 'person') {
        const handle = utf8(content.destination.handle);
        if (handle.length === 0 || handle.length > MAX_GROUP_HANDLE_BYTES) {
          throw new CryptoError('MALFORMED', `a handle is 1 to ${MAX_GROUP_HANDLE_BYTES} bytes`);
        }
        w.u8(TRANSCRIPT_PERSON).u8(handle.length).bytes(handle);
      } else {
        if (content.destination.groupId.length !== SIZES.groupId)
          throw new CryptoError('MALFORMED', `group id must be ${SIZES.groupId} bytes`);
        w.u8(TRANSCRIPT_GROUP).bytes(content.destination.groupId);
      }
      w.vec32(encodeContent(content.message));
      break;
    }
    case 'attachment':
      checkId(content.messageId, 'message id');
      w.bytes(content.messageId).u64(content.sentAt);
      writeGroup(w, content.groupId);
      w.vec16(encodeAttachmentPointer(content.pointer));
      break;
    case 'checkpoint':
      writeCheckpointNote(w, content.note);
      break;
    case 'accountKey':
      if (content.seed.length !== SIZES.ed25519Seed)
        throw new CryptoError('MALFORMED', `an account key seed is ${SIZES.ed25519Seed} bytes`);
      w.bytes(content.seed);
      break;
    case 'reaction': {
      checkId(content.messageId, 'message id');
      const emoji = utf8(content.emoji);
      if (emoji.length > MAX_REACTION_BYTES) {
        throw new CryptoError('MALFORMED', `a reaction is at most ${MAX_REACTION_BYTES} bytes`);
      }
      w.bytes(content.messageId).u8(emoji.length).bytes(emoji);
      writeGroup(w, content.groupId);
      break;
    }
  }
  return w.finish();
}

/** Parses content; MALFORMED on unknown types or leftover bytes, UNSUPPORTED_VERSION on a new version. */
export function decodeContent(bytes: Uint8Array): Content {
  const r = new ByteReader(bytes, 'content');
  const version = r.u8();
  if (version !== E2E_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `content has version ${version}, expected ${E2E_VERSION}`,
    );
  }
  const type = nameOf(CONTENT_TYPE, r.u8(), 'type');
  const group = (): Uint8Array | null => (r.flag() ? r.bytes(SIZES.groupId) : null);
  let content: Content;
  switch (type) {
    case 'text': {
      const messageId = r.bytes(SIZES.messageId);
      const sentAt = r.u64();
      const groupId = group();
      content = { type, messageId, sentAt, groupId, text: fromUtf8(r.vec32(), 'text') };
      break;
    }
    case 'receipt': {
      const kind = nameOf(RECEIPT_KIND, r.u8(), 'receipt kind');
      const count = r.u16();
      if (count === 0 || count > MAX_RECEIPT_IDS)
        throw new CryptoError('MALFORMED', 'receipt has a bad count');
      const messageIds: Uint8Array[] = [];
      for (let i = 0; i < count; i++) messageIds.push(r.bytes(SIZES.messageId));
      content = { type, kind, messageIds };
      break;
    }
    case 'typing': {
      const state = nameOf(TYPING_STATE, r.u8(), 'typing state');
      content = { type, state, groupId: group() };
      break;
    }
    case 'groupKeyDistribution':
      content = { type, distribution: decodeSenderKeyDistribution(r.vec16()) };
      break;
    case 'control': {
      const kind = nameOf(CONTROL_KIND, r.u8(), 'control kind');
      content = { type, kind, groupId: group() };
      break;
    }
    case 'reply': {
      const messageId = r.bytes(SIZES.messageId);
      const sentAt = r.u64();
      const groupId = group();
      const replyTo = r.bytes(SIZES.messageId);
      content = { type, messageId, sentAt, groupId, replyTo, text: fromUtf8(r.vec32(), 'text') };
      break;
    }
    case 'timer': {
      const seconds = r.u32();
      content = { type, seconds, groupId: group() };
      break;
    }
    case 'group':
      content = { type, ...readGroupState(r) };
      break;
    case 'transcript': {
      const kind = r.u8();
      let destination: TranscriptDestination;
      if (kind === TRANSCRIPT_PERSON) {
        const length = r.u8();
        if (length === 0 || length > MAX_GROUP_HANDLE_BYTES)
          throw new CryptoError('MALFORMED', 'transcript handle has a bad length');
        destination = { kind: 'person', handle: fromUtf8(r.bytes(length), 'transcript handle') };
      } else if (kind === TRANSCRIPT_GROUP) {
        destination = { kind: 'group', groupId: r.bytes(SIZES.groupId) };
      } else {
        throw new CryptoError('MALFORMED', 'transcript has an unknown destination');
      }
      const message = decodeContent(r.vec32());
      if (!isTranscribed(message))
        throw new CryptoError(
          'MALFORMED',
          'a transcript carries a text, reply, attachment, timer or reaction',
        );
      content = { type, destination, message };
      break;
    }
    case 'reaction': {
      const messageId = r.bytes(SIZES.messageId);
      const length = r.u8();
      if (length > MAX_REACTION_BYTES) throw new CryptoError('MALFORMED', 'reaction is too long');
      const emoji = fromUtf8(r.bytes(length), 'reaction');
      content = { type, messageId, emoji, groupId: group() };
      break;
    }
    case 'checkpoint':
      content = { type, note: readCheckpointNote(r) };
      break;
    case 'accountKey':
      content = { type, seed: r.bytes(SIZES.ed25519Seed) };
      break;
    case 'attachment': {
      const messageId = r.bytes(SIZES.messageId);
      const sentAt = r.u64();
      const groupId = group();
      content = { type, messageId, sentAt, groupId, pointer: decodeAttachmentPointer(r.vec16()) };
      break;
    }
  }
  r.end();
  return content;
}

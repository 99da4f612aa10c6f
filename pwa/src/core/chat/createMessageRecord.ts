import type { MessageRecord } from './chatRecords.js';

/** What every message needs said; everything else has a neutral value. */
export type NewMessage = Pick<
  MessageRecord,
  'id' | 'conversation' | 'sortKey' | 'outgoing' | 'author' | 'sentAt' | 'state'
> &
  Partial<MessageRecord>;

/**
 * The one place a MessageRecord is built: outgoing and incoming messages, copies from this
 * account's other devices and conversation notices all start from the same neutral fields.
 */
export function createMessageRecord(fields: NewMessage): MessageRecord {
  return {
    text: '',
    failure: null,
    waiting: null,
    fromDevice: null,
    expiresAt: null,
    timerSeconds: 0,
    reactions: {},
    notice: null,
    replyTo: null,
    receipts: {},
    attachment: null,
    ...fields,
  };
}

export type ChatErrorCode =
  /** No account has this handle. */
  | 'UNKNOWN_ACCOUNT'
  /** The account exists but has no device that can receive yet (never opened the app). */
  | 'NO_DEVICES'
  /** A conversation with oneself. */
  | 'SELF'
  /** The relay is out of reach and the step needs it (finding a new person's keys). */
  | 'OFFLINE'
  /** A verified contact's keys changed: sending waits until the person confirms. */
  | 'KEYS_CHANGED'
  /** A group this person left or was removed from: read-only. */
  | 'NOT_A_MEMBER'
  /** A group name must be 1 to 64 bytes. */
  | 'GROUP_NAME_INVALID'
  /** A group has at most 32 members. */
  | 'GROUP_FULL'
  /** The change would make a state the others cannot read (a group frozen by a member). */
  | 'GROUP_STATE_INVALID'
  /** The relay refused more lookups for now. */
  | 'RATE_LIMITED'
  /** The other account has no account key yet, or this device has none: no safety number. */
  | 'NO_ACCOUNT_KEY'
  /** This device is not certified by its account key: it cannot approve another (§1.15.7). */
  | 'NOT_CERTIFIED'
  /** The link code typed is not the one the waiting device shows: it is not certified. */
  | 'WRONG_CODE'
  /** The device to approve is not one of this account's waiting devices. */
  | 'UNKNOWN_DEVICE'
  /** A file's blob was altered, cut or substituted (§1.16.4): nothing of it was kept. */
  | 'FILE_DAMAGED'
  /** The person stopped a file's upload or download. */
  | 'CANCELLED'
  /** The file is not on this device (not downloaded, or deleted). */
  | 'FILE_NOT_HERE'
  /** An upload or download failed for a reason waiting will not fix (the relay's code). */
  | 'TRANSFER_FAILED'
  | 'UNKNOWN_CONVERSATION'
  | 'UNKNOWN_MESSAGE'
  | 'NOT_STARTED';

/** A refusal the interface explains to the person; the code picks the words. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ChatErrorCode;

  constructor(code: ChatErrorCode, message: string = code) {
    super(message);
    this.code = code;
  }
}

export function isChatError(error: unknown): error is ChatError {
  return error instanceof ChatError;
}

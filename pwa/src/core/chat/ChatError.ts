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

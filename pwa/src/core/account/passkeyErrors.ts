/** A ceremony the person ended (closed the prompt, chose nothing) or that a newer one replaced. */
export class PasskeyCancelledError extends Error {
  override readonly name = 'PasskeyCancelledError';
}

/** The browser refused for a reason worth telling: no WebAuthn, already registered, etc. */
export class PasskeyUnavailableError extends Error {
  override readonly name = 'PasskeyUnavailableError';

  constructor(
    readonly reason: 'unsupported' | 'already-registered' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

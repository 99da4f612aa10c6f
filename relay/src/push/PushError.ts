export type PushErrorCode =
  /** The endpoint breaks a rule: not https, credentials, too long, or a forbidden address. */
  | 'ENDPOINT_REFUSED'
  /** The push service's name did not resolve or its address did not answer (e.g. a closed LAN). */
  | 'PUSH_UNREACHABLE'
  /** The push service answered, but not with success (a status, a redirect, too large a body). */
  | 'PUSH_REJECTED'
  /** No answer in time. */
  | 'PUSH_TIMEOUT';

/** A push that could not be registered or sent; the message names the rule, never a key. */
export class PushError extends Error {
  constructor(
    readonly code: PushErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PushError';
  }
}

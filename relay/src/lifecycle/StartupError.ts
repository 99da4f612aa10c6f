export type StartupErrorCode =
  | 'DATA_DIR_LOCKED'
  | 'DATA_DIR_UNUSABLE'
  | 'PORT_UNAVAILABLE'
  | 'PWA_NOT_BUILT'
  | 'TLS_FILES_UNREADABLE'
  | 'DATABASE_UNUSABLE'
  | 'DATABASE_MISSING'
  | 'DATABASE_OUTDATED'
  | 'AUDIT_KEY_MISMATCH'
  | 'NATS_UNREACHABLE';

/** Why the relay could not start; its message is one line meant for the operator. */
export class StartupError extends Error {
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

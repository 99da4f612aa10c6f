export type BackupErrorCode =
  | 'BACKUP_TARGET_EXISTS'
  | 'BACKUP_FAILED'
  | 'BACKUP_UNREADABLE'
  | 'BACKUP_AUDIT_FAILED'
  | 'RELAY_RUNNING'
  | 'AUDIT_KEY_MISSING';

/** A backup or restore that did not happen; its message is one line meant for the operator. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BackupError';
  }
}

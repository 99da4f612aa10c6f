export type SiteErrorCode = 'SITE_INVALID' | 'SITE_UNREADABLE' | 'SITE_OUTPUT_UNUSABLE';

/** A site configuration that cannot be rendered; its message is one line meant for the operator. */
export class SiteError extends Error {
  constructor(
    readonly code: SiteErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SiteError';
  }
}

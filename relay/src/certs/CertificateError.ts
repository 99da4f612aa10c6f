export type CertificateErrorCode =
  /** A configured host name is empty, a wildcard, an IP address or not a valid DNS name. */
  | 'INVALID_HOSTNAME'
  /** The CA certificate or its key is missing while the other exists. */
  | 'CA_INCOMPLETE'
  /** A file in the TLS directory is not the PEM it should be, or the CA key does not match. */
  | 'CA_UNREADABLE'
  /** The CA certificate has expired or expires before a server certificate could be issued. */
  | 'CA_EXPIRED'
  /** The configured host names lie outside the name constraints of the existing CA. */
  | 'HOSTNAME_OUTSIDE_CA';

/** Every failure of certificate generation; `code` is stable, the message is for people. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';

  constructor(
    readonly code: CertificateErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

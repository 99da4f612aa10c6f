export { CertificateError } from './CertificateError.js';
export type { CertificateErrorCode } from './CertificateError.js';
export { ensureCertificates } from './ensureCertificates.js';
export type { EnsureCertificatesOptions, EnsureCertificatesResult } from './ensureCertificates.js';
export { tlsPaths } from './tlsPaths.js';
export type { TlsPaths } from './tlsPaths.js';

/**
 * uWS hands a header value over as one character per byte (Latin-1), while browsers send UTF-8:
 * read as given, `café` would become `cafÃ©`. Bytes that are not UTF-8 become U+FFFD.
 */
export function decodeHeader(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

import { UAParser } from 'ua-parser-js';

/** A person-readable device label such as "Chrome on Android", never the raw header. */
export function describeUserAgent(userAgent: string): string {
  const { browser, os } = UAParser(userAgent);
  const browserName = browser.name?.replace(/^Mobile /, '') ?? 'Unknown browser';
  return os.name === undefined ? browserName : `${browserName} on ${os.name}`;
}

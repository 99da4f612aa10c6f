import type { LogWarning } from '../core/chat/createChatEngine.js';
import type { Translate } from '../state/createTranslator.js';
import { formatDateTime } from './format/formatDateTime.js';

/**
 * A kept log warning (PROTOCOL.md §1.8.3) in plain words, naming what was seen: whose device
 * held the other checkpoint, both sizes and when.
 */
export function describeLogWarning(t: Translate, warning: LogWarning, locale: string): string {
  const values = {
    date: formatDateTime(new Date(warning.seenAt).toISOString(), locale),
    handle: warning.from ?? '',
    size: String(warning.size ?? '?'),
    trusted: String(warning.trustedSize),
  };
  const fromContact = warning.from !== null;
  switch (warning.kind) {
    case 'two-roots':
      return t(fromContact ? 'logWarnings.twoRootsFrom' : 'logWarnings.twoRootsRelay', values);
    case 'shrunk':
      return t(fromContact ? 'logWarnings.shrunkFrom' : 'logWarnings.shrunkRelay', values);
    case 'not-extended':
      return t(
        fromContact ? 'logWarnings.notExtendedFrom' : 'logWarnings.notExtendedRelay',
        values,
      );
    case 'other-key':
      return t(fromContact ? 'logWarnings.otherKeyFrom' : 'logWarnings.otherKeyRelay', values);
  }
}

import { isChatError } from '../../../core/chat/ChatError.js';
import type { Translate } from '../../../state/createTranslator.js';

/** The sentence for a failed chat action; unknown failures get a generic one (logged apart). */
export function describeChatError(t: Translate, error: unknown): string {
  if (isChatError(error)) {
    switch (error.code) {
      case 'UNKNOWN_ACCOUNT':
      case 'NO_DEVICES':
      case 'SELF':
      case 'OFFLINE':
      case 'KEYS_CHANGED':
      case 'NOT_A_MEMBER':
      case 'GROUP_NAME_INVALID':
      case 'GROUP_FULL':
      case 'GROUP_STATE_INVALID':
      case 'RATE_LIMITED':
      case 'NO_ACCOUNT_KEY':
      case 'NOT_CERTIFIED':
      case 'WRONG_CODE':
      case 'UNKNOWN_DEVICE':
      case 'FILE_DAMAGED':
      case 'CANCELLED':
      case 'FILE_NOT_HERE':
      case 'TRANSFER_FAILED':
        return t(`conversations.errors.${error.code}`);
      case 'UNKNOWN_CONVERSATION':
      case 'UNKNOWN_MESSAGE':
      case 'NOT_STARTED':
        break;
    }
  }
  return t('conversations.errors.other');
}

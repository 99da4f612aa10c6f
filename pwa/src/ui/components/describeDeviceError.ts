import { DeliveryError } from '@vaultroom/shared/client';
import { isChatError } from '../../core/chat/ChatError.js';
import { PasskeyCancelledError } from '../../core/account/passkeyErrors.js';
import type { Translate } from '../../state/createTranslator.js';
import { describeError } from '../describeError.js';
import { describeChatError } from './chat/describeChatError.js';

/** Codes of a request that never got its answer: the connection to the relay is down. */
const OFFLINE = new Set(['DISCONNECTED', 'TIMEOUT', 'CLOSED', 'SIGNED_OUT']);

/** The sentence for a failed action on the account's devices (list, rename, approve, remove). */
export function describeDeviceError(t: Translate, error: unknown): string {
  if (isChatError(error)) return describeChatError(t, error);
  if (error instanceof PasskeyCancelledError) return t('deviceApproval.notConfirmed');
  if (error instanceof DeliveryError) {
    if (OFFLINE.has(error.code)) return t('deviceApproval.offline');
    if (error.code === 'REAUTH_REQUIRED') return t('common.reauthRequired');
    if (error.code === 'UNKNOWN_DEVICE') return t('deviceApproval.gone');
    if (error.code === 'RATE_LIMITED') return t('common.rateLimitedShort');
    return t('conversations.errors.other');
  }
  return describeError(t, error) ?? t('conversations.errors.other');
}

import { ApiRequestError } from '../core/relay/ApiRequestError.js';
import { PasskeyCancelledError, PasskeyUnavailableError } from '../core/account/passkeyErrors.js';
import { SupersededError } from '../state/createPasskeyActions.js';
import type { Translate } from '../state/createTranslator.js';

/**
 * Words for a failed action, in the interface language. Returns null for what needs no words: a
 * ceremony the person cancelled or a newer one replaced. Codes the interface does not know fall
 * back to the relay's own message, which it keeps safe to show.
 */
export function describeError(t: Translate, error: unknown): string | null {
  if (error instanceof PasskeyCancelledError || error instanceof SupersededError) return null;
  if (error instanceof PasskeyUnavailableError) {
    switch (error.reason) {
      case 'unsupported':
        return t('common.passkeysUnsupported');
      case 'already-registered':
        return t('settings.passkeys.alreadyRegistered');
      case 'failed':
        return t('common.ceremonyFailed');
    }
  }
  if (error instanceof ApiRequestError) {
    switch (error.code) {
      case 'NETWORK':
        return t('common.networkError');
      case 'RATE_LIMITED':
        return error.retryAfterSeconds === undefined
          ? t('common.rateLimitedShort')
          : t('common.rateLimited', { seconds: String(error.retryAfterSeconds) });
      case 'FORBIDDEN':
        return t('common.forbidden');
      case 'UNAUTHENTICATED':
        return t('common.unauthenticated');
      // Shown only when the step-up the app runs by itself was not completed.
      case 'REAUTH_REQUIRED':
        return t('common.reauthRequired');
      case 'CEREMONY_FAILED':
        return t('common.ceremonyFailed');
      case 'INVITE_INVALID':
        return t('join.invalid');
      case 'ACCOUNT_DISABLED':
        return t('signIn.disabled');
      case 'PUSH_UNAVAILABLE':
        return t('push.unreachable');
      case 'UNKNOWN_CREDENTIAL':
        return t('signIn.unknownPasskey');
      case 'UNAVAILABLE':
        return t('common.unavailable');
      case 'INTERNAL':
        return t('common.internalError');
      case 'BODY_TOO_LARGE':
        return t('common.tooLarge');
      case 'ORIGIN_REFUSED':
        return t('common.originRefused');
      case 'FILE_TOO_LARGE':
        return t('common.fileTooLarge');
      case 'QUOTA_EXCEEDED':
        return t('common.quotaExceeded');
      case 'STORAGE_FULL':
        return t('common.storageFull');
      // The app and the relay disagree on the API itself: a stale app after an upgrade.
      case 'UNSUPPORTED_MEDIA_TYPE':
      case 'METHOD_NOT_ALLOWED':
      case 'PRECONDITION_FAILED':
      case 'RANGE_NOT_SATISFIABLE':
        return t('common.outdatedApp');
      // The relay's message says what was wrong with this request (a handle taken, a name too long).
      case 'BAD_REQUEST':
      case 'NOT_FOUND':
      case 'CONFLICT':
      case 'UNKNOWN':
        return t('common.relayError', { message: error.message });
    }
  }
  return t('common.relayError', { message: error instanceof Error ? error.message : '?' });
}

import { ApiRequestError } from '../core/relay/ApiRequestError.js';

/**
 * Runs `action`; if the relay answers REAUTH_REQUIRED (the session's last passkey verification is
 * over five minutes old), runs the step-up ceremony `verify` once and `action` again. A cancelled
 * ceremony, or a second refusal, reaches the caller as is.
 */
export async function retryAfterStepUp<T>(
  action: () => Promise<T>,
  verify: () => Promise<void>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ApiRequestError) || error.code !== 'REAUTH_REQUIRED') throw error;
  }
  await verify();
  return action();
}

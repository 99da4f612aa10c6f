import { describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '../core/relay/ApiRequestError.js';
import { retryAfterStepUp } from './retryAfterStepUp.js';

const reauth = () => new ApiRequestError('REAUTH_REQUIRED', 'Confirm with your passkey', 403);

describe('retryAfterStepUp', () => {
  it('does not ask for a passkey when the action succeeds', async () => {
    const verify = vi.fn(() => Promise.resolve());
    expect(await retryAfterStepUp(() => Promise.resolve(7), verify)).toBe(7);
    expect(verify).not.toHaveBeenCalled();
  });

  it('runs the step-up once on REAUTH_REQUIRED, then the action again', async () => {
    const action = vi.fn().mockRejectedValueOnce(reauth()).mockResolvedValueOnce('done');
    const verify = vi.fn(() => Promise.resolve());
    expect(await retryAfterStepUp(action, verify)).toBe('done');
    expect(verify).toHaveBeenCalledTimes(1);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('passes on a second refusal, a cancelled step-up and any other error without retrying', async () => {
    const twice = vi.fn().mockRejectedValue(reauth());
    await expect(retryAfterStepUp(twice, () => Promise.resolve())).rejects.toMatchObject({
      code: 'REAUTH_REQUIRED',
    });
    expect(twice).toHaveBeenCalledTimes(2);

    const cancelled = new Error('cancelled');
    const once = vi.fn().mockRejectedValue(reauth());
    await expect(retryAfterStepUp(once, () => Promise.reject(cancelled))).rejects.toBe(cancelled);
    expect(once).toHaveBeenCalledTimes(1);

    const other = new ApiRequestError('FORBIDDEN', 'no', 403);
    const verify = vi.fn(() => Promise.resolve());
    await expect(retryAfterStepUp(() => Promise.reject(other), verify)).rejects.toBe(other);
    expect(verify).not.toHaveBeenCalled();
  });
});

import { DeliveryError } from '@vaultroom/shared/client';
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../core/chat/ChatError.js';
import { PasskeyCancelledError } from '../../core/account/passkeyErrors.js';
import type { Translate } from '../../state/createTranslator.js';
import { describeDeviceError } from './describeDeviceError.js';

// Answers with the key it was asked for, so a test sees which words were chosen.
const keyOf = ((key: string) => key) as unknown as Translate;

describe('describeDeviceError', () => {
  it('says the relay is out of reach for a request that never got its answer', () => {
    for (const code of ['DISCONNECTED', 'TIMEOUT', 'CLOSED', 'SIGNED_OUT'] as const) {
      expect(describeDeviceError(keyOf, new DeliveryError(code)), code).toBe(
        'deviceApproval.offline',
      );
    }
  });

  it('has words for a verification not given, a device gone, and the chat’s own refusals', () => {
    expect(describeDeviceError(keyOf, new PasskeyCancelledError())).toBe(
      'deviceApproval.notConfirmed',
    );
    expect(describeDeviceError(keyOf, new DeliveryError('REAUTH_REQUIRED'))).toBe(
      'common.reauthRequired',
    );
    expect(describeDeviceError(keyOf, new DeliveryError('UNKNOWN_DEVICE'))).toBe(
      'deviceApproval.gone',
    );
    expect(describeDeviceError(keyOf, new ChatError('NOT_CERTIFIED'))).toBe(
      'conversations.errors.NOT_CERTIFIED',
    );
    expect(describeDeviceError(keyOf, new DeliveryError('INTERNAL'))).toBe(
      'conversations.errors.other',
    );
  });
});

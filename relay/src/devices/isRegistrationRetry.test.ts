import { describe, expect, it } from 'vitest';
import { isRegistrationRetry, type RegisteredDevice } from './isRegistrationRetry.js';

const dhKey = new Uint8Array(32).fill(7);
const laptop: RegisteredDevice = {
  id: 'dev-laptop',
  account_id: 'acct-ada',
  dh_key: Buffer.from(dhKey),
  revoked_at: null,
  registered_with_credential: 'cred-ada-1',
};
/** A new session of the passkey that registered the laptop, bound to no device yet. */
const signedInAgain = { passkey_id: 'cred-ada-1', device_id: null };

describe('isRegistrationRetry', () => {
  it('accepts the session that registered the device, and a new session of its passkey', () => {
    expect(
      isRegistrationRetry(laptop, { passkey_id: null, device_id: laptop.id }, 'acct-ada', dhKey),
    ).toBe(true);
    expect(isRegistrationRetry(laptop, signedInAgain, 'acct-ada', dhKey)).toBe(true);
  });

  it('accepts a session of that passkey already speaking for another device, as hello would', () => {
    const elsewhere = { passkey_id: 'cred-ada-1', device_id: 'dev-phone' };
    expect(isRegistrationRetry(laptop, elsewhere, 'acct-ada', dhKey)).toBe(true);
  });

  it("refuses another passkey's session, and one with no passkey for a device with none", () => {
    const otherPasskey = { passkey_id: 'cred-ada-2', device_id: null };
    expect(isRegistrationRetry(laptop, otherPasskey, 'acct-ada', dhKey)).toBe(false);
    const unknown = { ...laptop, registered_with_credential: null };
    expect(
      isRegistrationRetry(unknown, { passkey_id: null, device_id: null }, 'acct-ada', dhKey),
    ).toBe(false);
  });

  it('refuses another account, a revoked device and a session the relay no longer has', () => {
    expect(isRegistrationRetry(laptop, signedInAgain, 'acct-bob', dhKey)).toBe(false);
    expect(
      isRegistrationRetry({ ...laptop, revoked_at: 1 }, signedInAgain, 'acct-ada', dhKey),
    ).toBe(false);
    expect(isRegistrationRetry(laptop, undefined, 'acct-ada', dhKey)).toBe(false);
  });

  it('refuses the key with another DH key: not the same registration asked again', () => {
    const otherDh = new Uint8Array(32).fill(8);
    expect(isRegistrationRetry(laptop, signedInAgain, 'acct-ada', otherDh)).toBe(false);
    expect(
      isRegistrationRetry(laptop, { passkey_id: null, device_id: laptop.id }, 'acct-ada', otherDh),
    ).toBe(false);
  });
});

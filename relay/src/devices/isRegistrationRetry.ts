/** The stored device that already holds the identity key a `register-device` names. */
export interface RegisteredDevice {
  readonly id: string;
  readonly account_id: string;
  readonly dh_key: Uint8Array;
  readonly revoked_at: number | null;
  readonly registered_with_credential: string | null;
}

/** What the relay knows of the session asking: its passkey and the device it speaks for. */
export interface RegisteringSession {
  readonly passkey_id: string | null;
  readonly device_id: string | null;
}

/**
 * Whether a `register-device` naming an identity key the relay already holds is the registration
 * of that device asked again, whose answer was lost (PROTOCOL.md §2.6.1): then it gets the same
 * device back. Anything else is someone presenting a key that is not theirs to register.
 *
 * A retry is accepted, for a device of the caller's account that is not revoked and with the
 * identity it registered (the same DH key: a different one is another request, and answering it
 * with the old device would leave the client believing the relay holds keys it does not), from:
 * - the session that registered it or already speaks for it (a reload, a dropped socket);
 * - a session signed in with the passkey that registered it: the first session ended before its
 *   answer arrived (a sign-out, or a sign-in again after the socket dropped), and without this
 *   the device could never learn its id nor read its mailbox.
 *
 * Deliberately not a condition: that no other live session speaks for the device, nor that the
 * asking session speaks for no other device. §2.9 already lets any session of the registering
 * passkey say hello as the device (and rebinds the session to it) whatever other sessions do, so
 * neither refusal would keep out anyone hello lets in; the identity key and its signature are
 * public, and the device id is on the account's device list, so the retry reveals nothing
 * either. The first would strand the very device this rule is for whenever the old session
 * outlives the lost answer (a sign-in that did not end it). What a retry grants is exactly what
 * hello grants that passkey's sessions, and no more: unlike hello it ignores the account's signed
 * list, so a session of another passkey is refused even for a listed device, and a device
 * registered before passkeys were recorded (no credential) is claimed by hello, never by a retry.
 */
export function isRegistrationRetry(
  device: RegisteredDevice,
  session: RegisteringSession | undefined,
  accountId: string,
  dhPublicKey: Uint8Array,
): boolean {
  if (device.account_id !== accountId || device.revoked_at !== null) return false;
  if (!Buffer.from(device.dh_key).equals(dhPublicKey)) return false;
  if (session === undefined) return false;
  if (session.device_id === device.id) return true;
  return session.passkey_id !== null && session.passkey_id === device.registered_with_credential;
}

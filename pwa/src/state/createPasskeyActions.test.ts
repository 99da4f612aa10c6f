import type { SignedInResponse } from '@vaultroom/shared';
import { describe, expect, it, vi } from 'vitest';
import type { AccountsClient, PasskeyCeremonies } from '../core/ports.js';
import type { AccountSession } from './createAccountSession.js';
import { SupersededError, createPasskeyActions } from './createPasskeyActions.js';

const signedIn: SignedInResponse = {
  account: { id: 'a', handle: 'alice', displayName: 'Alice', role: 'member', createdAt: '' },
  notices: [],
};

function setup() {
  const calls: string[] = [];
  const client = {
    signInOptions: vi.fn(() => {
      calls.push('options');
      return Promise.resolve({ ceremonyId: 'c1', options: { challenge: 'x' } });
    }),
    signInVerify: vi.fn(() => {
      calls.push('verify');
      return Promise.resolve(signedIn);
    }),
    passkeyOptions: vi.fn(() => Promise.resolve({ ceremonyId: 'c2', options: {} })),
    passkeyVerify: vi.fn(() =>
      Promise.resolve({
        passkey: {
          id: 'p',
          name: 'Passkey',
          provider: null,
          createdAt: '',
          lastUsedAt: null,
          backupEligible: false,
          backedUp: false,
        },
      }),
    ),
  } as unknown as AccountsClient;
  const key = { credentialId: 'new', prfOutput: new Uint8Array(32).fill(5) };
  const ceremonies: PasskeyCeremonies = {
    create: () => Promise.resolve({ response: { id: 'new' }, prfKey: key }),
    get: () => {
      calls.push('ceremony');
      return Promise.resolve({ response: { id: 'r' }, prfKey: key });
    },
    supportsAutofill: () => Promise.resolve(true),
    cancel: () => undefined,
  };
  const session = {
    signedIn: vi.fn(),
    acceptKeystoreKey: vi.fn(),
    noticeError: (error: unknown) => error,
  } as unknown as AccountSession;
  return { calls, client, ceremonies, session, key };
}

describe('passkey actions', () => {
  it('signs in with fresh options and hands the PRF key to the session', async () => {
    const h = setup();
    await createPasskeyActions(h).signIn({ autofill: false });
    expect(h.calls).toEqual(['options', 'ceremony', 'verify']);
    expect(h.session.signedIn).toHaveBeenCalledWith(signedIn, h.key);
  });

  it('never starts the ceremony of a superseded autofill request', async () => {
    const h = setup();
    const controller = new AbortController();
    const pending = createPasskeyActions(h).signIn({ autofill: true, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(SupersededError);
    expect(h.calls).toEqual(['options']);
  });

  it('hands a newly added passkey’s PRF output to the session once the relay accepted it', async () => {
    const h = setup();
    await createPasskeyActions(h).addPasskey();
    expect(h.session.acceptKeystoreKey).toHaveBeenCalledWith(h.key);
  });

  it('keeps the PRF output of a passkey the relay refused', async () => {
    const h = setup();
    vi.mocked(h.client.passkeyVerify).mockRejectedValueOnce(new Error('refused'));
    await expect(createPasskeyActions(h).addPasskey()).rejects.toThrow('refused');
    expect(h.session.acceptKeystoreKey).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from 'vitest';
import { createMailboxQuotas } from './createMailboxQuotas.js';
import type { MailboxStore } from './createMailboxStore.js';

/** A store whose byte figures are set by the test, counting how often they are read. */
function figures(mailbox: number, sent: number) {
  const reads = { count: 0 };
  const store: MailboxStore = {
    commit: () => Promise.resolve(),
    after: () => Promise.resolve([]),
    count: () => Promise.resolve(0),
    mailboxBytes: () => {
      reads.count += 1;
      return Promise.resolve(mailbox);
    },
    bytesSentBy: () => {
      reads.count += 1;
      return Promise.resolve(sent);
    },
    liveDevices: () => Promise.resolve(new Set()),
    expire: () => Promise.resolve(0),
  };
  return { store, reads };
}

const settings = { mailboxBytes: 1000, senderBytes: 5000 };

describe('createMailboxQuotas', () => {
  it('reads a figure once, then keeps it by counting', async () => {
    const { store, reads } = figures(900, 0);
    const quotas = createMailboxQuotas(store, settings);
    const entry = [{ device: 'bob', bytes: 60 }];
    const loaded = await quotas.load('alice', entry);
    expect(quotas.check('alice', entry, loaded)).toBe('ok');
    quotas.add('alice', entry);
    expect(reads.count).toBe(2);
    const again = await quotas.load('alice', entry);
    expect(reads.count).toBe(2); // known: no read
    expect(quotas.check('alice', entry, again)).toBe('mailbox'); // 960 + 60 > 1000
    quotas.remove('alice', { device: 'bob', bytes: 60 });
    expect(quotas.check('alice', entry, again)).toBe('ok');
  });

  it('counts a send accepted while another send’s figure was being read', async () => {
    const { store } = figures(0, 0);
    const quotas = createMailboxQuotas(store, settings);
    const entry = [{ device: 'bob', bytes: 600 }];
    const slow = quotas.load('carol', entry); // reads bob's mailbox (0 bytes)
    const fast = await quotas.load('alice', entry);
    expect(quotas.check('alice', entry, fast)).toBe('ok');
    quotas.add('alice', entry);
    // The figure read for carol's send is older than alice's 600 bytes: the count wins.
    expect(quotas.check('carol', entry, await slow)).toBe('mailbox');
  });

  it('checks with the figures loaded when a reset forgot them in between', async () => {
    const { store } = figures(990, 4990);
    const quotas = createMailboxQuotas(store, settings);
    const entry = [{ device: 'bob', bytes: 20 }];
    const loaded = await quotas.load('alice', entry);
    quotas.reset();
    expect(quotas.check('alice', entry, loaded)).toBe('mailbox');
    expect(quotas.check('alice', [{ device: 'dave', bytes: 20 }], loaded)).toBe('sender');
  });
});

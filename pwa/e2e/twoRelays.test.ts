import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayCluster, type RelayCluster } from '../../relay/test/cluster/relayCluster.js';
import type { RelayProcess } from '../../relay/test/relayProcess.js';
import {
  bubble,
  createInvite,
  openBrowser,
  signUp,
  type Person,
  openConversationWith,
} from './people.js';

const originOf = (relay: RelayProcess) => `https://vaultroom.local:${String(relay.httpsPort)}`;

/*
 * Two relays on one PostgreSQL database with NATS between them, as behind a load balancer: each
 * person's browser reaches a different one for the whole test, so every message, receipt and
 * typing notice is stored by one relay and pushed by the other.
 */
describe('two people on two relays (PostgreSQL and NATS), in Chromium', () => {
  let cluster: RelayCluster;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    cluster = await startRelayCluster(2);
    const [first, second] = cluster.relays;
    if (first === undefined || second === undefined) throw new Error('two relays expected');
    [alice, bob] = await Promise.all([openBrowser(first, 'alice'), openBrowser(second, 'bob')]);
    // Each relay started with no account prints a first-administrator link, and the last one
    // printed revokes the others: the second relay's is the one that works, on either relay.
    const adminLink = new URL(second.adminInvite() ?? '');
    await signUp(
      alice,
      `${originOf(first)}${adminLink.pathname}${adminLink.hash}`,
      originOf(first),
    );
    // The link names the relay it was made on; Bob takes it to the other one.
    const link = new URL(await createInvite(alice.page));
    await signUp(bob, `${originOf(second)}${link.pathname}${link.hash}`, originOf(second));
  });

  afterAll(async () => {
    await alice.browser.close();
    await bob.browser.close();
    await cluster.stop();
  });

  it('carries messages and receipts both ways, each person on their own relay', async () => {
    const { page } = alice;
    await openConversationWith(page, 'bob');
    const composer = page.getByLabel('Message to @bob');
    await composer.fill('Hello Bob, from the first relay.');
    await composer.press('Enter');
    await expect
      .poll(() => bubble(page, 'from the first relay').textContent(), { timeout: 20_000 })
      .toContain('Delivered');

    const row = bob.page.getByRole('link', { name: /@alice/ });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await row.click();
    await expect.poll(() => bubble(bob.page, 'from the first relay').count()).toBe(1);
    await expect
      .poll(() => bubble(page, 'from the first relay').textContent(), { timeout: 20_000 })
      .toContain('Read');

    const reply = bob.page.getByLabel('Message to @alice');
    await reply.fill('Hi Alice, from the second relay.');
    await expect.poll(() => page.getByText('@bob is typing…').count(), { timeout: 20_000 }).toBe(1);
    await reply.press('Enter');
    await expect
      .poll(() => bubble(page, 'from the second relay').count(), { timeout: 20_000 })
      .toBe(1);
    await expect
      .poll(() => bubble(bob.page, 'from the second relay').textContent(), { timeout: 20_000 })
      .toContain('Read');
  });

  it('leaves no console errors or CSP violations behind', () => {
    for (const person of [alice, bob]) {
      expect(person.problems.cspViolations).toEqual([]);
      expect(person.problems.consoleErrors).toEqual([]);
    }
  });
});

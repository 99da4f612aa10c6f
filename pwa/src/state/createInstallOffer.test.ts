import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import type { InstallOutcome, InstallPromptListener, InstallPromptSource } from '../core/ports.js';
import { createInstallOffer } from './createInstallOffer.js';

/** A browser under the test's control: it offers prompts that answer `outcome`. */
function fakeBrowser(options: { installed?: boolean } = {}) {
  const listeners = new Set<InstallPromptListener>();
  const shown: string[] = [];
  const source: InstallPromptSource = {
    isInstalled: () => options.installed ?? false,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    source,
    shown,
    listeners,
    offer(name: string, answer: () => Promise<InstallOutcome>) {
      for (const listener of listeners) {
        listener.offered({
          show: () => {
            shown.push(name);
            return answer();
          },
        });
      }
    },
    install() {
      for (const listener of listeners) listener.installed();
    },
  };
}

function setup(options: { installed?: boolean } = {}) {
  const browser = fakeBrowser(options);
  const { offer, dispose } = createRoot((dispose) => ({
    offer: createInstallOffer(browser.source),
    dispose,
  }));
  return { browser, offer, dispose };
}

describe('the install offer', () => {
  it('offers nothing until the browser does', async () => {
    const { offer } = setup();
    expect(offer.available()).toBe(false);
    expect(offer.installed()).toBe(false);
    expect(await offer.install()).toBe('unavailable');
  });

  it('shows the browser’s dialog once and counts the app installed when accepted', async () => {
    const { browser, offer } = setup();
    browser.offer('first', () => Promise.resolve('accepted'));
    expect(offer.available()).toBe(true);

    expect(await offer.install()).toBe('accepted');
    expect(browser.shown).toEqual(['first']);
    expect(offer.installed()).toBe(true);
    expect(offer.available()).toBe(false);
    expect(await offer.install()).toBe('unavailable');
    expect(browser.shown).toEqual(['first']);
  });

  it('drops a dismissed offer, and takes the browser’s next one', async () => {
    const { browser, offer } = setup();
    browser.offer('first', () => Promise.resolve('dismissed'));
    expect(await offer.install()).toBe('dismissed');
    expect(offer.available()).toBe(false);
    expect(offer.installed()).toBe(false);

    browser.offer('second', () => Promise.resolve('accepted'));
    expect(offer.available()).toBe(true);
    expect(await offer.install()).toBe('accepted');
    expect(browser.shown).toEqual(['first', 'second']);
  });

  it('is busy while the dialog is open and refuses a second one meanwhile', async () => {
    const { browser, offer } = setup();
    let answer: (outcome: InstallOutcome) => void = () => undefined;
    browser.offer('first', () => new Promise((resolve) => (answer = resolve)));

    const first = offer.install();
    expect(offer.prompting()).toBe(true);
    expect(await offer.install()).toBe('unavailable');
    answer('accepted');
    expect(await first).toBe('accepted');
    expect(offer.prompting()).toBe(false);
    expect(browser.shown).toEqual(['first']);
  });

  it('drops the offer when the dialog fails, and lets the error through', async () => {
    const { browser, offer } = setup();
    browser.offer('first', () => Promise.reject(new Error('no user activation')));
    await expect(offer.install()).rejects.toThrow('no user activation');
    expect(offer.available()).toBe(false);
    expect(offer.prompting()).toBe(false);
  });

  it('hides the offer once the app is installed from the browser’s own menu', () => {
    const { browser, offer } = setup();
    browser.offer('first', () => Promise.resolve('accepted'));
    browser.install();
    expect(offer.installed()).toBe(true);
    expect(offer.available()).toBe(false);
  });

  it('never offers to install the installed app it runs in', () => {
    const { browser, offer } = setup({ installed: true });
    browser.offer('first', () => Promise.resolve('accepted'));
    expect(offer.installed()).toBe(true);
    expect(offer.available()).toBe(false);
  });

  it('stops listening to the browser when its owner goes away', () => {
    const { browser, dispose } = setup();
    expect(browser.listeners.size).toBe(1);
    dispose();
    expect(browser.listeners.size).toBe(0);
  });
});

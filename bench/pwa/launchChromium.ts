import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  HOST_RULES,
  createTrustingHome,
} from '../../pwa/e2e/chromiumProfile.js';

export interface Chromium {
  /** The DevTools port, for Lighthouse and for playwright-core's connectOverCDP. */
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Headless Debian Chromium with a fresh profile (an empty HTTP cache, no service worker) and the
 * relay's CA trusted as in the browser tests (pwa/e2e/chromiumProfile.ts), so the service worker
 * being measured runs. Launched by hand rather than by playwright-core so that Lighthouse and
 * the page measurements drive the same browser through its DevTools port.
 */
export async function launchChromium(caPem: string): Promise<Chromium> {
  const home = createTrustingHome(caPem, 'vaultroom-bench-browser-');
  const child = spawn(
    CHROMIUM,
    [
      ...CHROMIUM_ARGS,
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${path.join(home, 'profile')}`,
      HOST_RULES,
      'about:blank',
    ],
    // Its own process group: /usr/bin/chromium is a shell wrapper, and the browser and its helper
    // processes must all be stopped before the profile can be removed.
    { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  // Signal 0 only asks whether any process of the group is left.
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    if (child.pid === undefined) return false;
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  const kill = () => signalGroup('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const close = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const force = setTimeout(kill, 5000);
      signalGroup('SIGTERM');
      await exited;
      clearTimeout(force);
    }
    // Helpers outlive the wrapper for a moment: wait (bounded) until the whole group is gone.
    for (let i = 0; i < 50 && signalGroup(0); i++) {
      if (i === 30) kill();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  let stderr = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`Chromium did not start: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      // Keep draining: a full pipe would stall the browser.
      child.stderr.removeAllListeners('data');
      child.stderr.resume();
      resolve(match[1]);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${String(code)}: ${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return { port: Number(new URL(endpoint).port), endpoint, close };
}

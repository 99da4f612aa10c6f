import fs from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../relay/test/relayProcess.js';
import { stripImageMetadata } from '../src/core/files/stripImageMetadata.js';
import { screenshotPhoneAndDesktop, unlockChatIfLocked } from './browser.js';
import {
  createInvite,
  noAxeViolations,
  openBrowser,
  signUp,
  submitUntilOpened,
  type Person,
  OPEN_CONVERSATION_URL,
  openConversationWith,
} from './people.js';

/** A string that must never reach the relay's disk or logs in the clear. */
const MARKER = 'VAULTROOM-FILE-MARKER-9c41e7d2';
const GPS = 'GPS 48.8584N 2.2945E';
const MIB = 1024 * 1024;

/** A real JPEG from the browser's encoder, with an Exif block naming a place put in after SOI. */
async function photoWithGps(page: Page): Promise<Buffer> {
  const plain = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(96, 64);
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no canvas');
    const gradient = context.createLinearGradient(0, 0, 96, 64);
    gradient.addColorStop(0, '#2158c9');
    gradient.addColorStop(1, '#f0b429');
    context.fillStyle = gradient;
    context.fillRect(0, 0, 96, 64);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  const exif = Buffer.concat([Buffer.from('Exif\0\0MM'), Buffer.from(GPS)]);
  const length = Buffer.from([(exif.length + 2) >> 8, (exif.length + 2) & 0xff]);
  return Buffer.concat([
    Buffer.from(plain.slice(0, 2)),
    Buffer.from([0xff, 0xe1]),
    length,
    exif,
    Buffer.from(plain.slice(2)),
  ]);
}

/** 20 MiB of varied bytes with the marker at its start, middle and end. */
function bigFile(): Buffer {
  const bytes = Buffer.alloc(20 * MIB);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (const at of [0, 10 * MIB, 20 * MIB - MARKER.length]) bytes.write(MARKER, at);
  return bytes;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((entry) => (entry.isFile() ? [path.join(entry.parentPath, entry.name)] : []));
}

const card = (page: Page, name: string) => page.locator('.attachment', { hasText: name });

async function openConversation(page: Page, name: RegExp): Promise<void> {
  const row = page.getByRole('link', { name });
  await expect.poll(() => row.count(), { timeout: 20_000 }).toBeGreaterThan(0);
  await row.first().click();
}

async function setPageOffline(cdp: CDPSession, offline: boolean): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

describe('files between people in Chromium, over a real relay', () => {
  let relay: RelayProcess;
  let origin: string;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  beforeAll(async () => {
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '600' } });
    origin = `https://vaultroom.local:${String(relay.httpsPort)}`;
    [alice, bob, carol] = await Promise.all([
      openBrowser(relay, 'alice'),
      openBrowser(relay, 'bob'),
      openBrowser(relay, 'carol'),
    ]);
    await signUp(alice, relay.adminInvite() ?? '', origin);
    const [bobInvite, carolInvite] = [
      await createInvite(alice.page),
      await createInvite(alice.page),
    ];
    await Promise.all([signUp(bob, bobInvite, origin), signUp(carol, carolInvite, origin)]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((person) => person.browser.close()));
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it(
    'sends a photo without its location and a 20 MiB file; Bob opens both, bytes intact',
    { timeout: 240_000 },
    async () => {
      const { page } = alice;
      await openConversationWith(page, 'bob');
      const photo = await photoWithGps(page);
      const expectedPhoto = Buffer.from(stripImageMetadata(photo).bytes);
      expect(photo.includes(GPS)).toBe(true);
      expect(expectedPhoto.includes(GPS)).toBe(false);

      const picker = page.locator('input[type="file"]');
      await picker.setInputFiles([{ name: 'summit.jpg', mimeType: 'image/jpeg', buffer: photo }]);
      const notice = page.getByText('Location and camera details were removed');
      await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(1);
      await noAxeViolations(page, 'metadata notice');
      await screenshotPhoneAndDesktop(page, 'files-metadata-notice');
      await page.getByRole('button', { name: 'Got it' }).click();

      const big = bigFile();
      const uploadStart = Date.now();
      await picker.setInputFiles([
        { name: 'report.bin', mimeType: 'application/octet-stream', buffer: big },
      ]);
      await expect
        .poll(() => card(page, 'report.bin').locator('.attachment__progress').count(), {
          timeout: 15_000,
        })
        .toBe(1);
      const shotStart = Date.now();
      await screenshotPhoneAndDesktop(page, 'files-uploading');
      const shotMs = Date.now() - shotStart;
      await expect
        .poll(() => page.locator('.bubble', { hasText: 'report.bin' }).textContent(), {
          timeout: 120_000,
          interval: 100,
        })
        .toMatch(/Sent|Delivered|Read/);
      // The screenshots taken meanwhile are not part of the upload's time.
      const uploadMs = Date.now() - uploadStart - shotMs;

      const b = bob.page;
      await openConversation(b, /alice/);
      const thumb = b.locator('.attachment__picture');
      await expect.poll(() => thumb.count(), { timeout: 20_000 }).toBe(1);
      await expect
        .poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
      await expect.poll(() => card(b, 'report.bin').count(), { timeout: 20_000 }).toBe(1);
      await noAxeViolations(b, 'conversation with files');
      await screenshotPhoneAndDesktop(b, 'files-conversation');

      await thumb.click();
      const viewer = b.getByRole('dialog', { name: 'Photo viewer' });
      await expect
        .poll(
          async () =>
            (await viewer.count()) +
            ((await b.locator('.attachment__error').allTextContents()).join('') === '' ? 0 : 100),
          { timeout: 20_000 },
        )
        .toBe(1);
      const shown = viewer.locator('img');
      await expect.poll(() => shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);
      const [photoDownload] = await Promise.all([
        b.waitForEvent('download'),
        viewer.getByRole('button', { name: 'Save' }).click(),
      ]);
      expect(photoDownload.suggestedFilename()).toBe('summit.jpg');
      // Streamed by the service worker, not a Blob of the whole file in the page.
      expect(photoDownload.url()).toMatch(/\/files\/stream\/[0-9a-f]{32}$/);
      expect(fs.readFileSync(await photoDownload.path()).equals(expectedPhoto)).toBe(true);
      await noAxeViolations(b, 'photo viewer');
      await screenshotPhoneAndDesktop(b, 'files-viewer');
      await b.keyboard.press('Escape');
      await expect.poll(() => viewer.count()).toBe(0);
      expect(await thumb.evaluate((button) => button === document.activeElement)).toBe(true);

      const downloadStart = Date.now();
      await card(b, 'report.bin').getByRole('button', { name: 'Download' }).click();
      const save = card(b, 'report.bin').getByRole('button', { name: 'Save' });
      await expect.poll(() => save.count(), { timeout: 120_000, interval: 100 }).toBe(1);
      const downloadMs = Date.now() - downloadStart;
      const [download] = await Promise.all([b.waitForEvent('download'), save.click()]);
      expect(download.suggestedFilename()).toBe('report.bin');
      expect(download.url()).toMatch(/\/files\/stream\/[0-9a-f]{32}$/);
      const saved = fs.readFileSync(await download.path());
      expect(saved.length).toBe(big.length);
      expect(saved.equals(big)).toBe(true);
      console.log(
        `20 MiB file: upload and send ${String(uploadMs)} ms, download and check ${String(downloadMs)} ms`,
      );

      // The relay held and logged ciphertext only.
      const files = filesUnder(relay.dataDir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        expect(bytes.includes(MARKER), file).toBe(false);
        expect(bytes.includes(GPS), file).toBe(false);
      }
      const logs = JSON.stringify(relay.logs) + relay.stderr();
      expect(logs.includes(MARKER)).toBe(false);
    },
  );

  it(
    'sends once, after reconnecting, a file picked while offline',
    { timeout: 120_000 },
    async () => {
      const { page, browser } = alice;
      await expect
        .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
        .toBe(true);
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.enable');
      await browser.context.setOffline(true);
      await page.reload();
      await unlockChatIfLocked(page);
      await setPageOffline(cdp, true);
      await page.waitForFunction(() => !navigator.onLine);
      await page
        .locator('input[type="file"]')
        .setInputFiles([
          { name: 'offline.txt', mimeType: 'text/plain', buffer: Buffer.from('picked offline') },
        ]);
      const sent = page.locator('.bubble', { hasText: 'offline.txt' });
      await expect.poll(() => sent.count(), { timeout: 15_000 }).toBe(1);
      await expect.poll(() => sent.textContent()).toContain('Waiting for the connection');
      await browser.context.setOffline(false);
      await setPageOffline(cdp, false);
      await expect.poll(() => sent.textContent(), { timeout: 60_000 }).toMatch(/Delivered|Read/);
      await expect.poll(() => card(bob.page, 'offline.txt').count(), { timeout: 20_000 }).toBe(1);
      await bob.page.waitForTimeout(0);
      expect(await card(bob.page, 'offline.txt').count()).toBe(1);
    },
  );

  it('uploads a group’s file once for its three members', { timeout: 120_000 }, async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Conversations' }).first().click();
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByText('A group', { exact: true }).click();
    await page.getByLabel('Group name').fill('Trip');
    await submitUntilOpened(
      page,
      async () => {
        await page.getByLabel('Members').fill('bob, carol');
        await page.getByRole('button', { name: 'Create group' }).click();
      },
      OPEN_CONVERSATION_URL,
    );
    const blobsBefore = filesUnder(path.join(relay.dataDir, 'blobs')).length;
    await page.locator('input[type="file"]').setInputFiles([
      {
        name: 'plan.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from(`%PDF-1.4 ${MARKER}`),
      },
    ]);
    for (const person of [bob, carol]) {
      await openConversation(person.page, /Trip/);
      await expect.poll(() => card(person.page, 'plan.pdf').count(), { timeout: 20_000 }).toBe(1);
      await card(person.page, 'plan.pdf').getByRole('button', { name: 'Download' }).click();
      await expect
        .poll(() => card(person.page, 'plan.pdf').getByRole('button', { name: 'Save' }).count(), {
          timeout: 20_000,
        })
        .toBe(1);
    }
    expect(filesUnder(path.join(relay.dataDir, 'blobs')).length).toBe(blobsBefore + 1);
  });

  it('takes files shared from another app and sends them where the person chooses', async () => {
    const { page } = alice;
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
      return (await (await fetch(link?.href ?? '')).json()) as { share_target?: unknown };
    });
    expect(manifest.share_target).toMatchObject({ action: '/share', method: 'POST' });
    // What the system's share sheet does: a multipart POST to the share target, which the
    // service worker takes.
    const landed = await page.evaluate(async () => {
      const form = new FormData();
      form.append(
        'files',
        new File(['shared from elsewhere'], 'shared.txt', { type: 'text/plain' }),
      );
      const response = await fetch('/share', { method: 'POST', body: form });
      return new URL(response.url).pathname + new URL(response.url).search;
    });
    expect(landed).toBe('/conversations?share=1');
    await page.goto(`${origin}/conversations?share=1`);
    await unlockChatIfLocked(page);
    const picker = page.getByRole('dialog', { name: 'Send shared files' });
    await expect.poll(() => picker.count(), { timeout: 20_000 }).toBe(1);
    await noAxeViolations(page, 'share picker');
    await screenshotPhoneAndDesktop(page, 'files-share-picker');
    await picker.getByRole('button', { name: '@bob' }).click();
    await expect.poll(() => page.url()).toMatch(OPEN_CONVERSATION_URL);
    await openConversation(bob.page, /^@alice/);
    await expect.poll(() => card(bob.page, 'shared.txt').count(), { timeout: 20_000 }).toBe(1);
    // The inbox is emptied as the files are offered.
    expect(await page.evaluate(() => caches.has('vaultroom-share-inbox'))).toBe(false);
  });
});

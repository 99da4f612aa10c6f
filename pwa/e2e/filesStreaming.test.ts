import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPhoneAndDesktop } from './browser.js';
import { noAxeViolations, startTwoPeople, type TwoPeople, openConversationWith } from './people.js';

/*
 * Files opened and saved as streams (issue #19): the service worker serves the plaintext the page
 * decrypts piece by piece, with Range for a video's seeking; a video has a poster in its bubble
 * and plays in the viewer.
 */

/** A real WebM that Chromium plays: two seconds of a moving square, recorded in the page. */
async function recordVideo(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no canvas');
    const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
    const parts: Blob[] = [];
    recorder.ondataavailable = (event) => parts.push(event.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const draw = () => {
        const t = performance.now() - started;
        context.fillStyle = '#1d4ed8';
        context.fillRect(0, 0, 320, 240);
        context.fillStyle = '#facc15';
        context.fillRect((t / 10) % 280, 90, 40, 40);
        if (t < 2000) requestAnimationFrame(draw);
        else resolve();
      };
      draw();
    });
    recorder.stop();
    await stopped;
    return [...new Uint8Array(await new Blob(parts).arrayBuffer())];
  });
  return Buffer.from(bytes);
}

describe('files streamed through the service worker, in Chromium', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await startTwoPeople();
  }, 120_000);

  afterAll(async () => {
    await people.close();
  });

  it(
    'sends a video with a poster; Bob plays it, seeks with a Range, and saves it whole',
    { timeout: 180_000 },
    async () => {
      const { alice, bob } = people;
      const page = alice.page;
      await openConversationWith(page, 'bob');
      const video = await recordVideo(page);
      expect(video.length).toBeGreaterThan(1000);
      await page
        .locator('input[type="file"]')
        .setInputFiles([{ name: 'clip.webm', mimeType: 'video/webm', buffer: video }]);
      await expect
        .poll(() => page.locator('.attachment__picture--video').count(), {
          timeout: 30_000,
        })
        .toBe(1);

      const b = bob.page;
      const row = b.getByRole('link', { name: /alice/ });
      await expect.poll(() => row.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await row.first().click();
      const poster = b.getByRole('button', { name: 'Play clip.webm' });
      await expect.poll(() => poster.count(), { timeout: 20_000 }).toBe(1);
      await expect
        .poll(() => poster.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
      expect(await poster.locator('img').getAttribute('alt')).toBe('Video clip.webm');
      await noAxeViolations(b, 'video bubble');
      await screenshotPhoneAndDesktop(b, 'files-video-bubble');

      // Keyboard: the poster is a button; Enter downloads the file and opens the viewer.
      await poster.focus();
      await b.keyboard.press('Enter');
      const viewer = b.getByRole('dialog', { name: 'Video viewer' });
      await expect.poll(() => viewer.count(), { timeout: 30_000 }).toBe(1);
      const player = viewer.locator('video');
      await expect
        .poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2);
      expect(await player.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(320);
      const src = (await player.getAttribute('src')) ?? '';
      expect(src).toMatch(/^\/files\/stream\/[0-9a-f]{32}$/);

      // Seeking asks for a range: the worker answers it with exactly those plaintext bytes.
      const ranged = await b.evaluate(async (url) => {
        const response = await fetch(url, { headers: { Range: 'bytes=100-1099' } });
        return {
          status: response.status,
          range: response.headers.get('Content-Range'),
          type: response.headers.get('Content-Type'),
          cache: response.headers.get('Cache-Control'),
          bytes: [...new Uint8Array(await response.arrayBuffer())],
        };
      }, src);
      expect(ranged).toMatchObject({
        status: 206,
        range: `bytes 100-1099/${String(video.length)}`,
        type: 'video/webm',
        cache: 'no-store',
      });
      expect(Buffer.from(ranged.bytes).equals(video.subarray(100, 1100))).toBe(true);
      await player.evaluate((v: HTMLVideoElement) => v.play());
      await expect
        .poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
        .toBeGreaterThan(0.2);
      await noAxeViolations(b, 'video viewer');
      await screenshotPhoneAndDesktop(b, 'files-video-viewer');

      const [download] = await Promise.all([
        b.waitForEvent('download'),
        viewer.getByRole('button', { name: 'Save' }).click(),
      ]);
      expect(download.url()).toMatch(/\/files\/stream\/[0-9a-f]{32}$/);
      expect(download.suggestedFilename()).toBe('clip.webm');
      expect(await download.failure()).toBeNull();
      const saved = await download.createReadStream();
      const chunks: Buffer[] = [];
      for await (const chunk of saved) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(video)).toBe(true);

      await b.keyboard.press('Escape');
      await expect.poll(() => viewer.count()).toBe(0);
      expect(await poster.evaluate((button) => button === document.activeElement)).toBe(true);
      // Closed, the file's URL answers no more (from the worker, never the relay).
      await expect
        .poll(() =>
          b.evaluate(async (url) => {
            const response = await fetch(url, { method: 'HEAD' });
            return response.status;
          }, src),
        )
        .toBe(404);
    },
  );
});

import { afterEach, describe, expect, it } from 'vitest';
import type { FileStreamControl, FileStreamOpen, FileStreamPull } from './fileStreamMessages.js';
import { createFileStreamRoute } from './fileStreamRoute.js';

const ORIGIN = 'https://vaultroom.local';
const ID = '0123456789abcdef0123456789abcdef';
const ports: MessagePort[] = [];

afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** Opens `bytes` as the page would, answering each pull with the next 3 bytes. */
function openFile(bytes: Uint8Array, open: Partial<FileStreamOpen>) {
  const route = createFileStreamRoute(ORIGIN);
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  const reads: { from: number; length: number }[] = [];
  channel.port1.onmessage = (event: MessageEvent<FileStreamControl>) => {
    const port = event.ports[0];
    if (event.data.type !== 'read' || port === undefined) return;
    ports.push(port);
    const { from, length } = event.data;
    reads.push({ from, length });
    let at = from;
    port.onmessage = (pull: MessageEvent<FileStreamPull>) => {
      if (pull.data.type !== 'pull') return;
      const end = Math.min(at + 3, from + length);
      if (at >= end) port.postMessage({ type: 'end' });
      else port.postMessage({ type: 'piece', bytes: bytes.slice(at, end).buffer });
      at = end;
    };
  };
  const opened = route.open(
    {
      type: 'FILE_STREAM_OPEN',
      id: ID,
      name: 'notes.bin',
      mimeType: 'application/octet-stream',
      size: bytes.length,
      disposition: 'attachment',
      ...open,
    },
    [channel.port2],
  );
  return { route, opened, reads, control: channel.port1 };
}

const bodyOf = async (response: Response | null) =>
  new Uint8Array(await (response ?? new Response()).arrayBuffer());

const get = (route: ReturnType<typeof createFileStreamRoute>, headers: HeadersInit = {}) =>
  route.respond(new Request(`${ORIGIN}/files/stream/${ID}`, { headers }));

describe('the service worker’s file streams', () => {
  const bytes = Uint8Array.from({ length: 20 }, (_, i) => i);

  it('streams the file the page opened, whole or from a Range', async () => {
    const { route, opened, reads } = openFile(bytes, {});
    expect(opened).toBe(true);
    const whole = await get(route);
    expect(whole?.status).toBe(200);
    expect(whole?.headers.get('Content-Length')).toBe('20');
    expect(await bodyOf(whole)).toEqual(bytes);
    const part = await get(route, { Range: 'bytes=5-11' });
    expect(part?.status).toBe(206);
    expect(part?.headers.get('Content-Range')).toBe('bytes 5-11/20');
    expect(await bodyOf(part)).toEqual(bytes.subarray(5, 12));
    expect(reads).toEqual([
      { from: 0, length: 20 },
      { from: 5, length: 7 },
    ]);
    expect((await get(route, { Range: 'bytes=20-' }))?.status).toBe(416);
  });

  it('serves a type a browser would run (HTML) only as an opaque download, never inline', async () => {
    const { route } = openFile(bytes, {
      name: 'page "1".html',
      mimeType: 'text/html',
      disposition: 'inline',
    });
    const response = await get(route, { Range: 'bytes=0-0' });
    expect(Object.fromEntries(response?.headers.entries() ?? [])).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="page _1_.html"; filename*=UTF-8''page%20%221%22.html`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; sandbox allow-downloads",
    });
    await response?.body?.cancel();
  });

  it('shows a video inline, with its type', async () => {
    const { route } = openFile(bytes, { mimeType: 'video/webm', disposition: 'inline' });
    const response = await get(route, { Range: 'bytes=0-0' });
    expect(response?.headers.get('Content-Type')).toBe('video/webm');
    expect(response?.headers.get('Content-Disposition')).toBe('inline');
    await response?.body?.cancel();
  });

  it('answers 404 itself for an unknown or closed id, and nothing for other paths', async () => {
    const { route, control } = openFile(bytes, {});
    expect(route.respond(new Request(`${ORIGIN}/api/blobs/x`))).toBeNull();
    expect(route.respond(new Request(`https://elsewhere.example/files/stream/${ID}`))).toBeNull();
    expect(
      (await route.respond(new Request(`${ORIGIN}/files/stream/ffffffffffffffffffffffffffffffff`)))
        ?.status,
    ).toBe(404);
    control.postMessage({ type: 'close' });
    await expect.poll(async () => (await get(route))?.status).toBe(404);
  });

  it('refuses malformed open messages', () => {
    const route = createFileStreamRoute(ORIGIN);
    const { port2 } = new MessageChannel();
    ports.push(port2);
    const base = { type: 'FILE_STREAM_OPEN', id: ID, name: 'a', mimeType: 'x', size: 1 };
    expect(route.open({ ...base, disposition: 'inline' }, [])).toBe(false);
    expect(route.open({ ...base, id: '../x', disposition: 'inline' }, [port2])).toBe(false);
    expect(route.open({ ...base, size: -1, disposition: 'inline' }, [port2])).toBe(false);
    expect(route.open({ ...base, disposition: 'render' }, [port2])).toBe(false);
  });
});

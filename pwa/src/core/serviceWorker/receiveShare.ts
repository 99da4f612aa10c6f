import { SHARE_LANDING, keepSharedFiles } from '../files/shareInbox.js';

/** The words of the page that refuses a share (the `shareRefused` part of the dictionaries). */
export interface ShareRefusalWords {
  readonly title: string;
  readonly body: string;
  readonly open: string;
  readonly failedTitle: string;
  readonly failedBody: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/**
 * A page of its own, made by the worker: no script, styles inline under a CSP that allows
 * nothing else, and a link back into the app.
 */
function refusalPage(lang: string, title: string, body: string, open: string): Response {
  const html = `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;padding:32px 16px;line-height:1.5}
main{max-width:32rem;margin:0 auto}
h1{font-size:1.375rem;margin:0 0 16px}
a{display:inline-block;margin-top:16px;padding:12px 16px;border-radius:8px;background:#1f5fbf;color:#fff;text-decoration:none;min-height:20px}
a:focus-visible{outline:3px solid #0b3d91;outline-offset:2px}
</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>
<a href="/conversations">${escapeHtml(open)}</a></main></body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    },
  });
}

/**
 * Web Share Target (in the worker): keeps the shared files encrypted to the inbox key and sends
 * the page to choose a conversation (POST, then 303). With no inbox key in this browser, or when
 * the files cannot be kept, says so on a page of its own and keeps nothing in the clear.
 */
export async function receiveShare(
  request: Request,
  caches: CacheStorage,
  words: () => Promise<{ readonly lang: string; readonly words: ShareRefusalWords }>,
): Promise<Response> {
  let kept: 'kept' | 'no-key' | 'failed';
  try {
    const form = await request.formData();
    const files = form.getAll('files').filter((entry): entry is File => entry instanceof File);
    kept = files.length === 0 ? 'kept' : await keepSharedFiles(caches, files);
  } catch (error) {
    console.warn('share: could not keep the shared files', error);
    kept = 'failed';
  }
  if (kept === 'kept') return Response.redirect(SHARE_LANDING, 303);
  const { lang, words: w } = await words();
  return kept === 'no-key'
    ? refusalPage(lang, w.title, w.body, w.open)
    : refusalPage(lang, w.failedTitle, w.failedBody, w.open);
}

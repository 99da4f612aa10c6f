import * as uWS from 'uWebSockets.js';
import { respond, textReply } from './respond.js';

/**
 * The plain-HTTP listener. It serves nothing: every request is sent to the canonical HTTPS origin.
 * The target is built from configuration, never from the Host header, so it cannot be turned into
 * an open redirect.
 */
export function createRedirectApp(
  canonicalHost: string,
  httpsPort: () => number,
): uWS.TemplatedApp {
  return uWS.App().any('/*', (res, req) => {
    const port = httpsPort();
    const origin = port === 443 ? `https://${canonicalHost}` : `https://${canonicalHost}:${port}`;
    const query = req.getQuery();
    const location = `${origin}${req.getUrl()}${query ? `?${query}` : ''}`;
    const reply = textReply('308 Permanent Redirect', `Moved to ${location}`, [
      ['Location', location],
    ]);
    respond(res, reply, req.getCaseSensitiveMethod() === 'HEAD');
  });
}

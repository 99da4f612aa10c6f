import * as uWS from 'uWebSockets.js';
import { StartupError } from '../lifecycle/StartupError.js';

// uws-pack exports the flag at run time but types it only through an enum it does not export.
const EXCLUSIVE_PORT = (uWS as typeof uWS & { LIBUS_LISTEN_EXCLUSIVE_PORT: uWS.ListenOptions })
  .LIBUS_LISTEN_EXCLUSIVE_PORT;

export interface Listening {
  readonly port: number;
  readonly socket: uWS.us_listen_socket;
}

/**
 * Listens with an exclusive port: without it uWS silently shares a port with a stale relay
 * still bound to it, and half the connections would go to the old process.
 */
export function listen(app: uWS.TemplatedApp, port: number, what: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    app.listen(port, EXCLUSIVE_PORT, (socket) => {
      if (socket === false) {
        reject(
          new StartupError(
            'PORT_UNAVAILABLE',
            `cannot listen for ${what} on port ${port}: it is in use or not permitted`,
          ),
        );
        return;
      }
      resolve({ port: uWS.us_socket_local_port(socket), socket });
    });
  });
}

export function stopListening(listening: Listening): void {
  uWS.us_listen_socket_close(listening.socket);
}

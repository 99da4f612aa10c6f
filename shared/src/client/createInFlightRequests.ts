import type { ClientRequest } from '../protocol/index.js';
import type { Clock } from './Clock.js';
import { DeliveryError } from './DeliveryError.js';
import type { DeliveryIssue } from './DeliveryIssue.js';
import { createRequestIds } from './createRequestIds.js';
import type { ReplyFrame, WireRequest } from './RequestWire.js';

/** Requests on the wire, by id, until their reply, their timeout or the connection's end. */
export interface InFlightRequests {
  /** Gives the request an id, puts it on the wire with `transmit`, and starts its timeout. */
  dispatch(request: WireRequest, transmit: (frame: ClientRequest) => void): void;
  /** The reply with this id arrived; a reply to nothing (it timed out) is reported. */
  settle(id: number, frame: ReplyFrame): void;
  /** The connection ended: every request in flight may or may not have been applied. */
  abandon(error: DeliveryError): void;
}

interface InFlight {
  readonly request: WireRequest;
  readonly cancelTimer: () => void;
}

export function createInFlightRequests(options: {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly report: (issue: DeliveryIssue) => void;
}): InFlightRequests {
  const inFlight = new Map<number, InFlight>();
  const nextId = createRequestIds((id) => inFlight.has(id));

  return {
    dispatch(request, transmit) {
      const id = nextId();
      const cancelTimer = options.clock.schedule(options.timeoutMs, () => {
        if (inFlight.get(id)?.request !== request) return;
        inFlight.delete(id);
        request.onOutcome(new DeliveryError('TIMEOUT'));
      });
      inFlight.set(id, { request, cancelTimer });
      transmit(request.build(id));
    },
    settle(id, frame) {
      const entry = inFlight.get(id);
      if (entry === undefined) {
        // Most likely the reply to a request that already timed out.
        options.report({ kind: 'unexpected-frame', t: frame.t });
        return;
      }
      inFlight.delete(id);
      entry.cancelTimer();
      entry.request.onOutcome(frame);
    },
    abandon(error) {
      // The caller (the outbox for sends) decides whether to retry.
      const entries = [...inFlight.values()];
      inFlight.clear();
      for (const entry of entries) {
        entry.cancelTimer();
        entry.request.onOutcome(error);
      }
    },
  };
}

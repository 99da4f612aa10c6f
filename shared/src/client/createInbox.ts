import { LIMITS } from '../protocol/index.js';
import type { Envelope } from './DeliveryClient.js';
import type { DeliveryIssue } from './DeliveryIssue.js';

export interface InboxOptions<Connection> {
  readonly onEnvelope: (envelope: Envelope) => Promise<void>;
  readonly onQueueEmpty: () => void;
  /** Sends one `ack` on `connection` if it is still the live one; false if it is not. */
  readonly ack: (connection: Connection, envelopes: string[]) => boolean;
  readonly report: (issue: DeliveryIssue) => void;
}

export interface Inbox<Connection> {
  deliver(connection: Connection, envelopes: readonly Envelope[]): void;
  queueEmpty(): void;
}

/**
 * Hands delivered envelopes to the caller one at a time, in the relay's order, and acks those
 * the caller stored (PROTOCOL.md §2.6): one `ack` per `deliver` batch, none for a failed handler.
 */
export function createInbox<Connection>(options: InboxOptions<Connection>): Inbox<Connection> {
  /** Batches and queue-empty run one after another, so order and "all stored" hold. */
  let chain: Promise<void> = Promise.resolve();

  async function handle(connection: Connection, envelopes: readonly Envelope[]): Promise<void> {
    const stored: string[] = [];
    for (const envelope of envelopes) {
      try {
        await options.onEnvelope(envelope);
        stored.push(envelope.id);
      } catch (error) {
        // No ack: the relay keeps it and delivers it again (§2.6).
        options.report({ kind: 'envelope-handler-failed', envelope: envelope.id, error });
      }
    }
    // Acks go only on the connection that delivered (`ack` refuses any other): after a
    // reconnect the relay pushes unacked envelopes again and the handler sees them twice.
    for (let start = 0; start < stored.length; start += LIMITS.maxAckIds) {
      if (!options.ack(connection, stored.slice(start, start + LIMITS.maxAckIds))) return;
    }
  }

  return {
    deliver(connection, envelopes) {
      chain = chain.then(() => handle(connection, envelopes));
    },
    queueEmpty() {
      // Behind the envelopes pushed before it, so "empty" means "all of them stored".
      chain = chain.then(options.onQueueEmpty);
    },
  };
}

/** Which server a generator socket talks to. */
export type Target = 'relay' | 'uwsOne' | 'uwsBatched';

/** One simulated client: an account's session and, once registered, its device. */
export interface ClientSpec {
  /** Global index; clients 2k and 2k+1 are peers and live in the same worker. */
  readonly index: number;
  readonly cookie: string;
  /** The peer's global index, or -1 for a client with no peer (a backlog sender). */
  readonly peer: number;
  /** The relay this client connects to, when several serve one database (default: `ports.relay`). */
  readonly relayPort?: number;
}

export interface Identity {
  readonly index: number;
  readonly signingPublicKey: Uint8Array;
  readonly dhPublicKey: Uint8Array;
  readonly dhSignature: Uint8Array;
}

export interface Backlog {
  readonly sender: number;
  /** Recipient devices; each send frame addresses up to `fanout` of them at once. */
  readonly recipients: readonly string[];
  /** Messages to each recipient. */
  readonly perRecipient: number;
  readonly fanout: number;
  /** Send frames a sender keeps in flight (awaiting `sent`). */
  readonly window: number;
}

/** Commands from the bench's main thread to a generator worker; each is answered by `id`. */
export type WorkerCommand = { readonly id: number } & (
  | {
      readonly op: 'init';
      readonly ports: Record<Target, number>;
      readonly ca: string;
      readonly origin: string;
      readonly clients: readonly ClientSpec[];
    }
  /**
   * Opens relay sockets and says hello (unless `hello` is false); with `identities`, registers a
   * device per client and answers with the device ids.
   */
  | {
      readonly op: 'connectRelay';
      readonly indexes: readonly number[];
      readonly identities?: readonly Identity[];
      readonly hello?: boolean;
    }
  | { readonly op: 'setDevices'; readonly devices: Readonly<Record<number, string>> }
  | { readonly op: 'connectBare'; readonly target: Target }
  | {
      readonly op: 'run';
      readonly target: Target;
      readonly kind: 'closed' | 'open';
      /** Clients with a global index below this take part. */
      readonly active: number;
      /** Closed loop: messages each client keeps in flight. */
      readonly window: number;
      /** Open loop: this worker's share of the offered rate, messages per second. */
      readonly rate: number;
    }
  /** Starts (first call) or ends (second call) the measured window of a run. */
  | { readonly op: 'mark' }
  /** Ends the run: waits up to `graceMs` (default 8 s) for the messages still in flight. */
  | { readonly op: 'stop'; readonly graceMs?: number }
  | { readonly op: 'backlog'; readonly backlogs: readonly Backlog[] }
  | { readonly op: 'disconnect'; readonly indexes: readonly number[] }
  /** Connects (optionally) and says hello with the device; resolves when every mailbox drained. */
  | { readonly op: 'drain'; readonly indexes: readonly number[]; readonly connect: boolean }
  | { readonly op: 'openIdle'; readonly target: Target; readonly count: number }
  | { readonly op: 'closeIdle' }
);

export interface MarkReply {
  readonly delivered: number;
  readonly errors: number;
  readonly at: number;
}

export interface StopReply {
  /** Delivery latencies of the measured window, microseconds. */
  readonly latencies: Float64Array;
  /** Messages still in flight when the worker gave up waiting. */
  readonly stuck: number;
  readonly errors: number;
  readonly errorCodes: readonly string[];
  /** The whole run's accounting, from its start to the end of the wait for stragglers. */
  readonly tally: RunTally;
}

/** What happened to a run's messages, counted by the worker that sent and received them. */
export interface RunTally {
  /** Messages written to a socket. */
  readonly sent: number;
  /** Messages the loop was due to send on a socket that had closed (so never sent). */
  readonly unsent: number;
  /** `sent` replies: the relay acked the send (relay only). */
  readonly sendAcked: number;
  /** First arrivals of a message at its sender's peer. */
  readonly delivered: number;
  /** Further arrivals of a message already delivered, recognised by sender and sequence number. */
  readonly duplicates: number;
  /** Arrivals of a message at a client other than its sender's peer. */
  readonly misdelivered: number;
  /** Envelope ids the recipients put in `ack` frames (relay only). */
  readonly acked: number;
  /** Relay sockets that closed without the generator closing them. */
  readonly closes: number;
}

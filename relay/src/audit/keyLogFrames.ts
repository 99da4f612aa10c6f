import type { ClientFrame, ServerFrame } from '@vaultroom/shared/protocol';

/** The key-transparency requests (`prove-keys`, `fetch-log`) and their replies (§2.11). */
export type KeyLogRequest<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;
export type KeyLogReply<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

/** A copy over a plain ArrayBuffer, as frames carry bytes (database Buffers may share a pool). */
export const frameBytes = (value: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(value);

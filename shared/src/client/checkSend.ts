import { encodeFrame, LIMITS } from '../protocol/index.js';
import { DeliveryError } from './DeliveryError.js';
import type { OutboxRecord } from './OutboxStore.js';

/**
 * Refuses, before it is persisted, a send the relay would refuse for good (§2.3): it would only
 * sit in the outbox. Bigger fan-outs are the caller's to split (§2.3 "recipients per send").
 */
export function checkSend({ msg, to }: Pick<OutboxRecord, 'msg' | 'to'>): void {
  if (msg.byteLength !== LIMITS.messageIdBytes) {
    throw new DeliveryError('INVALID_MESSAGE', `message id must be ${LIMITS.messageIdBytes} bytes`);
  }
  if (to.length === 0) throw new DeliveryError('INVALID_MESSAGE', 'a send needs a recipient');
  if (to.length > LIMITS.maxRecipients) throw new DeliveryError('TOO_MANY_RECIPIENTS');
  for (const { device, body } of to) {
    if (device.length === 0 || device.length > LIMITS.maxIdLength) {
      throw new DeliveryError('INVALID_MESSAGE', 'not a device id');
    }
    if (body.byteLength > LIMITS.maxEnvelopeBytes) throw new DeliveryError('ENVELOPE_TOO_LARGE');
  }
  // The largest request id encodes in 5 bytes, so this bounds every retry of the send.
  const frame = encodeFrame({ t: 'send', id: 0xffff_ffff, msg, to: [...to] });
  if (frame.byteLength > LIMITS.maxFrameBytes) throw new DeliveryError('FRAME_TOO_LARGE');
}

/** A message id as a map key (hex): byte arrays compare by identity, not content. */
export function messageKey(msg: Uint8Array): string {
  let hex = '';
  for (const byte of msg) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

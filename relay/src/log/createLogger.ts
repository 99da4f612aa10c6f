import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config/relayConfig.js';

export type { Logger } from 'pino';

/**
 * Fields that must never reach a log even if a caller passes a whole request or error object:
 * cookies, session tokens, WebAuthn challenges and responses, keys and ciphertext.
 */
const REDACTED_PATHS = [
  'cookie',
  'headers.cookie',
  'headers.authorization',
  'req.headers.cookie',
  'req.headers.authorization',
  'token',
  'sessionToken',
  'challenge',
  'credential',
  'privateKey',
  'secretKey',
  'ciphertext',
  'body',
];

/**
 * Structured JSON on stdout for log collectors; colourised single lines when a person is reading
 * a terminal. The pretty printer runs in-process so the first lines of a failing start still show.
 */
export function createLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream = process.stdout,
): Logger {
  const options = {
    level,
    base: { service: 'vaultroom-relay' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const isTerminal = 'isTTY' in destination && destination.isTTY === true;
  if (isTerminal) {
    return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', destination }));
  }
  return pino(options, destination);
}

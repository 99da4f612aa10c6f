import { API_ERROR_CODES, type ApiErrorCode } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import { apiErrorFromResponse } from '../core/relay/ApiRequestError.js';
import type { Translate } from '../state/createTranslator.js';
import { describeError } from './describeError.js';

// Answers with the key it was asked for, so a test sees which words were chosen.
const keyOf = ((key: string, args?: { message?: string }) =>
  args?.message === undefined ? key : `${key}: ${args.message}`) as unknown as Translate;

/** Codes whose words are the relay's own message: it says what was wrong with the request. */
const IN_RELAY_WORDS: readonly ApiErrorCode[] = ['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT'];

describe('describeError', () => {
  it('recognises every code the relay can answer and has words for each', () => {
    for (const code of API_ERROR_CODES) {
      const error = apiErrorFromResponse(400, { error: { code, message: 'the relay says' } }, null);
      expect(error.code, code).toBe(code);
      const words = describeError(keyOf, error);
      if (IN_RELAY_WORDS.includes(code)) {
        expect(words, code).toBe('common.relayError: the relay says');
      } else {
        expect(words, code).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$/);
      }
    }
  });

  it('falls back to the relay message for a code outside the list', () => {
    const error = apiErrorFromResponse(418, { error: { code: 'TEAPOT', message: 'short' } }, null);
    expect(describeError(keyOf, error)).toBe('common.relayError: short');
  });
});

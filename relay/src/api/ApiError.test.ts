import { API_ERROR_CODES, type ApiErrorCode } from '@vaultroom/shared';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ApiError } from './ApiError.js';

describe('ApiError', () => {
  it('takes exactly the codes of the shared list, so the relay answers no code a client cannot know', () => {
    expectTypeOf<ConstructorParameters<typeof ApiError>[0]>().toEqualTypeOf<ApiErrorCode>();
    expectTypeOf<ApiError['code']>().toEqualTypeOf<(typeof API_ERROR_CODES)[number]>();
  });

  it('has an HTTP status for every code', () => {
    for (const code of API_ERROR_CODES) {
      expect(new ApiError(code, 'x').status, code).toMatch(/^[45]\d\d [A-Z]/);
    }
  });
});

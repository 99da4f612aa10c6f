import { describe, expect, it } from 'vitest';
import { readPushPayload } from './readPushPayload.js';

describe('readPushPayload', () => {
  it('reads a padded count and sender', () => {
    expect(readPushPayload(`${JSON.stringify({ count: 3, from: 'alice' })}      `)).toEqual({
      count: 3,
      from: 'alice',
    });
    expect(readPushPayload('{"count":1}')).toEqual({ count: 1 });
  });

  it('reads anything else as one item from no one named', () => {
    for (const text of [null, '', 'not json', '[]', '{"count":-2}', '{"count":1.5}']) {
      expect(readPushPayload(text)).toEqual({ count: 1 });
    }
  });

  it('drops a sender that is not a handle, and caps the count', () => {
    expect(readPushPayload('{"count":2,"from":"<img src=x>"}')).toEqual({ count: 2 });
    expect(readPushPayload('{"count":123456789}')).toEqual({ count: 9999 });
  });
});

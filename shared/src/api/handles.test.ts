import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HANDLE_PATTERN, handleFromInput, handleKey, normalizeHandle } from './handles.js';

const handle = fc.stringMatching(HANDLE_PATTERN);

describe('the handle rule', () => {
  it('reads a typed handle without spaces around it and without one leading @, case kept', () => {
    expect(handleFromInput('  @Bob.Smith ')).toBe('Bob.Smith');
    expect(handleFromInput('bob')).toBe('bob');
    expect(handleFromInput('@@bob')).toBe('@bob');
  });

  it('keys a handle by its lower-case form', () => {
    expect(handleKey('Bob.Smith')).toBe('bob.smith');
    expect(normalizeHandle(' @Bob.Smith')).toBe('bob.smith');
  });

  it('keys every valid handle to a valid handle, the same for any spelling of its case', () => {
    fc.assert(
      fc.property(handle, (h) => {
        const key = handleKey(h);
        expect(HANDLE_PATTERN.test(key)).toBe(true);
        expect(handleKey(h.toUpperCase())).toBe(key);
        expect(normalizeHandle(`@${h}`)).toBe(key);
        expect(handleKey(key)).toBe(key);
      }),
    );
  });
});

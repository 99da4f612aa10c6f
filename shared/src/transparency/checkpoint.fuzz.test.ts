import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, it } from 'vitest';
import { formatCheckpoint } from './formatCheckpoint.js';
import { formatVerifierKey } from './formatVerifierKey.js';
import { hashLeaf } from './hashLeaf.js';
import { parseCheckpoint } from './parseCheckpoint.js';
import { parseSignedNote } from './parseSignedNote.js';
import { parseVerifierKey } from './parseVerifierKey.js';
import { signNote } from './signNote.js';
import { TransparencyError } from './TransparencyError.js';
import { verifyCheckpoint } from './verifyCheckpoint.js';
import { fuzzRuns, fuzzTarget } from '../../test/fuzzing.js';

/*
 * Fuzzing of the audit log's text formats: checkpoints, signed notes and verifier keys, as an
 * auditor reads them from a relay or a kept file. Inputs are character-level mutations of valid
 * texts and arbitrary strings; every one must parse or be refused with a TransparencyError, and a
 * changed signed checkpoint must never verify. FUZZ_SEED fixes the inputs (CI uses the default);
 * FUZZ_RUNS=200000 is the long local mode.
 */
const RUNS = fuzzRuns(3000);
const TIMEOUT_MS = 30_000 + RUNS * 5;

const transparencyCode = (error: unknown) =>
  error instanceof TransparencyError ? error.code : undefined;
const fuzz = <T>(target: string, input: fc.Arbitrary<T>, run: (value: T) => unknown) =>
  fuzzTarget({ target, input, run, codeOf: transparencyCode, runs: RUNS });

/** Characters that matter to these formats, beside arbitrary Unicode. */
const tricky = fc.constantFrom(
  '\n',
  '\n\n',
  '\r',
  ' ',
  '—',
  '+',
  '=',
  '/',
  '0',
  '-',
  '\u0000',
  '\u202e',
  '\ud800',
  '\u{1f600}',
  'A'.repeat(5000),
);

/** Character-level mutations: overwrite, insert, delete, truncate, duplicate a line. */
function mutatedText(samples: readonly string[]): fc.Arbitrary<string> {
  const piece = fc.oneof(tricky, fc.string({ maxLength: 8, unit: 'binary' }));
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), text: piece }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: piece }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(16) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  );
  const edited = fc
    .tuple(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 3 }))
    .map(([sample, edits]) => {
      let text = sample;
      for (const e of edits) {
        const at = text.length === 0 ? 0 : e.at % text.length;
        switch (e.kind) {
          case 'set':
            text = text.slice(0, at) + e.text + text.slice(at + 1);
            break;
          case 'insert':
            text = text.slice(0, at) + e.text + text.slice(at);
            break;
          case 'delete':
            text = text.slice(0, at) + text.slice(at + e.length);
            break;
          case 'truncate':
            text = text.slice(0, at);
            break;
          case 'duplicateLine': {
            const lines = text.split('\n');
            const index = e.at % lines.length;
            lines.splice(index, 0, lines[index] ?? '');
            text = lines.join('\n');
            break;
          }
        }
      }
      return text;
    });
  return fc.oneof(
    { arbitrary: edited, weight: 8 },
    { arbitrary: fc.string({ maxLength: 300, unit: 'binary' }), weight: 1 },
  );
}

describe('audit checkpoints and verifier keys under fuzzing', () => {
  const origin = 'vaultroom.example/audit';
  let signed: string;
  let verifierKey: string;

  beforeAll(async () => {
    await sodium.ready;
    const { privateKey, publicKey } = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
    verifierKey = formatVerifierKey(origin, publicKey);
    const body = formatCheckpoint({
      origin,
      size: 4242,
      rootHash: hashLeaf(new Uint8Array([1, 2, 3])),
      extensions: ['pruned 17'],
    });
    signed = signNote(body, { name: origin, secretKey: privateKey }, sodium);
  });

  it(
    'parseCheckpoint and parseSignedNote refuse mutated checkpoints with a code only',
    async () => {
      const body = signed.slice(0, signed.indexOf('\n\n') + 1);
      await fuzz('parseCheckpoint', mutatedText([body]), parseCheckpoint);
      await fuzz('parseSignedNote', mutatedText([signed]), parseSignedNote);
    },
    TIMEOUT_MS,
  );

  it(
    'verifyCheckpoint accepts only the untouched signed checkpoint',
    async () => {
      const verifier = parseVerifierKey(verifierKey);
      await fuzz('verifyCheckpoint', mutatedText([signed]), (text) => {
        const checkpoint = verifyCheckpoint(text, { origin, verifiers: [verifier] }, sodium);
        // A changed text may verify only if the change left the signed body intact (for example
        // an added unverified signature line): the tree head it states must be the signed one.
        if (formatCheckpoint(checkpoint) !== signed.slice(0, signed.indexOf('\n\n') + 1)) {
          throw new Error('a changed checkpoint verified');
        }
      });
    },
    TIMEOUT_MS,
  );

  it(
    'parseVerifierKey refuses mutated keys with a code only',
    async () => {
      await fuzz('parseVerifierKey', mutatedText([verifierKey]), parseVerifierKey);
    },
    TIMEOUT_MS,
  );
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { TransparencyError } from './TransparencyError.js';
import { verifyConsistency } from './verifyConsistency.js';
import { verifyInclusion } from './verifyInclusion.js';

// transparency-dev/merkle's RFC 6962 test data (see shared/test-vectors/rfc6962/SOURCE).
const root = fileURLToPath(new URL('../../test-vectors/rfc6962/', import.meta.url));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function load<T>(kind: string): [string, T][] {
  return jsonFiles(join(root, kind)).map((path) => [
    path.slice(root.length),
    JSON.parse(readFileSync(path, 'utf8')) as T,
  ]);
}

const inclusionCases = load<InclusionCase>('inclusion');
const consistencyCases = load<ConsistencyCase>('consistency');

function outcome(run: () => void, code: string): 'valid' | 'invalid' {
  try {
    run();
    return 'valid';
  } catch (error) {
    // Only the documented coded error counts as a refusal; anything else is a bug.
    expect(error).toBeInstanceOf(TransparencyError);
    expect((error as TransparencyError).code).toBe(code);
    return 'invalid';
  }
}

describe('transparency-dev/merkle RFC 6962 vectors', () => {
  it('has every case on disk, so an empty loop cannot pass', () => {
    expect(inclusionCases).toHaveLength(98);
    expect(consistencyCases).toHaveLength(98);
    expect(inclusionCases.filter(([, c]) => !c.wantErr)).toHaveLength(6);
    expect(consistencyCases.filter(([, c]) => !c.wantErr)).toHaveLength(6);
  });

  it.each(inclusionCases)('inclusion %s', (_path, c) => {
    const result = outcome(() => {
      verifyInclusion(
        bytes(c.leafHash),
        c.leafIdx,
        c.treeSize,
        (c.proof ?? []).map(bytes),
        bytes(c.root),
      );
    }, 'INCLUSION_PROOF_INVALID');
    expect(result).toBe(c.wantErr ? 'invalid' : 'valid');
  });

  it.each(consistencyCases)('consistency %s', (_path, c) => {
    const result = outcome(() => {
      verifyConsistency(
        c.size1,
        c.size2,
        (c.proof ?? []).map(bytes),
        bytes(c.root1),
        bytes(c.root2),
      );
    }, 'CONSISTENCY_PROOF_INVALID');
    expect(result).toBe(c.wantErr ? 'invalid' : 'valid');
  });
});

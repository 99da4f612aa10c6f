import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * SECURITY.md backs every claim with a test, cited as `path` › "title", "title"; "title". A test
 * renamed or removed would leave a claim that nothing checks, so this reads every citation and
 * looks for the file and the title in it. It lives in the relay's sources because the unit project
 * collects tests from there and the relay has Node's file APIs; it checks the whole repository.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** One citation: the file, and the title as SECURITY.md writes it (absent for a whole file). */
interface Citation {
  readonly path: string;
  readonly title?: string;
}

/** Every `path` and each quoted title after its ›, with line breaks inside a title folded. */
function citationsIn(markdown: string): Citation[] {
  const citations: Citation[] = [];
  const cited = /`((?:relay|shared|pwa|bench|scripts)\/[\w./-]+\.test\.tsx?)`(\s*›)?/g;
  for (const match of markdown.matchAll(cited)) {
    const path = match[1] ?? '';
    if (match[2] === undefined) {
      citations.push({ path });
      continue;
    }
    // Titles follow the › as "…" strings separated by commas or semicolons.
    const rest = markdown.slice(match.index + match[0].length);
    const titles = /^\s*"([^"]+)"((?:\s*[,;]\s*"[^"]+")*)/.exec(rest);
    if (titles === null) {
      citations.push({ path, title: '' });
      continue;
    }
    for (const quoted of titles[0].matchAll(/"([^"]+)"/g)) {
      citations.push({ path, title: (quoted[1] ?? '').replace(/\s+/g, ' ').trim() });
    }
  }
  return citations;
}

const modifiers = new Set(['only', 'skip', 'concurrent', 'sequential', 'fails', 'todo']);
const takesArguments = new Set(['each', 'for', 'skipIf', 'runIf']);

/** The index just past the bracket that closes the one at `open`, skipping string literals. */
function skipBalanced(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"' || c === '`') {
      i = endOfString(source, i) - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return source.length;
}

/** The index just past the string literal that starts at `start` (template substitutions kept whole). */
function endOfString(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (quote === '`' && c === '$' && source[i + 1] === '{')
      i = skipBalanced(source, i + 1) - 1;
    else if (c === quote) return i + 1;
  }
  return source.length;
}

/**
 * The titles of every it/test/describe call in a test file, as written in the source (escapes
 * undone, `${…}` kept), including it.each(…)('title %s') and chains such as it.skipIf(…).
 */
function testTitlesIn(source: string): string[] {
  const titles: string[] = [];
  for (const call of source.matchAll(/(?<![\w.$])(?:it|test|describe)\b/g)) {
    let i = call.index + call[0].length;
    for (;;) {
      const member = /^\.(\w+)/.exec(source.slice(i));
      if (member === null) break;
      const name = member[1] ?? '';
      if (modifiers.has(name)) {
        i += member[0].length;
      } else if (takesArguments.has(name)) {
        i += member[0].length;
        if (source[i] !== '(') break;
        i = skipBalanced(source, i);
      } else {
        i = -1;
        break;
      }
    }
    if (i < 0) continue;
    const open = /^\s*\(\s*/.exec(source.slice(i));
    if (open === null) continue;
    const start = i + open[0].length;
    const quote = source[start];
    if (quote !== "'" && quote !== '"' && quote !== '`') continue;
    const raw = source.slice(start + 1, endOfString(source, start) - 1);
    titles.push(raw.replace(/\\(.)/g, '$1').replace(/\s+/g, ' '));
  }
  return titles;
}

/** Whether a test title covers a cited one: equal, a %s/%d/${…} pattern, or a suffix after "…". */
function titleMatches(title: string, cited: string): boolean {
  if (title === cited) return true;
  if (cited.startsWith('…')) return title.endsWith(cited.slice(1).trimStart());
  const pattern = title
    .split(/(%[sdifjo#]|\$\{[^}]*\}|\$\w+)/)
    .map((part, index) => (index % 2 === 1 ? '.+?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(cited);
}

describe('SECURITY.md citations', () => {
  it('reads titles the way the test files write them', () => {
    const source = [
      "it('plain', () => {});",
      "describe.each([['a', 1]])('table %s', () => {});",
      "it.skipIf(process.env.CI)('skipped (sometimes)', () => {});",
      'it(`${n} devices: all`, () => {});',
      "it('an owner\\'s key', () => {});",
      'test.tcId;',
    ].join('\n');
    expect(testTitlesIn(source)).toEqual([
      'plain',
      'table %s',
      'skipped (sometimes)',
      '${n} devices: all',
      "an owner's key",
    ]);
    expect(titleMatches('accepts the suite %s', 'accepts the suite %s')).toBe(true);
    expect(titleMatches('accepts the suite %s', 'accepts the suite X25519')).toBe(true);
    expect(titleMatches('${n} devices: all', '… devices: all')).toBe(true);
    expect(titleMatches('plain', 'plainer')).toBe(false);
  });

  it('reads every citation form SECURITY.md uses', () => {
    const markdown = [
      '| [1] | x | `relay/test/a.test.ts` › "one", "two"; "three" |',
      'see `shared/src/b.test.ts`; and `pwa/e2e/c.test.ts` › "four\n  lines" and more',
    ].join('\n');
    expect(citationsIn(markdown)).toEqual([
      { path: 'relay/test/a.test.ts', title: 'one' },
      { path: 'relay/test/a.test.ts', title: 'two' },
      { path: 'relay/test/a.test.ts', title: 'three' },
      { path: 'shared/src/b.test.ts' },
      { path: 'pwa/e2e/c.test.ts', title: 'four lines' },
    ]);
  });

  it('names only test files that exist and test titles they contain', () => {
    const citations = citationsIn(readFileSync(`${root}SECURITY.md`, 'utf8'));
    expect(citations.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const { path, title } of citations) {
      if (!existsSync(`${root}${path}`)) {
        missing.push(`${path} (no such file)`);
        continue;
      }
      if (title === undefined) continue;
      const titles = testTitlesIn(readFileSync(`${root}${path}`, 'utf8'));
      if (!titles.some((candidate) => titleMatches(candidate, title))) {
        missing.push(`${path} › "${title}"`);
      }
    }
    expect(missing, `stale citations in SECURITY.md:\n${missing.join('\n')}`).toEqual([]);
  });
});

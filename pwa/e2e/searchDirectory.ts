import fs from 'node:fs';
import path from 'node:path';

/** One place a secret was found: the file, relative to the searched directory, and its form. */
export interface Finding {
  readonly file: string;
  readonly needle: string;
  readonly form: 'utf-8' | 'utf-16le' | 'utf-16be' | 'base64';
}

/**
 * The forms a string takes in files a browser writes: as UTF-8 (most stores), UTF-16LE (the
 * renderer's own strings, some session and LevelDB values), UTF-16BE (IndexedDB's key encoding)
 * and base64 at each of the three byte
 * alignments (data URLs, JSON-wrapped bytes). The base64 forms drop the characters that depend on
 * neighbouring bytes, so a match anywhere in a longer encoding is found.
 */
function formsOf(needle: string): { form: Finding['form']; bytes: Buffer }[] {
  const utf8 = Buffer.from(needle, 'utf8');
  const forms: { form: Finding['form']; bytes: Buffer }[] = [
    { form: 'utf-8', bytes: utf8 },
    { form: 'utf-16le', bytes: Buffer.from(needle, 'utf16le') },
    { form: 'utf-16be', bytes: Buffer.from(needle, 'utf16le').swap16() },
  ];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), utf8]).toString('base64');
    const start = Math.ceil((shift * 4) / 3) + (shift === 0 ? 0 : 1);
    const end = encoded.replace(/=+$/, '').length - 2;
    forms.push({ form: 'base64', bytes: Buffer.from(encoded.slice(start, end), 'ascii') });
  }
  return forms;
}

function filesUnder(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

/** Every file under `directory` that holds one of `needles` in any of its forms. */
export function searchDirectory(directory: string, needles: readonly string[]): Finding[] {
  const wanted = needles.flatMap((needle) => formsOf(needle).map((form) => ({ needle, ...form })));
  return filesUnder(directory).flatMap((file) => {
    const content = fs.readFileSync(file);
    const hits = wanted.filter(({ bytes }) => content.includes(bytes));
    // ASCII in UTF-16LE, one byte on, reads as UTF-16BE: a BE hit beside an LE one is the same.
    const littleEndian = new Set(hits.filter((h) => h.form === 'utf-16le').map((h) => h.needle));
    return hits
      .filter(({ needle, form }) => form !== 'utf-16be' || !littleEndian.has(needle))
      .map(({ needle, form }) => ({ file: path.relative(directory, file), needle, form }));
  });
}

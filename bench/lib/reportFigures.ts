import fs from 'node:fs';
import type { Figure } from './Figure.js';

const format = (value: number | undefined, unit = '') =>
  value === undefined || !Number.isFinite(value)
    ? ''
    : `${value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 2 })}${unit === '' ? '' : ` ${unit}`}`;

const verdict = (f: Figure) =>
  f.goal === undefined ? '' : f.met === undefined ? 'not judged' : f.met ? 'met' : 'NOT MET';

/** The figures as one aligned table, a line each, with every goal marked met or NOT MET. */
export function figureTable(figures: readonly Figure[]): string[] {
  const rows = figures.map((f) => [
    f.name,
    format(f.value, f.unit),
    f.baseline === undefined ? '' : `${format(f.baseline_value, f.unit)} ${f.baseline}`,
    f.ratio === undefined ? '' : `${format(f.ratio)}×`,
    f.goal ?? '',
    verdict(f),
  ]);
  const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'goal', ''];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** What every bench script ends with: its table, and its figures in `--json`'s file if asked. */
export function reportFigures(figures: readonly Figure[], json: string | null): void {
  for (const line of figureTable(figures)) console.log(line);
  if (json !== null) fs.writeFileSync(json, `${JSON.stringify({ figures }, null, 2)}\n`);
}

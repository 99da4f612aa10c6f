// Where the test time goes, read from the reports of Vitest's JSON reporter (one per project):
// each file's time is its `endTime - startTime` there (running its tests, not importing it).
import path from 'node:path';

/** "12.3 s", or "850 ms" under a second. */
export function formatDuration(ms) {
  return ms < 1000 ? `${String(Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The `count` slowest test files over every project's report, slowest first:
 * `{ project, file, ms }` with `file` relative to `root`.
 */
export function slowestFiles(reports, count = 10, root = process.cwd()) {
  const files = [];
  for (const { project, report } of reports) {
    for (const result of report.testResults ?? []) {
      const ms = (result.endTime ?? 0) - (result.startTime ?? 0);
      if (!Number.isFinite(ms) || ms < 0) continue;
      files.push({ project, file: path.relative(root, result.name), ms });
    }
  }
  return files.sort((a, b) => b.ms - a.ms).slice(0, count);
}

/** Lines to print: each project's wall time, then the slowest files. */
export function describeTestTimes(walls, reports, count = 10) {
  const total = walls.reduce((sum, wall) => sum + wall.ms, 0);
  const lines = [
    `Wall time: ${walls.map((wall) => `${wall.project} ${formatDuration(wall.ms)}`).join(', ')} (total ${formatDuration(total)})`,
  ];
  const slowest = slowestFiles(reports, count);
  if (slowest.length > 0) {
    lines.push(`Slowest ${String(slowest.length)} test files:`);
    const width = Math.max(...slowest.map((entry) => entry.project.length));
    for (const entry of slowest) {
      lines.push(
        `  ${formatDuration(entry.ms).padStart(8)}  ${entry.project.padEnd(width)}  ${entry.file}`,
      );
    }
  }
  return lines;
}

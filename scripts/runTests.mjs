// Runs the three test projects one after another (unit, then integration against real relays,
// then browser tests), so each gets the machine to itself. Ends with each project's wall time, the
// ten slowest test files, and one plain summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeTestTimes } from './testTimes.mjs';

const projects = ['unit', 'integration', 'browser'];
const artifacts = path.resolve('test-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;
const walls = [];
const reports = [];
for (const project of projects) {
  const results = path.join(artifacts, `results-${project}.json`);
  fs.rmSync(results, { force: true });
  const started = performance.now();
  const run = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${results}`,
    ],
    { stdio: 'inherit' },
  );
  walls.push({ project, ms: performance.now() - started });
  if (run.status !== 0) exitCode = run.status ?? 1;
  if (!fs.existsSync(results)) {
    failed += 1; // the runner itself failed before reporting
    continue;
  }
  const report = JSON.parse(fs.readFileSync(results, 'utf8'));
  reports.push({ project, report });
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
for (const line of describeTestTimes(walls, reports)) console.log(line);
if (passed === 0 && failed === 0) exitCode = exitCode || 1; // a run that tested nothing is a failure
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);

/**
 * `npm run bench`: runs every bench script as its own process, each with `--json <tmpfile>`
 * (and `--smoke` when given), merges their figures, prints one table with every goal marked met
 * or NOT MET, and with `--json <file>` writes `{"machine":{...},"figures":[...]}`.
 *
 *   npx tsx --conditions=source bench/run.ts [--smoke] [--json <file>]
 *
 * A script that fails makes the suite fail; a script that ran but wrote no figures is reported
 * as missing rather than stopping the others.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './lib/benchArgs.js';
import type { Figure, FigureFile } from './lib/Figure.js';
import { machineInfo } from './lib/machineInfo.js';
import { figureTable } from './lib/reportFigures.js';

const args = benchArgs();
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The suite, in order; a script that does not exist is reported as missing. */
const SCRIPTS = [
  { name: 'crypto', file: 'bench/crypto.ts' },
  { name: 'audit', file: 'bench/audit.ts' },
  { name: 'relay', file: 'bench/relay/relay.ts' },
  { name: 'cluster', file: 'bench/relay/cluster.ts' },
  { name: 'pwa', file: 'bench/pwa/pwa.ts' },
  { name: 'files', file: 'bench/files/files.ts' },
] as const;

/**
 * A guard against a hung script, not a budget: a full run takes a few minutes on a quiet machine
 * and several times that when other work shares the cores; smoke runs take seconds.
 */
const TIMEOUT_MS = args.smoke ? 120_000 : 900_000;

interface Outcome {
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'missing';
  readonly detail: string;
  readonly seconds: number;
  readonly figures: readonly Figure[];
}

function runScript(name: string, file: string): Promise<Outcome> {
  const script = path.join(ROOT, file);
  if (!fs.existsSync(script)) {
    return Promise.resolve({
      name,
      status: 'missing',
      detail: `${file} does not exist yet`,
      seconds: 0,
      figures: [],
    });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-'));
  const out = path.join(dir, `${name}.json`);
  const node = [
    process.execPath,
    '--import',
    'tsx',
    '--conditions=source',
    script,
    ...(args.smoke ? ['--smoke'] : []),
    '--json',
    out,
  ];
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const started = performance.now();
  process.stderr.write(`\n== ${name}: ${file}${args.smoke ? ' --smoke' : ''}\n`);
  return new Promise((resolve) => {
    // Thousands of sockets need thousands of descriptors: raise the soft limit to the hard one.
    const child = spawn(
      'bash',
      ['-c', `ulimit -n "$(ulimit -Hn)" && exec ${node.map(quote).join(' ')}`],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      let figures: readonly Figure[] = [];
      let written = false;
      try {
        figures = (JSON.parse(fs.readFileSync(out, 'utf8')) as FigureFile).figures;
        written = true;
      } catch {
        // No file (the script does not take --json yet) or an unreadable one: reported below.
      }
      fs.rmSync(dir, { recursive: true, force: true });
      const failed = code !== 0;
      resolve({
        name,
        status: failed ? 'failed' : written ? 'ok' : 'missing',
        detail: failed
          ? signal === null
            ? `exited with ${String(code)}`
            : `stopped by ${signal}${signal === 'SIGTERM' ? ` after ${TIMEOUT_MS / 1000} s` : ''}`
          : written
            ? `${figures.length} figures`
            : 'ran, but wrote no --json figures',
        seconds,
        figures,
      });
    });
  });
}

const outcomes: Outcome[] = [];
for (const { name, file } of SCRIPTS) outcomes.push(await runScript(name, file));
const figures = outcomes.flatMap((outcome) => outcome.figures);

// ---- the table ----------------------------------------------------------------------------------

const machine = machineInfo();
console.log(
  `\nVaultRoom benchmarks${args.smoke ? ' (smoke: checks the harness, judges nothing)' : ''}: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}, ${machine.date}`,
);
for (const line of figureTable(figures)) console.log(line);
console.log('');
for (const outcome of outcomes) {
  console.log(
    `${outcome.name.padEnd(8)} ${outcome.status.padEnd(8)} ${outcome.detail}${outcome.seconds > 0 ? `, ${Math.round(outcome.seconds)} s` : ''}`,
  );
}
const notMet = figures.filter((f) => f.met === false).map((f) => f.name);
if (notMet.length > 0) console.log(`goals NOT MET: ${notMet.join(', ')}`);

if (args.json !== null) {
  const missing = outcomes.filter((o) => o.status !== 'ok').map((o) => `${o.name}: ${o.detail}`);
  const record = { machine, figures, ...(missing.length > 0 ? { missing } : {}) };
  fs.writeFileSync(args.json, `${JSON.stringify(record, null, 2)}\n`);
}
// A missed goal is a finding, not a failure; a script that broke is.
if (outcomes.some((outcome) => outcome.status === 'failed')) process.exitCode = 1;

/**
 * Benchmark: how fast the CLI answers. `--help`, `validate`, `plan`, `kinds` and `schema` must
 * finish within 250 ms of wall time and `run` must reach its first step within 1 s (medians),
 * each measured against `node -e 0` in the same run, interleaved, so the ratio shows what
 * dr-drill adds to Node's own start. Warm figures use the compile cache that bin/dr-drill.js
 * enables; one cold run per command (an empty cache) is printed alongside, not asserted.
 *   npm run bench:cli          CLI_BENCH_RUNS=N (default 11) for more runs
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.CLI_BENCH_RUNS ?? 11);
const repo = fileURLToPath(new URL('..', import.meta.url));
const pinned = path.join(repo, 'node_modules/.bin/node');
const node = existsSync(pinned) ? pinned : process.execPath;
const bin = path.join(repo, 'bin/dr-drill.js');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-cli-bench-'));

interface Case {
  name: string;
  args: string[];
  targetMs: number;
  /** Stop the clock at this stdout text instead of the exit. */
  until?: string;
}

const cases: Case[] = [
  { name: '--help', args: ['--help'], targetMs: 250 },
  { name: 'validate', args: ['validate', 'drills/cold-start.yaml'], targetMs: 250 },
  { name: 'plan', args: ['plan', 'drills/cold-start.yaml', '--target', 'local'], targetMs: 250 },
  { name: 'kinds', args: ['kinds'], targetMs: 250 },
  { name: 'schema', args: ['schema'], targetMs: 250 },
  { name: 'run (first step)', args: ['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', path.join(scratch, 'run')], targetMs: 1000, until: '▶ ' },
];

/** Wall time of one start: to the exit, or to the first stdout containing `until`. */
function timeOnce(args: string[], options: { until?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let stopped: number | undefined;
    let stdout = '';
    const child = spawn(node, args, { cwd: repo, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.until && stopped === undefined && stdout.includes(options.until)) stopped = performance.now();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const end = stopped ?? performance.now();
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`));
      else if (options.until && stopped === undefined) reject(new Error(`${args.join(' ')} never printed "${options.until}"`));
      else resolve(end - started);
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rows: { command: string; medianMs: number; nodeMedianMs: number; ratio: number; coldMs: number; targetMs: number; met: boolean }[] = [];
try {
  for (const benchCase of cases) {
    const cold = await timeOnce([bin, ...benchCase.args], { ...(benchCase.until ? { until: benchCase.until } : {}), env: { NODE_COMPILE_CACHE: path.join(scratch, `cache-${rows.length}`) } });
    await timeOnce([bin, ...benchCase.args], benchCase.until ? { until: benchCase.until } : {});
    const times: number[] = [];
    const baseline: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      baseline.push(await timeOnce(['-e', '0']));
      times.push(await timeOnce([bin, ...benchCase.args], benchCase.until ? { until: benchCase.until } : {}));
    }
    const medianMs = median(times);
    const nodeMedianMs = median(baseline);
    rows.push({ command: benchCase.name, medianMs: Math.round(medianMs), nodeMedianMs: Math.round(nodeMedianMs), ratio: Math.round((medianMs / nodeMedianMs) * 10) / 10, coldMs: Math.round(cold), targetMs: benchCase.targetMs, met: medianMs <= benchCase.targetMs });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log(`dr-drill start-up, ${RUNS} runs each, median wall time (node ${node === pinned ? 'from node_modules' : process.version}, load ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} cores)`);
console.log(`${'command'.padEnd(18)} ${'median'.padStart(8)} ${'node -e 0'.padStart(10)} ${'ratio'.padStart(6)} ${'cold'.padStart(7)} ${'target'.padStart(7)}`);
for (const row of rows) {
  console.log(`${row.command.padEnd(18)} ${`${row.medianMs} ms`.padStart(8)} ${`${row.nodeMedianMs} ms`.padStart(10)} ${`${row.ratio}x`.padStart(6)} ${`${row.coldMs} ms`.padStart(7)} ${`${row.targetMs} ms`.padStart(7)} ${row.met ? 'ok' : 'TOO SLOW'}`);
}
const slow = rows.filter((row) => !row.met);
if (slow.length > 0) {
  console.error(`over target: ${slow.map((row) => `${row.command} ${row.medianMs} ms > ${row.targetMs} ms`).join(', ')}`);
  process.exit(1);
}

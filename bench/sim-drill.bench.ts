/**
 * Benchmark: the README's drill command (cold-start on the simulated target, default time scale)
 * must finish in under 30 s of wall time. Prints wall time and peak RSS per run.
 *   npm run bench
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_MS = 30_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const repo = fileURLToPath(new URL('..', import.meta.url));
const results: { wallMs: number; maxRssMb: number; exitCode: number | null }[] = [];

for (let run = 0; run < RUNS; run++) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-bench-'));
  const started = performance.now();
  // GNU time reports the child's peak RSS; fall back to wall time only without it.
  const drill = [process.execPath, 'bin/dr-drill.js', 'run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out];
  const [command, ...args] = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M', ...drill] : drill;
  const child = spawnSync(command!, args, { cwd: repo, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  const rssKb = Number(child.stderr?.trim().split('\n').at(-1));
  results.push({ wallMs: Math.round(wallMs), maxRssMb: Number.isFinite(rssKb) ? Math.round(rssKb / 1024) : Number.NaN, exitCode: child.status });
}

const worst = Math.max(...results.map((result) => result.wallMs));
console.log(JSON.stringify({ benchmark: 'sim cold-start drill', targetMs: TARGET_MS, runs: results, worstMs: worst }, null, 2));
if (results.some((result) => result.exitCode !== 0)) {
  console.error('a drill run did not pass');
  process.exit(1);
}
if (worst > TARGET_MS) {
  console.error(`slowest run ${worst} ms exceeds the ${TARGET_MS} ms target`);
  process.exit(1);
}

/**
 * Benchmark: the README's drill command (cold-start on the simulated target) must finish in under
 * 3 s of wall time, and every run must report exactly the same figures (the virtual clock makes
 * them independent of speed and load). Prints wall time and peak RSS per run.
 *   npm run bench            (BENCH_RUNS=5 by default)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_MS = 3_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const repo = fileURLToPath(new URL('..', import.meta.url));
const results: { wallMs: number; maxRssMb: number; exitCode: number | null; figures: string }[] = [];

for (let run = 0; run < RUNS; run++) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-bench-'));
  const started = performance.now();
  // GNU time reports the child's peak RSS; fall back to wall time only without it.
  const drill = [process.execPath, 'bin/dr-drill.js', 'run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out];
  const [command, ...args] = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M', ...drill] : drill;
  const child = spawnSync(command!, args, { cwd: repo, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  const rssKb = Number(child.stderr?.trim().split('\n').at(-1));
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
  const figures = JSON.stringify({
    durationMs: result.run.durationMs,
    rto: result.milestones.map((milestone: { name: string; rtoMs?: number }) => [milestone.name, milestone.rtoMs]),
    rpo: result.rpo.map((rpo: { dataClass: string; achievedMs?: number }) => [rpo.dataClass, rpo.achievedMs]),
    steps: result.steps.map((step: { id: string; startMs?: number; durationMs?: number }) => [step.id, step.startMs, step.durationMs]),
  });
  results.push({ wallMs: Math.round(wallMs), maxRssMb: Number.isFinite(rssKb) ? Math.round(rssKb / 1024) : Number.NaN, exitCode: child.status, figures });
}

const worst = Math.max(...results.map((result) => result.wallMs));
const identical = results.every((result) => result.figures === results[0]!.figures);
console.log(JSON.stringify({ benchmark: 'sim cold-start drill', targetMs: TARGET_MS, runs: results.map(({ figures, ...rest }) => rest), worstMs: worst, identicalFigures: identical, figures: JSON.parse(results[0]!.figures) }, null, 2));
if (results.some((result) => result.exitCode !== 0)) {
  console.error('a drill run did not pass');
  process.exit(1);
}
if (!identical) {
  console.error('the runs reported different figures');
  process.exit(1);
}
if (worst > TARGET_MS) {
  console.error(`slowest run ${worst} ms exceeds the ${TARGET_MS} ms target`);
  process.exit(1);
}

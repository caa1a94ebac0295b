/**
 * Benchmark: with the binaries cached (npm run build:test-infra), the local cluster (kwok control
 * plane, fake node, CRDs, Git server, real Flux controllers, Flux bootstrapped) must start in
 * under a minute; and the whole cold-start drill on the local target is timed alongside.
 *   npm run bench:local
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '../src/cluster/local/index.ts';

const START_TARGET_MS = 60_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const repo = fileURLToPath(new URL('..', import.meta.url));

const starts: { totalMs: number; phases: Record<string, number>; stopMs: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const cluster = await startLocalCluster({ registerExitHandlers: true });
  const totalMs = Math.round(performance.now() - started);
  const stopping = performance.now();
  await cluster.stop();
  starts.push({ totalMs, phases: cluster.timings, stopMs: Math.round(performance.now() - stopping) });
}

const out = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-bench-'));
const drillStarted = performance.now();
const drill = spawnSync(process.execPath, ['bin/dr-drill.js', 'run', 'drills/cold-start.yaml', '--target', 'local', '--out', out], { cwd: repo, encoding: 'utf8' });
const drillMs = Math.round(performance.now() - drillStarted);
rmSync(out, { recursive: true, force: true });

const worst = Math.max(...starts.map((start) => start.totalMs));
console.log(JSON.stringify({ benchmark: 'local cluster start (cached binaries)', targetMs: START_TARGET_MS, starts, worstMs: worst, coldStartDrillOnLocal: { wallMs: drillMs, exitCode: drill.status } }, null, 2));
if (drill.status !== 0) {
  console.error(`the local cold-start drill exited ${drill.status}:\n${drill.stdout.slice(-3000)}`);
  process.exit(1);
}
if (worst > START_TARGET_MS) {
  console.error(`slowest start ${worst} ms exceeds the ${START_TARGET_MS} ms target`);
  process.exit(1);
}

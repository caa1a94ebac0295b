/**
 * Benchmark: `dr-drill validate` of generated drills with 1,000 and 10,000 steps (10 steps a
 * phase, each phase after the one before, every step using a variable): wall time and peak RSS.
 * Targets: 10,000 steps in under 2 s and 300 MB.
 *   npm run bench:validate
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-bench-validate-'));
const TARGET = { steps: 10_000, wallMs: 2_000, rssMb: 300 };

function drill(steps: number): string {
  const lines = ['apiVersion: dr-drill.io/v1', 'kind: Drill', 'name: big', 'scenario: cold-start', 'variables:', '  X: hello', 'phases:'];
  for (let phase = 0; phase < steps / 10; phase++) {
    lines.push(`  - name: p${phase}`, '    steps:');
    for (let step = 0; step < 10; step++) lines.push(`      - { id: s${phase}-${step}, kind: command, timeout: 5m, with: { run: [echo, "\${vars.X}"] } }`);
  }
  return `${lines.join('\n')}\n`;
}

const results = [1_000, 10_000].map((steps) => {
  const file = path.join(dir, `drill-${steps}.yaml`);
  writeFileSync(file, drill(steps));
  const command = [process.execPath, 'bin/dr-drill.js', 'validate', file];
  const [program, ...args] = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M', ...command] : command;
  const started = performance.now();
  const child = spawnSync(program!, args, { cwd: repo, encoding: 'utf8' });
  const wallMs = Math.round(performance.now() - started);
  const rssMb = Math.round(Number(child.stderr.trim().split('\n').at(-1)) / 1024);
  return { steps, exitCode: child.status, wallMs, rssMb };
});
console.log(JSON.stringify({ benchmark: 'dr-drill validate', target: TARGET, results }, null, 2));
const big = results.find((result) => result.steps === TARGET.steps)!;
if (results.some((result) => result.exitCode !== 0)) process.exit(1);
if (big.wallMs > TARGET.wallMs || (Number.isFinite(big.rssMb) && big.rssMb > TARGET.rssMb)) {
  console.error(`10,000 steps: ${big.wallMs} ms, ${big.rssMb} MB; target ${TARGET.wallMs} ms, ${TARGET.rssMb} MB`);
  process.exit(1);
}

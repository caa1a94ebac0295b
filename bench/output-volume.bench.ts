/**
 * Benchmark: a step printing 200 MB and a step printing one 32 MB line, through the real CLI on
 * a real shell. Prints the CLI's peak RSS, wall time and the sizes of the step logs and
 * result.json; the log cap (DR_DRILL_LOG_CAP, default 1 MiB per command) bounds the artifacts.
 *   npm run bench:output
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const MB = 1e6;
/** Peak RSS as the CLI process itself sees it, written when it exits. */
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS_KB='+process.resourceUsage().maxRSS+'\\n'))`;

const cases = [
  { name: '200 MB in lines', script: "const l='x'.repeat(99)+'\\n';const b=l.repeat(10000);for(let i=0;i<200;i++)process.stdout.write(b)" },
  { name: 'one 32 MB line', script: "process.stdout.write('y'.repeat(32*1024*1024)+'\\n')" },
];

const dir = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-bench-output-'));
for (const benchCase of cases) {
  const drill = path.join(dir, `${benchCase.name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(
    drill,
    `apiVersion: dr-drill.io/v1\nkind: Drill\nname: output-volume\nscenario: cold-start\ntarget: kubeconfig\nphases:\n  - name: print\n    steps:\n      - id: print\n        kind: command\n        timeout: 10m\n        with: { run: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(benchCase.script)}] }\n`,
  );
  const out = path.join(dir, `out-${cases.indexOf(benchCase)}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_RSS, 'bin/dr-drill.js', 'run', drill, '--out', out, '--skip-preflight'], { cwd: repo, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallS = (performance.now() - started) / 1000;
  const rssMb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1]) / 1024;
  const size = (file: string) => statSync(path.join(out, file)).size / MB;
  const logs = readdirSync(path.join(out, 'logs')).map((file) => `${file} ${size(path.join('logs', file)).toFixed(2)} MB`);
  console.log(`${benchCase.name}: exit ${code}, ${wallS.toFixed(1)} s, peak RSS ${rssMb.toFixed(0)} MB, result.json ${size('result.json').toFixed(3)} MB, ${logs.join(', ')}`);
  if (code !== 0) console.log(stderr.slice(-2000));
}

/** The console output of `dr-drill run` ends with the RTO/RPO table against the objectives: green, red and cancelled runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { DrillResult } from '../../../src/result/model.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const FIGURE = String.raw`\d+(h \d\dm \d\d|m \d\d|)(\.\d{3})?s|\d+ms`;

/** The lines after the `reports:` line: the table, and nothing after it. */
function tail(stdout: string): string[] {
  const lines = stdout.trimEnd().split('\n');
  return lines.slice(lines.findIndex((line) => line.startsWith('reports: ')) + 1);
}

test('a green run ends with the table: every milestone and data class, achieved against the objective', async () => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const table = tail(run.stdout);
  assert.deepEqual(table.slice(0, 2), ['RTO/RPO against the objectives (drill passed):', '  figure              achieved        objective    verdict']);
  assert.match(table[2]!, /^ {2}-{18} {2}-{14} {2}-{11} {2}-{7}$/);
  assert.deepEqual(table.slice(3), ['  RTO control-plane   17m 50s         4h 00m 00s   met', '  RTO critical-apps   1h 08m 05.450s  8h 00m 00s   met', '  RPO data            5h 11m 00s      24h 00m 00s  met', '  RPO cluster-config  0ms             1h 00m 00s   met']);
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  assert.equal(table.length, 3 + result.milestones.length + result.rpo.length);
});

test('a red run ends with the table too: what was not reached or restored, and why', async () => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, '--fault', 'velero-restore=fail']);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const table = tail(run.stdout);
  assert.equal(table[0], 'RTO/RPO against the objectives (drill failed):');
  assert.match(table.at(-4)!, new RegExp(`^ {2}RTO control-plane +(${FIGURE}) +4h 00m 00s +met$`));
  assert.match(table.at(-3)!, /^ {2}RTO critical-apps +not reached +8h 00m 00s +not reached \(paperless-check was skipped, .*\)$/);
  assert.match(table.at(-2)!, /^ {2}RPO data +not restored +24h 00m 00s +not reached \(not restored: velero-restore failed\)$/);
  assert.match(table.at(-1)!, new RegExp(`^ {2}RPO cluster-config +(${FIGURE}) +1h 00m 00s +met$`));
});

test('a cancelled run ends with the table: nothing reached is shown as not reached', async () => {
  const dir = await tempDir('dr-drill-cancel-');
  // terraform-apply hangs (its timeout raised to a day) until the run is cancelled.
  const drill = (await readFile(path.join(REPO, 'drills/cold-start.yaml'), 'utf8')).replace(/(- id: terraform-apply\n\s+kind: terraform.apply\n\s+timeout: )45m/, '$124h');
  assert.match(drill, /timeout: 24h/);
  await writeFile(path.join(dir, 'hanging.yaml'), drill);
  await cp(path.join(REPO, 'drills/scripts'), path.join(dir, 'scripts'), { recursive: true });
  const cancel = new AbortController();
  const lines: string[] = [];
  const code = await main(['run', path.join(dir, 'hanging.yaml'), '--target', 'sim', '--out', path.join(dir, 'reports'), '--fault', 'terraform-apply=hang', '--time-scale', '600'], {
    stdout: (text) => {
      lines.push(text);
      if (text.includes('▶ terraform-apply')) cancel.abort();
    },
    stderr: () => undefined,
    env: {},
    cancelSignal: cancel.signal,
  });
  assert.equal(code, 130, lines.join('\n'));
  const table = tail(lines.join('\n'));
  assert.equal(table[0], 'RTO/RPO against the objectives (drill cancelled):');
  assert.match(table.at(-4)!, /^ {2}RTO control-plane +not reached +4h 00m 00s +not reached \(talos-health did not run, flux-bootstrap did not run\)$/);
  assert.match(table.at(-2)!, /^ {2}RPO data +not restored +24h 00m 00s +not reached/);
});

test('a milestone measured from a step says so in the achieved column', async () => {
  const { figuresTable } = await import('../../../src/cli/figures-table.ts');
  const table = figuresTable({
    status: 'passed',
    milestones: [{ name: 'recovered', after: ['flux-apps'], reached: true, from: 'bad-commit', fromMs: 60_000, rtoMs: 125_000, objectiveMs: 600_000, verdict: 'met', criticalPath: [] }],
    rpo: [{ dataClass: 'data', verdict: 'no-objective', achievedMs: 1000, samples: [] }],
  });
  assert.deepEqual(table.slice(3), ['  RTO recovered  2m 05s from bad-commit  10m 00s    met', '  RPO data       1s                      —          no objective']);
});

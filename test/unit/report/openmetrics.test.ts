import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { readResult } from '../../../src/result/io.ts';
import { labelValue, renderOpenMetrics } from '../../../src/report/openmetrics.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { requirePythonPackage } from '../../helpers/tools.ts';

/** The OpenMetrics reference parser: prometheus_client pip-installed from PyPI into a cached venv on first use. */
const parser = await requirePythonPackage('prometheus-client');
const PYTHON = parser.python;

async function drill(args: string[]) {
  const out = await tempDir('dr-drill-om-');
  await main(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out, ...args], { stdout: () => undefined, stderr: () => undefined, env: {} });
  return { out, result: await readResult(path.join(out, 'result.json')), text: await readFile(path.join(out, 'metrics.txt'), 'utf8') };
}

const failedRun = drill(['--fault', 'velero-restore=slow']);

test('metrics.txt is written with the other reports and has RTO, RPO and the objectives', async () => {
  const { result, text } = await failedRun;
  assert.equal(text, renderOpenMetrics(result));
  const cp = result.milestones.find((m) => m.name === 'control-plane')!;
  const lines = text.split('\n');
  assert.ok(lines.includes(`dr_drill_rto_seconds{drill="cold-start",target="sim",milestone="control-plane"} ${Math.ceil(cp.rtoMs!) / 1000}`));
  assert.ok(lines.includes('dr_drill_rto_objective_seconds{drill="cold-start",target="sim",milestone="critical-apps"} 28800'));
  assert.ok(lines.includes('dr_drill_milestone_reached{drill="cold-start",target="sim",milestone="critical-apps"} 0'));
  assert.ok(lines.some((line) => line.startsWith('dr_drill_rto_seconds{') && line.includes('critical-apps') && line.endsWith(' NaN')), 'a milestone not reached stays, as NaN');
  assert.ok(lines.includes('dr_drill_rpo_objective_seconds{drill="cold-start",target="sim",data_class="data"} 86400'));
  assert.ok(lines.includes(`dr_drill_status{drill="cold-start",target="sim",dr_drill_status="${result.status}"} 1`));
  assert.ok(lines.includes('dr_drill_objective_met{drill="cold-start",target="sim",objective="rto_critical-apps"} 0'));
  assert.equal(lines.at(-2), '# EOF');
});

test('the OpenMetrics reference parser (prometheus_client) accepts metrics.txt', { skip: parser.skip }, async () => {
  const { out } = await failedRun;
  const script = [
    'import sys',
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse',
    'for family in parse(open(sys.argv[1]).read()):',
    '    print(family.name, family.type, family.unit or "-", len(family.samples))',
  ].join('\n');
  const summary = execFileSync(PYTHON, ['-c', script, path.join(out, 'metrics.txt')], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(summary, [
    'dr_drill_status stateset - 4',
    'dr_drill_duration_seconds gauge seconds 1',
    // critical-apps was not reached: its sample is NaN, so the metric stays (GitLab's widget would say REMOVED otherwise).
    'dr_drill_rto_seconds gauge seconds 2',
    'dr_drill_rto_objective_seconds gauge seconds 2',
    'dr_drill_milestone_reached gauge - 2',
    // the data restore failed: its sample is NaN (not restored), never a figure
    'dr_drill_rpo_seconds gauge seconds 2',
    'dr_drill_rpo_objective_seconds gauge seconds 2',
    'dr_drill_objective_met gauge - 4',
    'dr_drill_steps_failed gauge - 1',
  ]);
  // The same parser rejects a file without the final # EOF, so this check can fail.
  const broken = spawnSync(PYTHON, ['-c', 'import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as p\nlist(p(sys.stdin.read()))'], { input: 'x 1\n' });
  assert.notEqual(broken.status, 0);
});

test('every sample survives GitLab\'s metrics parser (comments stripped, shell-split, name and value)', async () => {
  const { text } = await failedRun;
  for (const line of text.split('\n')) {
    const stripped = line.replace(/#.*$/, '').trim();
    if (!stripped) continue;
    const words = stripped.split(/\s+/);
    assert.equal(words.length, 2, `one name and one value: ${line}`);
    assert.match(words[1]!, /^(-?\d+(\.\d+)?|NaN)$/);
  }
  assert.equal(labelValue('paperless data#1 "x"'), 'paperless_data_1__x_');
});

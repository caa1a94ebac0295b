/** A failed teardown says why and how to finish it; a red run's metrics keep every milestone and class (NaN), through the real CLI on sim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { githubAnnotations } from '../../../src/ci/github.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

async function drill(fault: string) {
  const out = await tempDir();
  await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, '--fault', fault], { env: { DR_DRILL_RUN_ID: 'gh-77-1' } });
  return { out, result: JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult };
}

test('a failed teardown summary gives the cause and the exact dr-drill teardown command for the run; the annotation too', async () => {
  const { out, result } = await drill('terraform-destroy=fail');
  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  const destroy = result.steps.find((step) => step.id === 'terraform-destroy')!;
  assert.match(summary, /### ⚠️ Teardown failed: drill resources may be left behind/);
  assert.ok(summary.includes(`- **terraform-destroy** failed: ${destroy.error!.message}`), summary);
  assert.ok(summary.includes('```sh\nnpx dr-drill teardown drills/cold-start.yaml --run-id gh-77-1 --target sim\n```'), summary);
  assert.ok(githubAnnotations(result).some((a) => a.message.endsWith('resources may be left behind: npx dr-drill teardown drills/cold-start.yaml --run-id gh-77-1 --target sim')));
});

test('a green run has no teardown section', async () => {
  const { out } = await drill('paperless-check=slow');
  assert.doesNotMatch(await readFile(path.join(out, 'summary.md'), 'utf8'), /Teardown failed/);
});

test('in a red run the not-reached milestone and the not-restored class stay in metrics.txt as NaN', async () => {
  const { out } = await drill('velero-restore=fail');
  const metrics = await readFile(path.join(out, 'metrics.txt'), 'utf8');
  assert.match(metrics, /^dr_drill_rto_seconds\{drill="cold-start",target="sim",milestone="critical-apps"\} NaN$/m);
  assert.match(metrics, /^dr_drill_rto_seconds\{drill="cold-start",target="sim",milestone="control-plane"\} [\d.]+$/m);
  assert.match(metrics, /^dr_drill_rpo_seconds\{drill="cold-start",target="sim",data_class="data"\} NaN$/m);
  assert.match(metrics, /^dr_drill_milestone_reached\{drill="cold-start",target="sim",milestone="critical-apps"\} 0$/m);
});

/**
 * junit.xml as GitLab, dorny/test-reporter and mikepenz/action-junit-report read it, for a green,
 * a red and a failed-teardown run of the real CLI on sim: totals equal the drill's time, failure
 * and skip text present, phase order kept, RTO/RPO figures shown, annotations on the step's line.
 * The consumers' parsing rules are reproduced in test/helpers/junit-consumers.ts (see there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { formatDuration } from '../../../src/util/duration.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { dorny, gitlab, mikepenz } from '../../helpers/junit-consumers.ts';

const tracked = execFileSync('git', ['ls-files'], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean);

async function drill(...faults: string[]): Promise<{ result: DrillResult; xml: string; file: string }> {
  const out = await tempDir();
  await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, ...faults.flatMap((fault) => ['--fault', fault])]);
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  const file = path.join(out, 'junit.xml');
  return { result, xml: await readFile(file, 'utf8'), file };
}

const runs = {
  green: drill(),
  red: drill('velero-restore=fail'),
  'failed teardown': drill('terraform-destroy=fail'),
};

const closeTo = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 0.0005, `${what}: ${actual} != ${expected}`);

for (const [label, pending] of Object.entries(runs)) {
  test(`GitLab (${label}): total time is the drill's, failure and skip text are the element bodies, every step case names the drill file`, async () => {
    const { result, xml } = await pending;
    const report = gitlab(xml);
    closeTo(report.totalTime, result.run.durationMs / 1000, 'testsuites time');
    closeTo(report.cases.reduce((sum, c) => sum + c.executionTime, 0), result.run.durationMs / 1000, 'sum of testcase times');
    for (const c of report.cases) assert.doesNotMatch(c.systemOutput ?? '', /=>/, `${c.name} shows a Ruby Hash: ${c.systemOutput}`);
    for (const step of result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out')) {
      const c = report.cases.find((item) => item.name === `${step.name} [${step.kind}]`)!;
      assert.equal(c.status, 'failed');
      assert.ok(c.systemOutput!.includes(step.error!.message), c.systemOutput);
      assert.match(c.attachment ?? '', /logs\//);
    }
    for (const step of result.steps.filter((s) => s.status === 'skipped' || s.status === 'not-run')) {
      const c = report.cases.find((item) => item.name.startsWith(`${step.name} [${step.kind}] (`))!;
      assert.equal(c.status, 'skipped');
      assert.ok(c.systemOutput!.includes(step.reason!), `${c.name}: ${c.systemOutput}`);
    }
    for (const step of result.steps) assert.equal(report.cases.find((c) => c.name.startsWith(`${step.name} [${step.kind}]`))!.file, 'drills/cold-start.yaml');
  });

  test(`dorny/test-reporter (${label}): run time is the drill's, phases stay in order after its sort, annotations on the step's line, RTO/RPO and skip reasons shown`, async () => {
    const { result, xml, file } = await pending;
    const report = await dorny(path.relative(REPO, file), xml, tracked);
    closeTo(report.timeMs / 1000, result.run.durationMs / 1000, 'run time');
    closeTo(report.suites.reduce((sum, suite) => sum + suite.timeMs, 0) / 1000, result.run.durationMs / 1000, 'sum of suite times');
    assert.deepEqual(report.suites.map((suite) => suite.name.replace(/^cold-start \/ \d+ /, '')), [...result.phases.map((phase) => phase.name), 'objectives']);
    const failed = result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out');
    assert.equal(report.annotations.filter((a) => a.path === 'drills/cold-start.yaml' && failed.some((s) => s.location!.line === a.start_line)).length, failed.length, JSON.stringify(report.annotations));
    for (const step of failed) assert.ok(report.lines.some((line) => line.includes(step.error!.message)), `${step.id} failure text`);
    for (const step of result.steps.filter((s) => s.status === 'skipped')) assert.ok(report.lines.some((line) => line.includes(step.id) && line.includes(step.reason!)), `${step.id} skip reason`);
    for (const rpo of result.rpo) assert.ok(report.lines.some((line) => line.includes(`RPO ${rpo.dataClass}: ${rpo.achievedMs === undefined ? 'not' : formatDuration(rpo.achievedMs)}`)), `RPO ${rpo.dataClass} in ${report.lines.join('\n')}`);
    for (const milestone of result.milestones) assert.ok(report.lines.some((line) => line.includes(`RTO ${milestone.name}: `)));
  });

  test(`mikepenz/action-junit-report (${label}): summed time is the drill's, failures annotated at the drill file and the step's line, skip reasons and RPO in what it shows`, async () => {
    const { result, xml } = await pending;
    const report = mikepenz(xml, REPO);
    closeTo(report.time, result.run.durationMs / 1000, 'summed time');
    const failedSteps = result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out');
    const failures = report.testResults.flatMap((suite) => suite.annotations).filter((a) => a.status === 'failure');
    for (const step of failedSteps) {
      const annotation = failures.find((a) => a.title.includes(step.name))!;
      assert.equal(annotation.path, 'drills/cold-start.yaml');
      assert.equal(annotation.start_line, step.location!.line);
      assert.ok(annotation.message.includes(step.error!.message));
    }
    const all = report.testResults.flatMap((suite) => suite.annotations);
    for (const step of result.steps.filter((s) => s.status === 'skipped')) assert.ok(all.some((a) => a.status === 'skipped' && a.title.includes(step.reason!)), `${step.id} skip reason`);
    for (const rpo of result.rpo) assert.ok(all.some((a) => a.title.includes(`RPO ${rpo.dataClass}: `)));
    assert.equal(report.failedCount, failedSteps.length + [...result.milestones, ...result.rpo].filter((item) => ['missed', 'not-reached', 'not-measured'].includes(item.verdict)).length);
  });
}

test('the red run has what each consumer needs: a failed restore, skipped checks, a missed objective', async () => {
  const { result } = await runs.red;
  assert.equal(result.steps.find((s) => s.id === 'velero-restore')!.status, 'failed');
  assert.ok(result.steps.some((s) => s.status === 'skipped'));
  assert.ok(result.phases.some((a) => result.phases.some((b) => a !== b && a.startMs === b.startMs)), 'parallel phases');
  const teardown = await runs['failed teardown'];
  assert.equal(teardown.result.steps.find((s) => s.id === 'terraform-destroy')!.status, 'failed');
});

test('the GitLab reproduction shows the Ruby Hash for an attribute-only failure, so the check above can fail', () => {
  const report = gitlab('<testsuites><testsuite name="s"><testcase classname="c" name="n" time="1"><failure message="failed: x" type="ESTEPFAILED"/></testcase></testsuite></testsuites>');
  assert.equal(report.cases[0]!.systemOutput, '{"message"=>"failed: x", "type"=>"ESTEPFAILED"}');
});

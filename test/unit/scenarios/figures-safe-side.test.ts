// Figures that can only err on the safe side, on the sim target with hand-computed numbers:
// backups made after T0 are skipped (named) and the older one is used; a failed restore gives
// "not restored", never met; milestones with steps that did not pass or are not applicable are
// never met; every report says the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { simTargetSchema } from '../../../src/drill/schema.ts';
import type { StepRegistry } from '../../../src/drill/plan.ts';
import { runEngine } from '../../../src/engine/run.ts';
import { buildResult } from '../../../src/measure/build-result.ts';
import { renderJunit } from '../../../src/report/junit.ts';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { renderOpenMetrics } from '../../../src/report/openmetrics.ts';
import { renderTrendMarkdown, trendSeries } from '../../../src/report/trend.ts';
import { summaryLines } from '../../../src/report/figures.ts';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { defineStep, type StepKind } from '../../../src/contract/step.ts';
import { createSimTarget } from '../../../src/targets/sim/target.ts';
import type { Fault } from '../../../src/targets/sim/world.ts';
import { parseDuration } from '../../../src/util/duration.ts';
import { Masker } from '../../../src/util/mask.ts';
import restoreGitlabDatabase from '../../../drills/scripts/gitlab-database-restore.ts';
import type { ScriptContext } from '../../../src/steps/script/run.ts';
import { drillYaml, planFrom } from '../../helpers/drill-fixtures.ts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const iso = (offset: string) => new Date(T0 + (offset.startsWith('-') ? -parseDuration(offset.slice(1)) : parseDuration(offset))).toISOString();

/** Stages the Velero backups of the fixture, dated from T0: production's history, and backups it went on making during the drill. */
const stageBackups = defineStep({
  kind: 'test.velero-backups',
  summary: 'replace the simulated Velero backups by the given ones',
  inputs: z.strictObject({ backups: z.array(z.strictObject({ name: z.string(), start: z.string(), end: z.string(), phase: z.string() })) }),
  async run(context, input) {
    const cluster = await context.cluster();
    for (const backup of (await cluster.list('velero.io/v1', 'Backup', { namespace: 'velero' })).items) {
      await cluster.delete({ apiVersion: 'velero.io/v1', kind: 'Backup', namespace: 'velero', name: backup.metadata.name });
    }
    for (const backup of input.backups) {
      await cluster.create({
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: backup.name, namespace: 'velero', labels: { 'velero.io/schedule-name': 'daily' } },
        spec: { includedNamespaces: ['paperless'], storageLocation: 'default' },
        status: { phase: backup.phase, startTimestamp: iso(backup.start), completionTimestamp: iso(backup.end) },
      });
    }
  },
});
const registry: StepRegistry = new Map<string, StepKind>([...stepRegistry, ['test.velero-backups', stageBackups as unknown as StepKind]]);

const DRILL = drillYaml(`target: sim
targets:
  sim: { cluster: existing, timeScale: 6000 }
objectives:
  rto: { restored: 8h }
  rpo: { data: 24h }
milestones:
  restored: { after: [velero-restore] }
phases:
  - name: history
    steps:
      - id: backups
        kind: test.velero-backups
        with:
          backups:
            - { name: daily-1124, start: -29h, end: -28h50m, phase: Completed }
            - { name: daily-1125, start: -5h11m, end: -5h, phase: Completed }
            - { name: daily-1125-retry, start: -2h, end: -1h50m, phase: PartiallyFailed }
            # production went on backing up after the disaster was declared
            - { name: during-drill-1, start: 20m, end: 31m, phase: Completed }
            - { name: during-drill-2, start: 1h20m, end: 1h31m, phase: Completed }
  - name: restore
    steps:
      - id: velero-restore
        kind: velero.restore
        timeout: 3h
        rpo: data
        with: { schedule: daily, includedNamespaces: [paperless], namespaceMapping: { paperless: paperless-drill }, waitForVolumes: false }
`);

async function runFixture(faults: Map<string, Fault> = new Map()) {
  const plan = planFrom(DRILL, registry);
  const session = createSimTarget(simTargetSchema.parse(plan.drill.targets.sim), faults);
  session.declareDisaster(T0);
  const masker = new Masker();
  try {
    const outcome = await runEngine({ t0: T0, plan, registry, session, clock: session.clock, runId: 'r1', workDir: '/tmp', env: {}, masker, cancelSignal: new AbortController().signal, onEvent: () => undefined });
    return buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, masker);
  } finally {
    await session.close();
  }
}

test('backups made after T0 are skipped and named; the newest Completed one made by T0 gives the RPO: 5h 11m 00s exactly', async () => {
  const result = await runFixture();
  const step = result.steps.find((candidate) => candidate.id === 'velero-restore')!;
  assert.equal(step.status, 'passed', JSON.stringify(step.error));
  assert.equal(step.outputs.backup, 'daily-1125');
  const data = result.rpo.find((entry) => entry.dataClass === 'data')!;
  // Hand-computed: daily-1125 started 5h 11m before T0.
  assert.equal(data.achievedMs, 5 * 3_600_000 + 11 * 60_000);
  assert.equal(data.verdict, 'met');
  assert.equal(data.samples.length, 1);
  assert.equal(data.samples[0]!.source, 'velero backup velero/daily-1125 status.startTimestamp');
  assert.equal(data.samples[0]!.dataTime, '2026-11-25T06:49:00.000Z');
  assert.match(data.samples[0]!.detail!, /skipped 3 newer backup\(s\): during-drill-2 started 2026-11-25T13:20:00\.000Z, after T0 2026-11-25T12:00:00\.000Z; during-drill-1 started 2026-11-25T12:20:00\.000Z, after T0 2026-11-25T12:00:00\.000Z; daily-1125-retry: phase PartiallyFailed$/);
  assert.deepEqual(step.warnings?.filter((warning) => warning.startsWith('skipping')), [
    'skipping backup during-drill-2 started 2026-11-25T13:20:00.000Z, after T0 2026-11-25T12:00:00.000Z',
    'skipping backup during-drill-1 started 2026-11-25T12:20:00.000Z, after T0 2026-11-25T12:00:00.000Z',
    'skipping newer backup daily-1125-retry: phase PartiallyFailed',
  ]);
  assert.ok(renderMarkdown(result).includes('| data | 5h 11m 00s | 24h 00m 00s | ✅ met | velero backup velero/daily-1125 status.startTimestamp |'));
  assert.equal(result.exitCode, 0, result.reason);
});

test('a failed restore brings no RPO: the class is "not restored", not met, in every report', async () => {
  const result = await runFixture(new Map([['velero-restore', 'fail' as Fault]]));
  const step = result.steps.find((candidate) => candidate.id === 'velero-restore')!;
  assert.equal(step.status, 'failed');
  const data = result.rpo.find((entry) => entry.dataClass === 'data')!;
  assert.deepEqual(data.samples, [], 'the backup it picked did not come back: no sample');
  assert.equal(data.achievedMs, undefined);
  assert.equal(data.verdict, 'not-reached');
  assert.deepEqual(data.notRestored, ['velero-restore']);
  assert.equal(data.reason, 'not restored: velero-restore failed');
  assert.equal(result.exitCode, 1);

  const markdown = renderMarkdown(result);
  assert.ok(markdown.includes('| data | not restored | 24h 00m 00s | ❌ not reached | — |'), markdown);
  assert.ok(markdown.includes('| restored | not reached | 8h 00m 00s | ❌ not reached | — |'), markdown);
  assert.match(renderJunit(result), /<failure message="RPO data not restored: velero-restore failed" type="EOBJECTIVE">EOBJECTIVE /);
  const metrics = renderOpenMetrics(result);
  assert.ok(metrics.includes('dr_drill_objective_met{drill="test",target="sim",objective="rpo_data"} 0'));
  assert.ok(metrics.includes('dr_drill_rpo_seconds{drill="test",target="sim",data_class="data"} NaN'), 'data that did not come back stays, as NaN, never a figure');
  assert.deepEqual(summaryLines(result), [
    '  RTO restored: not reached (objective 8h 00m 00s: not-reached); not reached: velero-restore failed',
    '  RPO data: not restored (objective 24h 00m 00s: not-reached); not restored: velero-restore failed',
  ]);
  assert.match(renderTrendMarkdown(trendSeries([result], 'test')), /^\| RPO data \| ❌ not reached \| not restored \| 24h 00m 00s \| — \| — \|$/m);
});

function scriptContext(listing: string, t0: number, calls: string[], samples: unknown[], warnings: string[]): ScriptContext {
  const $ = async (strings: TemplateStringsArray, ...values: unknown[]) => {
    const command = strings.reduce((text, part, index) => text + part + (index < values.length ? String(values[index]) : ''), '');
    calls.push(command);
    return { stdout: command.includes('s3cmd ls') ? listing : command.includes('jsonpath') ? '2' : '', stderr: '', exitCode: 0 };
  };
  const log = { debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
  return { args: { bucket: 's3://gitlab-backups', writers: ['web'] }, $, log, t0, recordRpo: (sample: unknown) => samples.push(sample) } as unknown as ScriptContext;
}

test('the GitLab restore script skips backups made after T0 and dates the sample from the older backup id: 5h 00m 00s', async () => {
  const id = (offsetMs: number) => {
    const time = new Date(T0 + offsetMs);
    return `${Math.floor(time.getTime() / 1000)}_${time.toISOString().slice(0, 10).replace(/-/g, '_')}_18.5.1`;
  };
  const before = id(-5 * 3_600_000);
  const after = id(40 * 60_000);
  const listing = [id(-29 * 3_600_000), before, after].map((backup) => `2026-11-25 00:00  2147483648   s3://gitlab-backups/${backup}_gitlab_backup.tar`).join('\n');
  const calls: string[] = [];
  const samples: { source: string; dataTime: Date; detail?: string }[] = [];
  const warnings: string[] = [];
  await restoreGitlabDatabase(scriptContext(listing, T0, calls, samples, warnings));
  assert.ok(calls.includes(`kubectl -n gitlab exec deploy/gitlab-toolbox -- backup-utility --restore -t ${before}`), calls.join('\n'));
  assert.equal(samples.length, 1);
  assert.equal(T0 - samples[0]!.dataTime.getTime(), 5 * 3_600_000);
  assert.equal(samples[0]!.source, `gitlab backup ${before}: epoch seconds of the backup id`);
  assert.equal(samples[0]!.detail, `skipped 1 newer backup(s): ${after} made 2026-11-25T12:40:00.000Z, after T0 2026-11-25T12:00:00.000Z`);
  assert.deepEqual(warnings, [`skipping GitLab backup ${after} made 2026-11-25T12:40:00.000Z, after T0 2026-11-25T12:00:00.000Z`]);

  await assert.rejects(restoreGitlabDatabase({ ...scriptContext(listing, T0, [], [], []), args: { bucket: 's3://gitlab-backups', backupId: after } } as ScriptContext), /after T0 2026-11-25T12:00:00\.000Z/);
});

test('a milestone is reached only when every step passed: n/a steps make it "not measured on this target", failed ones "not reached"; never met, and every report agrees', async () => {
  const { testRegistry } = await import('../../helpers/drill-fixtures.ts');
  const yaml = (failing: boolean) =>
    drillYaml(`target: sim
targets:
  sim:
    cluster: existing
    timeScale: 6000
    steps:
      gitlab-check: { notApplicable: no GitLab on this target }
      gitlab-restore: { notApplicable: no GitLab on this target }
objectives:
  rto: { apps: 8h, gitlab: 8h }
milestones:
  apps: { after: [paperless-check] }
  gitlab: { after: [gitlab-restore, gitlab-check] }
phases:
  - name: verify
    steps:
      - { id: paperless-check, kind: test.work, with: { ms: 60000, fail: ${failing} } }
      - { id: gitlab-restore, kind: test.work }
      - { id: gitlab-check, kind: test.work }
`);
  const run = async (failing: boolean) => {
    const plan = planFrom(yaml(failing), testRegistry);
    const session = createSimTarget(simTargetSchema.parse(plan.drill.targets.sim), new Map());
    try {
      const outcome = await runEngine({ t0: T0, plan, registry: testRegistry, session, clock: session.clock, runId: 'r1', workDir: '/tmp', env: {}, masker: new Masker(), cancelSignal: new AbortController().signal, onEvent: () => undefined });
      return buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
    } finally {
      await session.close();
    }
  };

  const passing = await run(false);
  const gitlab = passing.milestones.find((milestone) => milestone.name === 'gitlab')!;
  assert.equal(gitlab.reached, false);
  assert.equal(gitlab.rtoMs, undefined);
  assert.equal(gitlab.verdict, 'not-measured');
  assert.deepEqual(gitlab.notApplicable, ['gitlab-restore', 'gitlab-check']);
  assert.equal(gitlab.reason, 'not measured on target sim: gitlab-restore, gitlab-check not applicable');
  assert.equal(passing.milestones.find((milestone) => milestone.name === 'apps')!.verdict, 'met');
  assert.equal(passing.exitCode, 2);
  assert.equal(passing.reason, 'objective missed: RTO gitlab not measured on target sim: gitlab-restore, gitlab-check not applicable');
  const markdown = renderMarkdown(passing);
  assert.ok(markdown.includes('| gitlab | not measured on this target | 8h 00m 00s | ❌ not measured | — |'), markdown);
  assert.ok(markdown.includes('- RTO **gitlab** not measured on target sim: gitlab-restore, gitlab-check not applicable'), markdown);
  assert.match(renderJunit(passing), /<failure message="milestone gitlab not measured on target sim: gitlab-restore, gitlab-check not applicable \(objective 8h 00m 00s\)" type="EOBJECTIVE">EOBJECTIVE /);
  const metrics = renderOpenMetrics(passing);
  assert.ok(metrics.includes('dr_drill_milestone_reached{drill="test",target="sim",milestone="gitlab"} 0'));
  assert.ok(metrics.includes('dr_drill_objective_met{drill="test",target="sim",objective="rto_gitlab"} 0'));
  assert.ok(metrics.split('\n').some((line) => line.startsWith('dr_drill_rto_seconds{') && line.includes('milestone="gitlab"') && line.endsWith(' NaN')), 'a milestone not measured stays, as NaN, never a figure');
  assert.match(renderTrendMarkdown(trendSeries([passing], 'test')), /^\| RTO gitlab \| ❌ not measured \| not measured on this target \| 8h 00m 00s \| — \| — \|$/m);
  assert.ok(summaryLines(passing).includes('  RTO gitlab: not measured on this target (objective 8h 00m 00s: not-measured); not measured on target sim: gitlab-restore, gitlab-check not applicable'));

  const failed = await run(true);
  const apps = failed.milestones.find((milestone) => milestone.name === 'apps')!;
  assert.equal(apps.verdict, 'not-reached');
  assert.deepEqual(apps.notPassed, ['paperless-check']);
  assert.equal(apps.reason, 'not reached: paperless-check failed');
  assert.equal(failed.exitCode, 1);
  assert.ok(renderMarkdown(failed).includes('| apps | not reached | 8h 00m 00s | ❌ not reached | — |'));
});

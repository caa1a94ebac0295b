import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DrillEvent } from '../../../src/engine/events.ts';
import { runEngine, type EngineOutcome } from '../../../src/engine/run.ts';
import { Masker } from '../../../src/util/mask.ts';
import { buildResult } from '../../../src/measure/build-result.ts';
import { engineSession } from '../../helpers/engine-session.ts';
import { drillYaml, planFrom, testRegistry } from '../../helpers/drill-fixtures.ts';

const session = engineSession;

async function run(yaml: string, options: { cancelAfterMs?: number; masker?: Masker } = {}): Promise<{ outcome: EngineOutcome; events: DrillEvent[]; plan: ReturnType<typeof planFrom> }> {
  const plan = planFrom(drillYaml(yaml), testRegistry);
  const target = session();
  const cancel = new AbortController();
  if (options.cancelAfterMs !== undefined) void target.clock.sleep(options.cancelAfterMs).then(() => cancel.abort(new Error('SIGTERM received')));
  const events: DrillEvent[] = [];
  const outcome = await runEngine({
    plan,
    registry: testRegistry,
    session: target,
    clock: target.clock,
    runId: 'r1',
    workDir: '/tmp',
    env: {},
    masker: options.masker ?? new Masker(),
    cancelSignal: cancel.signal,
    onEvent: (event) => events.push(event),
  });
  return { outcome, events, plan };
}

const status = (outcome: EngineOutcome) => Object.fromEntries([...outcome.records].map(([id, record]) => [id, record.status]));

test('independent phases run in parallel; dependent ones wait', async () => {
  const { outcome } = await run(`phases:
  - name: start
    steps: [{ id: a, kind: test.work, with: { ms: 60000 } }]
  - name: left
    dependsOn: [start]
    steps: [{ id: b, kind: test.work, with: { ms: 300000 } }]
  - name: right
    dependsOn: [start]
    steps: [{ id: c, kind: test.work, with: { ms: 300000 } }]
  - name: join
    dependsOn: [left, right]
    steps: [{ id: d, kind: test.work }]
`);
  const b = outcome.records.get('b')!;
  const c = outcome.records.get('c')!;
  const d = outcome.records.get('d')!;
  // On the virtual clock the figures are exact: b and c run side by side from 1m to 6m, d at 6m.
  assert.deepEqual([b.startMs, b.endMs, c.startMs, c.endMs, d.startMs, d.endMs], [60_000, 360_000, 60_000, 360_000, 360_000, 360_000]);
  assert.equal(outcome.endMs, 360_000);
});

test('a timeout aborts the attempt and says so; retries back off and can succeed', async () => {
  const { outcome, events } = await run(`phases:
  - name: p
    steps:
      - { id: slow, kind: test.work, timeout: 1m, with: { ms: 600000 } }
      - { id: flaky, kind: test.work, retries: 2, retryDelay: 30s, with: { failTimes: 2, message: "connection reset" } }
`);
  assert.equal(outcome.records.get('slow')!.status, 'timed-out');
  assert.equal(outcome.records.get('slow')!.error!.code, 'ESTEPTIMEOUT');
  assert.equal(outcome.records.get('slow')!.error!.message, 'timed out after 1m 00s');
  assert.equal(outcome.records.get('flaky')!.status, 'skipped', 'the dependent step is skipped after a timeout');
  assert.equal(outcome.records.get('flaky')!.reason, 'skipped: step "slow" timed out');
  assert.equal(events.filter((event) => event.kind === 'step.retrying').length, 0);
});

test('a timed-out step\'s own account of what it was waiting for becomes the reason', async () => {
  const { outcome } = await run(`phases:
  - name: p
    steps:
      - { id: apps, kind: test.work, timeout: 1m, with: { ms: 600000, abortMessage: "Kustomizations not Ready: apps (Ready=False HealthCheckFailed: timeout waiting for Deployment/paperless)\\nsecond line" } }
`);
  const error = outcome.records.get('apps')!.error!;
  assert.equal(error.code, 'ESTEPTIMEOUT');
  assert.equal(error.message, 'timed out after 1m 00s: Kustomizations not Ready: apps (Ready=False HealthCheckFailed: timeout waiting for Deployment/paperless)');
  assert.match(error.details!, /\nlast error: Kustomizations not Ready: apps .*\nsecond line$/);
});

test('retries with doubling backoff until the step passes', async () => {
  const { outcome, events } = await run(`phases:
  - name: p
    steps:
      - { id: flaky, kind: test.work, retries: 2, retryDelay: 30s, with: { failTimes: 2, message: "connection reset" } }
`);
  const record = outcome.records.get('flaky')!;
  assert.equal(record.status, 'passed');
  assert.deepEqual(record.attempts.map((attempt) => attempt.status), ['failed', 'failed', 'passed']);
  const delays = events.filter((event) => event.kind === 'step.retrying').map((event) => (event as { delayMs: number }).delayMs);
  assert.deepEqual(delays, [30_000, 60_000]);
});

test('finally steps run after a failure, their own failure is reported, and the original failure stays the reason', async () => {
  const { outcome, plan } = await run(`phases:
  - name: p
    steps:
      - { id: restore, kind: test.work, with: { fail: true, message: "restore failed" } }
      - { id: check, kind: test.work }
finally:
  - { id: teardown, kind: test.work, with: { fail: true, message: "VM is locked" } }
  - { id: cleanup, kind: test.work }
`);
  assert.deepEqual(status(outcome), { restore: 'failed', check: 'skipped', teardown: 'failed', cleanup: 'passed' });
  const result = buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
  assert.equal(result.exitCode, 1);
  assert.equal(result.reason, 'step restore failed: restore failed; teardown step teardown failed: resources may be left behind');
});

test('cancellation aborts running steps, skips the rest, still runs finally', async () => {
  const { outcome } = await run(
    `phases:
  - name: p
    steps:
      - { id: long, kind: test.work, timeout: 10h, with: { ms: 3600000 } }
      - { id: after, kind: test.work }
finally:
  - { id: teardown, kind: test.work, with: { ms: 1000 } }
`,
    { cancelAfterMs: 200_000 },
  );
  assert.deepEqual(status(outcome), { long: 'cancelled', after: 'not-run', teardown: 'passed' });
  assert.equal(outcome.cancelled, true);
  assert.equal(outcome.cancelReason, 'SIGTERM received');
  assert.equal(outcome.records.get('after')!.reason, 'not run: the drill was cancelled (SIGTERM received)');
});

test('a cancellation that arrives during teardown is recorded, and teardown still finishes', async () => {
  // The main step takes 5 s, teardown 400 s of drill time; the signal comes in teardown.
  const { outcome, plan } = await run(
    `phases:
  - name: p
    steps:
      - { id: quick, kind: test.work, with: { ms: 5000 } }
finally:
  - { id: teardown, kind: test.work, with: { ms: 400000 } }
`,
    { cancelAfterMs: 200_000 },
  );
  assert.deepEqual(status(outcome), { quick: 'passed', teardown: 'passed' });
  assert.equal(outcome.cancelled, true);
  const result = buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
  assert.equal(result.status, 'cancelled');
  assert.equal(result.exitCode, 130);
});

test('a step that ignores its abort signal is still abandoned at its timeout', async () => {
  const { outcome } = await run(`phases:
  - name: p
    steps:
      - { id: stubborn, kind: test.work, timeout: 10s, with: { ms: 300000, ignoreAbort: true } }
`);
  assert.equal(outcome.records.get('stubborn')!.status, 'timed-out');
  // Abandoned at its 10 s timeout after the 2 s it is given to say what it was waiting for.
  assert.equal(outcome.endMs, 12_000);
});

test('outputs flow to later steps; secrets registered by steps are masked in events', async () => {
  const masker = new Masker();
  masker.add('hunter2-secret');
  const { outcome, events } = await run(
    `phases:
  - name: p
    steps:
      - { id: a, kind: test.work, with: { output: "token hunter2-secret" } }
      - { id: b, kind: test.work, with: { output: "got \${steps.a.outputs.value}" } }
`,
    { masker },
  );
  assert.equal(outcome.records.get('b')!.outputs.value, 'got token hunter2-secret');
  assert.ok(!JSON.stringify(events).includes('hunter2-secret'));
});

test('milestones, critical path and RPO verdicts come out of the result', async () => {
  const { outcome, plan } = await run(`objectives:
  rto: { ready: 20m, late: 1m }
  rpo: { data: 1h }
milestones:
  ready: { after: [b, c] }
  late: { after: [c] }
phases:
  - name: p1
    steps: [{ id: a, kind: test.work, with: { ms: 60000 } }]
  - name: p2
    dependsOn: [p1]
    steps: [{ id: b, kind: test.work, with: { ms: 120000 } }]
  - name: p3
    dependsOn: [p1]
    steps: [{ id: c, kind: test.work, rpo: data, with: { ms: 300000, rpoAgeMs: 7200000 } }]
`);
  const result = buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
  const ready = result.milestones.find((milestone) => milestone.name === 'ready')!;
  assert.equal(ready.verdict, 'met');
  assert.deepEqual(ready.criticalPath, ['a', 'c']);
  // Reached when c (the later of b and c) ended: 1m of a, then 5m of c.
  assert.equal(ready.rtoMs, 360_000);
  assert.equal(result.milestones.find((milestone) => milestone.name === 'late')!.verdict, 'missed');
  assert.equal(result.rpo[0]!.verdict, 'missed');
  assert.equal(result.rpo[0]!.achievedMs, 7_200_000);
  assert.equal(result.exitCode, 2);
  assert.equal(result.reason, 'objective missed: RTO late 6m 00s > 1m 00s; RPO data 2h 00m 00s > 1h 00m 00s');
});

test('an RPO objective nobody measured is a miss, not a pass', async () => {
  // The step is declared to measure the class but records no sample (a drill with no such step is refused by plan).
  const { outcome, plan } = await run(`objectives:
  rpo: { data: 24h }
phases:
  - name: p
    steps: [{ id: a, kind: test.work, rpo: data }]
`);
  const result = buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
  assert.equal(result.rpo[0]!.verdict, 'not-reached');
  assert.equal(result.reason, 'objective missed: RPO data not measured (no step recorded a sample)');
});

test('a step the target declares not applicable counts as done for dependents, but its milestone is not measured there', async () => {
  const plan = planFrom(
    drillYaml(`target: local
targets:
  local:
    steps:
      b: { notApplicable: "no GitLab in the sample repository" }
objectives:
  rto: { done: 1h }
milestones:
  done: { after: [b, c] }
phases:
  - name: p
    steps:
      - { id: a, kind: test.work, with: { ms: 1000 } }
      - { id: b, kind: test.work, with: { fail: true } }
      - { id: c, kind: test.work }
`),
    testRegistry,
  );
  const target = session();
  const outcome = await runEngine({ plan, registry: testRegistry, session: target, clock: target.clock, runId: 'r', workDir: '/tmp', env: {}, masker: new Masker(), cancelSignal: new AbortController().signal, onEvent: () => undefined });
  assert.deepEqual(status(outcome), { a: 'passed', b: 'not-applicable', c: 'passed' });
  assert.equal(outcome.records.get('b')!.reason, 'not applicable on target local: no GitLab in the sample repository');
  const result = buildResult(plan, outcome, { runId: 'r', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
  assert.equal(result.milestones[0]!.verdict, 'not-measured');
  assert.equal(result.milestones[0]!.reason, 'not measured on target local: b not applicable');
  assert.equal(result.exitCode, 2);
});

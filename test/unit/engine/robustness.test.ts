import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DrillEvent } from '../../../src/engine/events.ts';
import { runEngine } from '../../../src/engine/run.ts';
import { Masker } from '../../../src/util/mask.ts';
import { runDrill } from '../../../src/run-drill.ts';
import { readResult } from '../../../src/result/io.ts';
import { engineSession } from '../../helpers/engine-session.ts';
import { drillYaml, planFrom, tempDir, testRegistry } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

const session = engineSession;

async function engine(yaml: string, options: { onEvent?: (event: DrillEvent, plan: ReturnType<typeof planFrom>) => void } = {}) {
  const plan = planFrom(drillYaml(yaml), testRegistry);
  const target = session();
  return runEngine({ plan, registry: testRegistry, session: target, clock: target.clock, runId: 'r1', workDir: '/tmp', env: {}, masker: new Masker(), cancelSignal: new AbortController().signal, onEvent: (event) => options.onEvent?.(event, plan) });
}

const twoSteps = `phases:
  - name: p
    steps:
      - { id: a, kind: test.work, with: { ms: 60000 } }
      - { id: b, kind: test.work, with: { ms: 60000 } }
finally:
  - { id: teardown, kind: test.work, with: { ms: 1000 } }
`;

test('a progress listener that throws is reported once and stops nothing: every step runs, teardown too', async () => {
  const outcome = await engine(twoSteps, {
    onEvent: (event) => {
      if (event.kind === 'step.finished') throw new Error('listener broke');
    },
  });
  assert.deepEqual([...outcome.records.values()].map((record) => record.status), ['passed', 'passed', 'passed']);
  assert.equal(outcome.errors.length, 1);
  assert.equal(outcome.errors[0]!.code, 'EINTERNAL');
  assert.match(outcome.errors[0]!.message, /a progress listener failed on step.finished: listener broke/);
});

test('a crash inside the scheduler keeps what was recorded, says so, and still runs teardown', async () => {
  const outcome = await engine(twoSteps, {
    // Once "a" has passed, "b" names a step that does not exist: the scheduler throws on it.
    onEvent: (event, plan) => {
      if (event.kind === 'step.finished' && event.stepId === 'a') plan.steps[1]!.dependsOn = ['a', 'ghost'];
    },
  });
  const [a, b, teardown] = ['a', 'b', 'teardown'].map((id) => outcome.records.get(id)!);
  assert.equal(a!.status, 'passed');
  assert.equal(a!.endMs, 60_000, 'the passed step keeps its record');
  assert.equal(b!.status, 'not-run');
  assert.match(b!.reason!, /^not run: dr-drill crashed before it/);
  assert.equal(teardown!.status, 'passed');
  assert.equal(outcome.errors[0]!.code, 'EINTERNAL');
});

test('RPO samples count only from attempts that passed: a failed attempt and a failed step bring no data back', async () => {
  const outcome = await engine(`objectives:
  rpo: { data: 24h }
phases:
  - name: p
    steps:
      - { id: flaky, kind: test.work, rpo: data, retries: 1, retryDelay: 1s, with: { failTimes: 1, rpoAgeMs: 3600000 } }
      - { id: broken, kind: test.work, rpo: data, with: { fail: true, rpoAgeMs: 60000 } }
`);
  assert.deepEqual(outcome.rpoSamples.map((sample) => [sample.stepId, sample.ageMs]), [['flaky', 3_600_000]]);
});

/** Runs the sim cold-start drill with a cancel signal that `onEvent` may trip (as SIGTERM would). */
async function cancellableColdStart(onEvent: (event: DrillEvent, cancel: AbortController) => void) {
  const out = await tempDir();
  const cancel = new AbortController();
  const { result } = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: out, env: {}, cancelSignal: cancel.signal, onEvent: (event) => onEvent(event, cancel) });
  return { result, out, cancel };
}

/** Stops a sim cold-start drill when `stepId` starts. */
function cancelAt(stepId: string) {
  return cancellableColdStart((event, cancel) => {
    if (event.kind === 'step.started' && event.stepId === stepId) cancel.abort(new Error('SIGTERM received'));
  });
}

test('SIGTERM at every step of the sim cold-start drill: cancelled, teardown recorded, every report written', async () => {
  const plan = planFrom(readFileSync(path.join(REPO, 'drills/cold-start.yaml'), 'utf8'), undefined, path.join(REPO, 'drills/cold-start.yaml'));
  for (const step of [...plan.steps, ...plan.finallySteps]) {
    const { result, out } = await cancelAt(step.id);
    const label = `cancelled at ${step.id}`;
    assert.equal(result.status, 'cancelled', label);
    assert.equal(result.exitCode, 130, label);
    assert.deepEqual(result.errors, [], `${label}: no crash`);
    const teardown = result.steps.find((candidate) => candidate.id === 'terraform-destroy')!;
    assert.equal(teardown.status, 'passed', `${label}: teardown ran and is recorded`);
    for (const file of ['result.json', 'junit.xml', 'summary.md', 'metrics.txt', 'dr-drill.env', 'postmortem.md', 'changelog-entry.md']) assert.ok(existsSync(path.join(out, file)), `${label}: ${file}`);
    assert.match(readFileSync(path.join(out, 'junit.xml'), 'utf8'), /terraform-destroy/, label);
    assert.equal((await readResult(path.join(out, 'result.json'))).status, 'cancelled', label);
    if (!step.finally) assert.equal(result.steps.find((candidate) => candidate.id === step.id)!.status, 'cancelled', label);
  }
});

test('a script step cancelled mid-restore starts no further command: nothing of it runs behind teardown', async () => {
  const commands: { stepId: string; line: string; afterCancel: boolean }[] = [];
  const { out, cancel } = await cancellableColdStart((event, cancel) => {
    if (event.kind === 'step.log' && event.message.startsWith('$ ')) {
      commands.push({ stepId: event.stepId, line: event.message, afterCancel: cancel.signal.aborted });
      // Cancel while backup-utility restores the database.
      if (event.message.includes('backup-utility --restore')) cancel.abort(new Error('SIGTERM received'));
    }
  });
  assert.ok(cancel.signal.aborted, 'the script reached backup-utility');
  const late = commands.filter((command) => command.afterCancel && command.stepId === 'gitlab-db-restore');
  assert.deepEqual(late, [], 'no command of the cancelled script started after the cancellation');
  const result = await readResult(path.join(out, 'result.json'));
  assert.equal(result.steps.find((step) => step.id === 'gitlab-db-restore')!.status, 'cancelled');
  assert.equal(result.steps.find((step) => step.id === 'terraform-destroy')!.status, 'passed');
});

test('milestone.reached is announced when the last of its steps passes, at that moment, and never for a milestone whose step failed', async () => {
  const events: DrillEvent[] = [];
  await engine(
    `objectives:
  rto: { first: 1h, both: 1h, broken: 1h }
milestones:
  first: { after: [a] }
  both: { after: [a, b] }
  broken: { after: [a, c] }
phases:
  - name: p
    steps:
      - { id: a, kind: test.work, with: { ms: 60000 } }
      - { id: b, kind: test.work, with: { ms: 60000 } }
  - name: q
    dependsOn: []
    steps:
      - { id: c, kind: test.work, with: { fail: true } }
`,
    { onEvent: (event) => events.push(event) },
  );
  assert.deepEqual(
    events.filter((event) => event.kind === 'milestone.reached').map((event) => [(event as { name: string }).name, event.atMs]),
    [
      ['first', 60_000],
      ['both', 120_000],
    ],
  );
});

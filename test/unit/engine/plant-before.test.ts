import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DrillEvent } from '../../../src/engine/events.ts';
import { runEngine } from '../../../src/engine/run.ts';
import { Masker } from '../../../src/util/mask.ts';
import type { TargetSession } from '../../../src/contract/target.ts';
import { engineSession } from '../../helpers/engine-session.ts';
import { drillYaml, planFrom, testRegistry } from '../../helpers/drill-fixtures.ts';

async function run(yaml: string, plantBefore: TargetSession['plantBefore']) {
  const plan = planFrom(drillYaml(yaml), testRegistry);
  const session = { ...engineSession(), plantBefore };
  const events: DrillEvent[] = [];
  const outcome = await runEngine({ plan, registry: testRegistry, session, clock: session.clock, runId: 'r1', workDir: '/tmp', env: {}, masker: new Masker(), cancelSignal: new AbortController().signal, onEvent: (event) => events.push(event) });
  return { outcome, events };
}

const twoSteps = `variables: { WHO: kwok-node-1 }
phases:
  - name: p
    steps:
      - { id: a, kind: test.work, with: { ms: 1000 } }
      - { id: b, kind: test.work, retries: 2, with: { ms: 1000, message: "\${vars.WHO}" } }
`;

test('the target plants a fault once before each step, with the resolved inputs, and its lines are the step\'s log', async () => {
  const calls: { id: string; kind: string; inputs: unknown }[] = [];
  const { outcome, events } = await run(twoSteps, async (step, log) => {
    calls.push(step);
    if (step.id === 'b') log('node/x full');
  });
  assert.deepEqual(calls.map((call) => [call.id, call.kind]), [['a', 'test.work'], ['b', 'test.work']]);
  assert.equal((calls[1]!.inputs as { message: string }).message, 'kwok-node-1');
  assert.equal(outcome.records.get('b')!.status, 'passed');
  const logs = events.flatMap((event) => (event.kind === 'step.log' && event.stepId === 'b' ? [event.message] : []));
  assert.deepEqual(logs.slice(0, 1), ['fault: node/x full']);
});

test('a fault that cannot be planted fails its step with EPLANT, without retries, and the step never runs', async () => {
  const { outcome, events } = await run(twoSteps, async (step) => {
    if (step.id === 'b') throw new Error('no node besides kwok-node-1 to fill');
  });
  const b = outcome.records.get('b')!;
  assert.equal(b.status, 'failed');
  assert.equal(b.error?.code, 'EPLANT');
  assert.match(b.error!.message, /could not be planted before b: no node besides kwok-node-1 to fill/);
  assert.equal(b.attempts.length, 1, 'EPLANT is not retried');
  assert.equal(events.filter((event) => event.kind === 'step.retrying').length, 0);
});

test('a fault still being planted when the step\'s timeout passes fails the step with EPLANT, never a timeout a control could count', async () => {
  const { outcome } = await run(`phases:
  - name: p
    steps:
      - { id: a, kind: test.work, timeout: 5s, with: { ms: 1000 } }
`, (_step, _log, signal) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true })));
  const a = outcome.records.get('a')!;
  assert.equal(a.status, 'failed');
  assert.equal(a.error?.code, 'EPLANT');
  assert.match(a.error!.message, /could not be planted before a: planting did not finish within the step's timeout of 5s/);
});

// Tests that fail when masking is removed: the engine masks every event it emits (an RPO sample's
// source is emitted as the step gave it), and data.check registers its request headers as
// secrets (an endpoint that echoes them in an error body must not leak them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { HttpRequest } from '../../../src/contract/http.ts';
import { runEngine } from '../../../src/engine/run.ts';
import type { DrillEvent } from '../../../src/engine/events.ts';
import type { StepRegistry } from '../../../src/drill/plan.ts';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { defineStep, type StepKind } from '../../../src/contract/step.ts';
import { Masker, MASK } from '../../../src/util/mask.ts';
import { drillYaml, planFrom, tempDir } from '../../helpers/drill-fixtures.ts';
import { realSession, runPlan } from '../../fakes/real-session.ts';

const T0 = Date.parse('2026-11-25T12:00:00Z');
// Built at run time: no token-shaped literal in the source.
const secret = ['glpat', 'Zq8', 'x41Lm', 'Vv0pRt'].join('-');

test('the engine masks every event it emits: an RPO sample source holding a secret reaches listeners masked', async () => {
  const leaky = defineStep({
    kind: 'test.leaky-source',
    summary: 'records an RPO sample whose source names a secret',
    inputs: z.strictObject({}),
    async run(context) {
      context.recordRpo({ source: `backup at https://backup:${secret}@s3.example/bucket`, dataTime: new Date(context.t0 - 60_000) });
    },
  });
  const registry: StepRegistry = new Map<string, StepKind>([...stepRegistry, ['test.leaky-source', leaky as unknown as StepKind]]);
  const plan = planFrom(drillYaml('objectives:\n  rpo: { data: 1h }\nphases:\n  - name: p\n    steps: [{ id: s, kind: test.leaky-source, rpo: data }]\n'), registry);
  const masker = new Masker();
  masker.add(secret);
  const events: DrillEvent[] = [];
  const session = realSession();
  await runEngine({ t0: T0, plan, registry, session, clock: session.clock, runId: 'r1', workDir: '/tmp', env: {}, masker, cancelSignal: new AbortController().signal, onEvent: (event) => events.push(event) });
  const sampled = events.find((event) => event.kind === 'rpo.sampled');
  assert.ok(sampled, 'the sample was emitted');
  assert.equal((sampled as { source: string }).source, `backup at https://backup:${MASK}@s3.example/bucket`);
  assert.ok(!JSON.stringify(events).includes(secret));
});

test('data.check masks its request headers: an endpoint that echoes them in an error body does not leak them', async () => {
  const dir = await tempDir();
  const http = { request: async (request: HttpRequest) => ({ status: 401, headers: {}, body: `invalid credentials: ${request.headers?.Authorization}`, durationMs: 3 }) };
  const plan = planFrom(
    drillYaml(`phases:\n  - name: p\n    steps:\n      - id: canary\n        kind: data.check\n        with: { url: "https://paperless.drill.example/api/canary", headers: { Authorization: "Token ${secret}" } }\n`),
  );
  const { outcome, events } = await runPlan(plan, { session: realSession({ http }), env: {}, workDir: dir, t0: T0 });
  const error = outcome.records.get('canary')!.error!;
  assert.equal(error.message, 'canary endpoint https://paperless.drill.example/api/canary answered HTTP 401');
  assert.equal(error.details, `invalid credentials: ${MASK}`);
  assert.ok(!JSON.stringify(events).includes(secret));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simTargetSchema } from '../../../../src/drill/schema.ts';
import { createSimTarget } from '../../../../src/targets/sim/target.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { runPlan } from '../../../fakes/real-session.ts';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'paperless-ngx', namespace: 'paperless' };

function absentPlan(timeout: string) {
  return planFrom(
    drillYaml(`phases:\n  - name: p\n    steps:\n      - id: gone\n        kind: k8s.wait\n        timeout: ${timeout}\n        with: { apiVersion: apps/v1, kind: Deployment, namespace: paperless, name: paperless-ngx, absent: true }\n`),
  );
}

function session() {
  const target = createSimTarget(simTargetSchema.parse({}), new Map());
  target.world.provisioned.add('t');
  target.kubeconfigPath = '(test)';
  target.world.store.create({ apiVersion: DEPLOYMENT.apiVersion, kind: DEPLOYMENT.kind, metadata: { name: DEPLOYMENT.name, namespace: DEPLOYMENT.namespace }, spec: { replicas: 1 }, status: {} });
  return target;
}

test('k8s.wait absent waits while the object exists and passes once it is gone', async () => {
  const target = session();
  // Flux prunes the Deployment 40s into the wait.
  void target.clock.sleep(40_000, new AbortController().signal).then(() => target.world.store.delete(DEPLOYMENT));
  const { outcome } = await runPlan(absentPlan('2m'), { session: target, env: {}, workDir: await tempDir() });
  const record = outcome.records.get('gone')!;
  assert.equal(record.status, 'passed', record.error?.message);
  assert.deepEqual(record.outputs, { absent: true });
  assert.equal(record.endMs! - record.startMs!, 40_000);
  await target.close();
});

test('k8s.wait absent times out while the object is still there', async () => {
  const target = session();
  const { outcome } = await runPlan(absentPlan('1m'), { session: target, env: {}, workDir: await tempDir() });
  assert.equal(outcome.records.get('gone')!.status, 'timed-out');
  await target.close();
});

test('k8s.wait takes absent alone, never with a condition or jsonPath', () => {
  assert.throws(
    () => planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: w\n        kind: k8s.wait\n        with: { apiVersion: v1, kind: Pod, absent: true, condition: { type: Ready } }\n')),
    /give condition: or jsonPath:, or absent: true alone/,
  );
});

test('k8s.wait minCount waits until enough objects match, each passing', async () => {
  const target = session();
  const ready = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'web', labels: { app: 'web' } }, spec: { nodeName: 'w1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  target.world.store.create(ready('web-a'));
  // The replacement the ReplicaSet creates 10s into the wait.
  void target.clock.sleep(10_000, new AbortController().signal).then(() => target.world.store.create(ready('web-b')));
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: pods\n        kind: k8s.wait\n        timeout: 1m\n        with: { apiVersion: v1, kind: Pod, labelSelector: app=web, minCount: 2, condition: { type: Ready } }\n'));
  const { outcome } = await runPlan(plan, { session: target, env: {}, workDir: await tempDir() });
  const record = outcome.records.get('pods')!;
  assert.equal(record.status, 'passed', record.error?.message);
  assert.equal(record.endMs! - record.startMs!, 10_000);
  assert.deepEqual(record.outputs, { values: { 'web-a': 'True', 'web-b': 'True' } });
  await target.close();
});

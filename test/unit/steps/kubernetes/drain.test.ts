import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simTargetSchema } from '../../../../src/drill/schema.ts';
import { createSimTarget } from '../../../../src/targets/sim/target.ts';
import { nodes } from '../../../../src/targets/sim/cluster-content.ts';
import type { KubeObject } from '../../../../src/contract/cluster.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { runPlan } from '../../../fakes/real-session.ts';

function pod(name: string, node: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'web', labels: { 'app.kubernetes.io/name': 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-0123456789', controller: true }] },
    spec: { nodeName: node },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

test('k8s.drain stopped by its timeout while a PodDisruptionBudget keeps refusing names the pod and the budget', async () => {
  const session = createSimTarget(simTargetSchema.parse({}), new Map());
  const { world } = session;
  world.provisioned.add('t');
  session.kubeconfigPath = '(test)';
  for (const node of nodes('t')) world.store.upsert(node);
  world.store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { replicas: 1 }, status: {} });
  // More healthy pods than there will ever be: no eviction is ever allowed.
  world.store.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'web' }, spec: { minAvailable: 5, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } } });
  world.store.create(pod('web-0123456789-aaaaa', 't-w4'));
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: drain\n        kind: k8s.drain\n        timeout: 30s\n        with: { node: t-w4 }\n'));
  const { outcome } = await runPlan(plan, { session, env: {}, workDir: await tempDir() });
  const record = outcome.records.get('drain')!;
  assert.equal(record.status, 'timed-out');
  assert.equal(record.error!.code, 'ESTEPTIMEOUT');
  // Refused at 0, 5, ..., 30s (the retry due at 30s runs first): seven refusals, then the timeout stops the wait.
  assert.equal(record.error!.message, 'timed out after 30s: the eviction of pod web/web-0123456789-aaaaa was refused 7 times: it would violate its PodDisruptionBudget (kubectl get pdb -n web)');
  assert.equal(world.store.get({ apiVersion: 'v1', kind: 'Pod', name: 'web-0123456789-aaaaa', namespace: 'web' })?.spec?.nodeName, 't-w4', 'the pod stayed');
  await session.close();
});

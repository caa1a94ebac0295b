import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { simWithWebWorkload, webPod } from '../../../helpers/sim-web-workload.ts';
import { runPlan } from '../../../fakes/real-session.ts';

test('k8s.drain stopped by its timeout while a PodDisruptionBudget keeps refusing names the pod and the budget', async () => {
  // More healthy pods than there will ever be: no eviction is ever allowed.
  const session = simWithWebWorkload({ replicas: 1, minAvailable: 5 });
  const { world } = session;
  world.store.create(webPod('web-0123456789-aaaaa', 't-w4'));
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

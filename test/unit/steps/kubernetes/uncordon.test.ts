import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { systemClock } from '../../../../src/engine/clock.ts';
import type { KubeObject } from '../../../../src/contract/cluster.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';

function node(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1', labels: { 'dr-drill.io/run': 'r1' } }, spec, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
}

async function uncordon(spec: Record<string, unknown>) {
  const store = new ObjectStore(systemClock());
  store.upsert(node(spec));
  const session = realSession();
  session.clusterFor = async () => store.asCluster();
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - { id: u, kind: k8s.uncordon, with: { node: w1 } }\n'));
  const { outcome } = await runPlan(plan, { session, env: {}, workDir: await tempDir() });
  return { record: outcome.records.get('u')!, after: store.get({ apiVersion: 'v1', kind: 'Node', name: 'w1' })! };
}

test('k8s.uncordon makes a cordoned node schedulable and keeps its other taints', async () => {
  const { record, after } = await uncordon({ unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoSchedule' }] });
  assert.equal(record.status, 'passed', record.error?.message);
  assert.deepEqual(record.outputs, { node: 'w1', wasCordoned: true });
  assert.equal(after.spec?.unschedulable, undefined);
  assert.deepEqual(after.spec?.taints, [{ key: 'gpu', effect: 'NoSchedule' }]);
});

test('k8s.uncordon says so when the node is not cordoned (it rejoined as a new Node object)', async () => {
  const { record } = await uncordon({});
  assert.equal(record.status, 'passed', record.error?.message);
  assert.deepEqual(record.outputs, { node: 'w1', wasCordoned: false });
});

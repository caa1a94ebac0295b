import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { systemClock } from '../../../../src/engine/clock.ts';
import { KWOK_NODE_ANNOTATION } from '../../../../src/cluster/local/fake-node.ts';
import type { LocalClusterControl, LocalClusterShape, TargetSession } from '../../../../src/contract/target.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { localFaults } from '../../../../src/targets/local/faults.ts';
import type { FaultName } from '../../../../src/drill/faults.ts';

/** A session that looks like the local target's: a localCluster control and a cluster API. */
function localSession(store: ObjectStore, shapes: LocalClusterShape[] = [], faults: ReadonlyMap<string, FaultName> = new Map()): TargetSession {
  const planted = localFaults(faults);
  const control: LocalClusterControl = {
    up: async (_log, shape = {}) => {
      shapes.push(shape);
      return { kubeconfigPath: '/tmp/kubeconfig', name: 'dr-drill-test', timings: { total: 1 } };
    },
    down: async () => undefined,
    joiningNode: planted.joiningNode,
  };
  return { ...realSession(), kind: 'local', localCluster: control, clusterFor: async () => store.asCluster() };
}

const joinPlan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: join\n        kind: local.node-join\n        with: { name: kwok-node-1, labels: { pool: workers } }\n'));

test('local.node-join creates a kwok node (the annotation kwok-controller manages) with its labels', async () => {
  const store = new ObjectStore(systemClock());
  const { outcome } = await runPlan(joinPlan, { session: localSession(store), env: {}, workDir: await tempDir() });
  assert.equal(outcome.records.get('join')!.status, 'passed', outcome.records.get('join')!.error?.message);
  const node = store.get({ apiVersion: 'v1', kind: 'Node', name: 'kwok-node-1' })!;
  assert.equal(node.metadata.annotations?.[KWOK_NODE_ANNOTATION], 'fake');
  assert.equal(node.metadata.labels?.['pool'], 'workers');
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'kwok-node-1');
});

test('local.node-join with node-without-kubelet planted registers a node no kwok-controller manages, and says so', async () => {
  const store = new ObjectStore(systemClock());
  const { outcome, events } = await runPlan(joinPlan, { session: localSession(store, [], new Map([['join', 'node-without-kubelet']])), env: {}, workDir: await tempDir() });
  const lines = events.flatMap((event) => (event.kind === 'step.log' ? [event.message] : []));
  assert.equal(outcome.records.get('join')!.status, 'passed', 'the step itself is not made to fail');
  const node = store.get({ apiVersion: 'v1', kind: 'Node', name: 'kwok-node-1' })!;
  assert.equal(node.metadata.annotations?.[KWOK_NODE_ANNOTATION], undefined);
  assert.equal(node.metadata.labels?.['pool'], 'workers');
  assert.match(lines.join('\n'), /no kubelet runs behind this node/);
});

test('local.node-join refuses a node that is still there, and any target but local', async () => {
  const store = new ObjectStore(systemClock());
  await runPlan(joinPlan, { session: localSession(store), env: {}, workDir: await tempDir() });
  const again = (await runPlan(joinPlan, { session: localSession(store), env: {}, workDir: await tempDir() })).outcome.records.get('join')!;
  assert.equal(again.error?.code, 'ECLUSTER');
  assert.match(again.error!.message, /node kwok-node-1 already exists/);
  const elsewhere = realSession();
  elsewhere.clusterFor = async () => store.asCluster();
  const refused = (await runPlan(joinPlan, { session: elsewhere, env: {}, workDir: await tempDir() })).outcome.records.get('join')!;
  assert.equal(refused.error?.code, 'EINPUT');
  assert.match(refused.error!.message, /local.node-join runs only on the local target, not kubeconfig/);
});

test('local.up hands the node count and the Flux branch to the target', async () => {
  const shapes: LocalClusterShape[] = [];
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - { id: up, kind: local.up, with: { nodes: 3, gitBranch: "drill/${run.id}" } }\n      - { id: up-default, kind: local.up }\n'));
  const { outcome } = await runPlan(plan, { session: localSession(new ObjectStore(systemClock()), shapes), env: {}, workDir: await tempDir() });
  assert.equal(outcome.records.get('up')!.status, 'passed', outcome.records.get('up')!.error?.message);
  assert.deepEqual(shapes, [{ nodes: 3, gitBranch: 'drill/r1' }, {}]);
  assert.throws(() => planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - { id: up, kind: local.up, with: { nodes: 0 } }\n')), /nodes/);
});

// k8s.wait stopped at its timeout: the step's error names what the object last said (a
// condition's status, reason and message), the reason a person needs, not only "timed out".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster, KubeObject } from '../../../../src/contract/cluster.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';

const BROKEN: KubeObject = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'broken-ca', resourceVersion: '7' },
  status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ErrGetKeyPair', message: 'Error getting keypair for CA issuer: secrets "no-such-ca" not found' }] },
} as KubeObject;

/** A cluster whose one object never changes: the list shows it, the watch stays silent until stopped. */
const stillClusterOf = (object: KubeObject): Cluster => ({
  description: 'test',
  get: async () => object,
  list: async () => ({ items: [object], resourceVersion: '7' }),
  create: async () => object,
  patch: async () => object,
  delete: async () => undefined,
  watch: (_apiVersion, _kind, _options, _onEvent, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
});
const stillCluster = stillClusterOf(BROKEN);

test('a k8s.wait that times out names the condition it last saw', async () => {
  const dir = await tempDir();
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: issuer\n        kind: k8s.wait\n        timeout: 300ms\n        with: { apiVersion: cert-manager.io/v1, kind: ClusterIssuer, name: broken-ca, condition: { type: Ready } }\n'));
  const session = { ...realSession(), clusterFor: async () => stillCluster };
  const { outcome } = await runPlan(plan, { session, env: {}, workDir: dir });
  const record = outcome.records.get('issuer')!;
  assert.equal(record.status, 'timed-out');
  assert.equal(record.error?.code, 'ESTEPTIMEOUT');
  assert.equal(record.error?.message, 'timed out after 300ms: not reached: ClusterIssuer/broken-ca: False (ErrGetKeyPair: Error getting keypair for CA issuer: secrets "no-such-ca" not found)');
});

// A pod the scheduler could not place has no Ready condition at all: the scheduler's own words are the reason.
const UNSCHEDULABLE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'homepage-abc', namespace: 'homepage', resourceVersion: '9', labels: { 'app.kubernetes.io/name': 'homepage' } },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) were unschedulable, 2 Too many pods.' }] },
} as KubeObject;

test('a k8s.wait on a condition the object does not have yet says what its other conditions say is wrong', async () => {
  const dir = await tempDir();
  const plan = planFrom(drillYaml('phases:\n  - name: p\n    steps:\n      - id: pods\n        kind: k8s.wait\n        timeout: 300ms\n        with: { apiVersion: v1, kind: Pod, labelSelector: app.kubernetes.io/name, condition: { type: Ready } }\n'));
  const session = { ...realSession(), clusterFor: async () => stillClusterOf(UNSCHEDULABLE) };
  const { outcome } = await runPlan(plan, { session, env: {}, workDir: dir });
  assert.equal(outcome.records.get('pods')!.error?.message, 'timed out after 300ms: not reached: Pod/homepage/homepage-abc: Pending, no Ready condition; PodScheduled False (Unschedulable: 0/3 nodes are available: 1 node(s) were unschedulable, 2 Too many pods.)');
});

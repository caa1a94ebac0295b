// On the kubeconfig target (an existing cluster, maybe next to production) a drill restores only
// into namespaces it creates and deletes only what it created. The API is an in-memory store here;
// test/cluster/steps.test.ts checks the same guards on a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/engine/clock.ts';
import type { KubeObject } from '../../../src/contract/cluster.ts';
import { ObjectStore } from '../../../src/targets/sim/store.ts';
import { realSession, runPlan } from '../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../helpers/drill-fixtures.ts';

function existingCluster(): ObjectStore {
  const store = new ObjectStore(systemClock());
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paperless' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paperless-r1x' } },
    { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { accessMode: 'ReadOnly' } },
    {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'daily-1', namespace: 'velero', labels: { 'velero.io/schedule-name': 'daily' } },
      spec: { storageLocation: 'default' },
      status: { phase: 'Completed', startTimestamp: new Date(Date.now() - 3_600_000).toISOString(), completionTimestamp: new Date().toISOString() },
    },
  ];
  for (const object of objects) store.upsert(object);
  return store;
}

async function runOn(store: ObjectStore, steps: string) {
  const dir = await tempDir();
  const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n${steps}`));
  const session = realSession();
  session.clusterFor = async () => store.asCluster();
  return (await runPlan(plan, { session, env: {}, workDir: dir })).outcome;
}

test('velero.restore refuses wildcards and existingResourcePolicy: update on an existing cluster', async () => {
  for (const [withYaml, message] of [
    ['{ includedNamespaces: ["*"] }', 'refusing includedNamespaces * on an existing cluster'],
    ['{ includedNamespaces: [paperless], namespaceMapping: { paperless: paperless-drill-r1 }, existingResourcePolicy: update }', 'refusing existingResourcePolicy: update on an existing cluster'],
    ['{ includedNamespaces: [paperless] }', 'refusing to restore into existing namespace(s) paperless on an existing cluster'],
  ] as const) {
    const store = existingCluster();
    const outcome = await runOn(store, `      - { id: restore, kind: velero.restore, with: ${withYaml} }\n`);
    const error = outcome.records.get('restore')!.error!;
    assert.deepEqual([error.code, error.message], ['EPRODTARGET', message]);
    assert.equal((await store.asCluster().list('velero.io/v1', 'Restore', { namespace: 'velero' })).items.length, 0, 'no Restore was created');
  }
});

test('k8s.delete on an existing cluster needs the run id as a whole part of the name, not a substring', async () => {
  const store = existingCluster();
  // The run id of runPlan is r1: "paperless-r1x" merely contains it.
  const outcome = await runOn(store, `      - { id: cleanup, kind: k8s.delete, with: { kind: Namespace, names: [paperless-r1x, scratch-r1], wait: false } }\n`);
  const error = outcome.records.get('cleanup')!.error!;
  assert.deepEqual([error.code, error.message], ['EPRODTARGET', 'refusing to delete Namespace paperless-r1x: not created by this drill run']);
  assert.ok(await store.asCluster().get({ apiVersion: 'v1', kind: 'Namespace', name: 'paperless-r1x' }), 'nothing was deleted');
});

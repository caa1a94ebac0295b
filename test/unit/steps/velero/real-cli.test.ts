import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../../src/engine/clock.ts';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { FAKES_BIN, realSession, runPlan } from '../../../fakes/real-session.ts';

const BSL = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', namespace: 'velero', name: 'default' };

function clusterWith(accessMode: string | undefined) {
  const store = new ObjectStore(systemClock());
  store.upsert({ ...BSL, metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'velero' }, ...(accessMode ? { accessMode } : {}) } });
  return store;
}

const drill = (failing = false) =>
  drillYaml(`phases:
  - name: restore
    steps:
      - { id: bsl-read-only, kind: velero.location, with: { accessMode: ReadOnly } }
      - { id: check-bsl, kind: command, with: { run: [velero, backup-location, get] } }
${failing ? '      - { id: restore, kind: command, with: { run: [velero, restore, create] } }\n' : ''}finally:
  - { id: bsl-put-back, kind: velero.location, with: { restore: true } }
`);

test('velero.location sets the location ReadOnly for the drill and puts ReadWrite back in finally, also after a failure', async () => {
  for (const failing of [false, true]) {
    const dir = await tempDir();
    const log = path.join(dir, 'fake.log');
    const store = clusterWith(undefined);
    const modes: (string | undefined)[] = [];
    store.watch('velero.io/v1', 'BackupStorageLocation', { namespace: 'velero' }, (_type, object) => modes.push(object.spec?.accessMode));
    const session = realSession();
    session.clusterFor = async () => store.asCluster();
    const { outcome } = await runPlan(planFrom(drill(failing), undefined, path.join(dir, 'drill.yaml')), { session, env: { PATH: `${FAKES_BIN}${path.delimiter}${process.env.PATH}`, DRILL_FAKE_LOG: log }, workDir: dir });
    assert.equal(outcome.records.get('bsl-read-only')!.status, 'passed', JSON.stringify(outcome.records.get('bsl-read-only')!.error));
    assert.deepEqual(outcome.records.get('bsl-read-only')!.outputs, { accessMode: 'ReadOnly', previousAccessMode: 'ReadWrite', changed: true });
    assert.equal(outcome.records.get('restore')?.status, failing ? 'failed' : undefined);
    assert.deepEqual(outcome.records.get('bsl-put-back')!.outputs, { accessMode: 'ReadWrite', changed: true });
    const after = store.get(BSL)!;
    assert.equal(after.spec?.accessMode, 'ReadWrite');
    assert.equal(after.metadata.annotations?.['dr-drill.io/previous-access-mode'], undefined, 'the bookkeeping annotation is gone');
    assert.ok(modes.includes('ReadOnly'), `the location was ReadOnly during the drill: ${JSON.stringify(modes)}`);
    assert.equal(outcome.records.get('check-bsl')!.status, 'passed', JSON.stringify(outcome.records.get('check-bsl')!.error));
    const calls = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line).args);
    assert.deepEqual(calls, [['backup-location', 'get'], ...(failing ? [['restore', 'create']] : [])]);
  }
});

test('velero.location changes nothing when the location is already ReadOnly, and the finally step then has nothing to put back', async () => {
  const dir = await tempDir();
  const store = clusterWith('ReadOnly');
  const session = realSession();
  session.clusterFor = async () => store.asCluster();
  const { outcome } = await runPlan(planFrom(drillYaml(`phases:\n  - name: p\n    steps: [{ id: ro, kind: velero.location, with: { accessMode: ReadOnly } }]\nfinally:\n  - { id: back, kind: velero.location, with: { restore: true } }\n`)), { session, env: {}, workDir: dir });
  assert.deepEqual(outcome.records.get('ro')!.outputs, { accessMode: 'ReadOnly', previousAccessMode: 'ReadOnly', changed: false });
  assert.deepEqual(outcome.records.get('back')!.outputs, { accessMode: 'ReadOnly', changed: false });
  assert.equal(store.get(BSL)!.spec?.accessMode, 'ReadOnly');
});

test('velero.location needs exactly one of accessMode and restore', () => {
  assert.throws(() => planFrom(drillYaml(`phases:\n  - name: p\n    steps: [{ id: x, kind: velero.location, with: { accessMode: ReadOnly, restore: true } }]\n`)), /give either accessMode: \(set it\) or restore: true \(put it back\), not both/);
});

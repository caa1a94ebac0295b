// k8s.secret: a Secret from files, values masked, a replace that drops the keys files: does not
// name, and on an existing cluster (kubeconfig target) only a Secret this run created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../../src/engine/clock.ts';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';

const IDENTITY = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';

async function setup(withs: string[], preset?: (store: ObjectStore) => void) {
  const dir = await tempDir();
  const key = path.join(dir, 'new.agekey');
  await writeFile(key, `# created: 2026-12-01T00:00:00Z\n# public key: age1example\n${IDENTITY}\n`);
  const store = new ObjectStore(systemClock());
  preset?.(store);
  const steps = withs.map((inputs, index) => `      - { id: s${index}, kind: k8s.secret, with: ${inputs.replace('KEY', key)} }\n`).join('');
  const session = realSession();
  session.clusterFor = async () => store.asCluster();
  const run = await runPlan(planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n${steps}`)), { session, env: {}, workDir: dir });
  return { ...run, store, key };
}

test('k8s.secret creates the Secret (and its namespace) from a file, the key masked in every log line', async () => {
  const { outcome, events, store, key } = await setup(['{ files: { age.agekey: KEY }, createNamespace: true }']);
  const record = outcome.records.get('s0')!;
  assert.equal(record.status, 'passed', record.error?.message);
  assert.deepEqual(record.outputs, { secret: 'flux-system/sops-age', keys: ['age.agekey'], removed: [], created: true });
  const secret = store.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' })!;
  assert.equal(Buffer.from((secret.data as Record<string, string>)['age.agekey']!, 'base64').toString(), await readFile(key, 'utf8'));
  assert.ok(store.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flux-system' }));
  assert.ok(!JSON.stringify(events).includes(IDENTITY));
});

test('k8s.secret replaces the value and removes the keys files: does not name (the revoked key leaves the cluster)', async () => {
  const { outcome, store } = await setup(['{ files: { age.agekey: KEY }, allowUnowned: true }'], (preset) =>
    preset.upsert({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sops-age', namespace: 'flux-system' }, data: { 'age.agekey': 'b2xk', 'old.agekey': 'b2xk' } }),
  );
  assert.deepEqual(outcome.records.get('s0')!.outputs, { secret: 'flux-system/sops-age', keys: ['age.agekey'], removed: ['old.agekey'], created: false });
  assert.deepEqual(Object.keys(store.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' })!.data as object), ['age.agekey']);
});

test('on an existing cluster k8s.secret refuses to replace a Secret this run did not create', async () => {
  const { outcome, store } = await setup(['{ files: { age.agekey: KEY } }'], (preset) => preset.upsert({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sops-age', namespace: 'flux-system' }, data: { 'age.agekey': 'cHJvZA==' } }));
  const error = outcome.records.get('s0')!.error!;
  assert.deepEqual([error.code, error.message], ['EPRODTARGET', 'refusing to replace Secret flux-system/sops-age on an existing cluster: this run did not create it']);
  assert.deepEqual(store.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' })!.data, { 'age.agekey': 'cHJvZA==' });
});

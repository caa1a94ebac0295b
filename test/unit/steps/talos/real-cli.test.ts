import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../../src/engine/clock.ts';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { nodes } from '../../../../src/targets/sim/cluster-content.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { FAKES_BIN, realSession, runPlan } from '../../../fakes/real-session.ts';

async function recorded(log: string): Promise<{ tool: string; args: string[]; env: Record<string, string> }[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function setup() {
  const dir = await tempDir('dr-drill-real-talos-');
  const log = path.join(dir, 'fake.log');
  return { dir, log, env: { PATH: `${FAKES_BIN}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME, DRILL_FAKE_LOG: log } };
}

test('command runs task bootstrap:talos with the drill\'s KUBECONFIG, TALOSCONFIG and SOPS_AGE_KEY_FILE; talos.health uses that talosconfig', async () => {
  const { dir, log, env } = await setup();
  await writeFile(path.join(dir, 'age.key'), '# public key: age1...\nAGE-SECRET-KEY-1...\n', { mode: 0o600 });
  const plan = planFrom(
    drillYaml(`phases:
  - name: provision
    steps:
      - id: bootstrap-talos
        kind: command
        with:
          run: [task, bootstrap:talos]
          kubeconfig: \${run.dir}/kubeconfig
          talosconfig: \${run.dir}/talosconfig
          ageKeyFile: age.key
      - id: talos-health
        kind: talos.health
        with:
          endpoints: [10.99.0.11]
          nodes: [10.99.0.11]
          controlPlaneNodes: [10.99.0.11, 10.99.0.12, 10.99.0.13]
          workerNodes: [10.99.0.14, 10.99.0.15]
          waitTimeout: 5m
          expectedNodes: 5
`),
    undefined,
    path.join(dir, 'node-loss.yaml'),
  );
  const session = realSession();
  const store = new ObjectStore(systemClock());
  for (const node of nodes('drill')) store.upsert(node);
  session.clusterFor = async () => store.asCluster();
  const { outcome, masker, events } = await runPlan(plan, { session, env, workDir: dir });
  assert.deepEqual(
    [...outcome.records.values()].map((record) => [record.step.id, record.status, record.error?.message]),
    [
      ['bootstrap-talos', 'passed', undefined],
      ['talos-health', 'passed', undefined],
    ],
  );
  const kubeconfig = path.join(dir, 'kubeconfig');
  const talosconfig = path.join(dir, 'talosconfig');
  assert.deepEqual(await recorded(log), [
    { tool: 'task', args: ['bootstrap:talos'], cwd: dir, env: { KUBECONFIG: kubeconfig, TALOSCONFIG: talosconfig, SOPS_AGE_KEY_FILE: path.join(dir, 'age.key') } },
    {
      tool: 'talosctl',
      args: ['--talosconfig', talosconfig, '--endpoints', '10.99.0.11', '--nodes', '10.99.0.11', 'health', '--control-plane-nodes', '10.99.0.11,10.99.0.12,10.99.0.13', '--worker-nodes', '10.99.0.14,10.99.0.15', '--wait-timeout', '5m'],
      cwd: process.cwd(),
      env: { KUBECONFIG: kubeconfig, TALOSCONFIG: talosconfig },
    },
  ]);
  assert.equal((await stat(kubeconfig)).mode & 0o777, 0o600);
  assert.equal((await stat(talosconfig)).mode & 0o777, 0o600);
  // The credentials in them are masked from then on, wherever they turn up.
  const keys = [Buffer.from('fake client key of the drill cluster').toString('base64'), Buffer.from('fake talos key of the drill cluster').toString('base64')];
  assert.deepEqual(keys.map((key) => masker.mask(`key=${key}`)), ['key=***', 'key=***']);
  assert.equal(masker.mask('apiVersion: v1'), 'apiVersion: v1', 'the structure is not masked');
  // task printed the kubeconfig it wrote: its output was held back until the key was masked.
  const logged = events.filter((event) => event.kind === 'step.log' && event.stepId === 'bootstrap-talos').map((event) => (event as { message: string }).message);
  assert.ok(logged.includes('>     client-key-data: ***'), logged.join('\n'));
  assert.ok(!JSON.stringify(events).includes(keys[0]!), 'no event carries the key');
  assert.ok(!JSON.stringify(masker.maskDeep(outcome.records.get('bootstrap-talos')!.outputs)).includes(keys[0]!), 'nor the outputs as the result holds them');
  assert.equal(session.kubeconfigPath, kubeconfig);
  assert.equal(session.talosconfigPath, talosconfig);
  assert.deepEqual(outcome.records.get('talos-health')!.outputs, { nodes: 5 });
});

test('talos.health reports talosctl\'s failure with its output', async () => {
  const { dir, env } = await setup();
  await writeFile(path.join(dir, 'talosconfig'), 'context: drill\n', { mode: 0o600 });
  const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - id: talos-health\n        kind: talos.health\n        with: { talosconfig: ${path.join(dir, 'talosconfig')}, waitTimeout: 1m }\n`));
  const { outcome } = await runPlan(plan, { session: realSession(), env: { ...env, DRILL_FAKE_FAIL: 'talosctl health' }, workDir: dir });
  assert.deepEqual(outcome.records.get('talos-health')!.error, {
    code: 'ECOMMAND',
    message: 'talosctl exited with code 1',
    details: `command: talosctl --talosconfig ${path.join(dir, 'talosconfig')} health --wait-timeout 1m\nhealthcheck error: rpc error: code = DeadlineExceeded desc = context deadline exceeded`,
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createRealTarget } from '../../../src/targets/real.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - { name: prod, cluster: { server: "https://10.0.0.1:6443", certificate-authority: ca/prod.crt } }
  - { name: drill, cluster: { server: "https://10.99.0.1:6443" } }
users:
  - { name: admin, user: { token: not-a-real-token } }
contexts:
  - { name: admin@homelab, context: { cluster: prod, user: admin } }
  - { name: drill, context: { cluster: drill, user: admin } }
current-context: admin@homelab
`;

test('on the kubeconfig target with context:, commands see that context as current, like the API client; the user\'s file is untouched', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, KUBECONFIG);
  const session = createRealTarget('kubeconfig', { kubeconfig: file, context: 'drill' });
  const kubeconfigEnv = session.commandEnv()['KUBECONFIG']!;
  const [overlay, original] = kubeconfigEnv.split(path.delimiter);
  assert.equal(original, file);
  // The first file to set current-context wins (client-go's rule, which kubectl, flux and velero follow).
  const merged = new KubeConfig();
  merged.loadFromString(readFileSync(overlay!, 'utf8'));
  assert.equal(merged.getCurrentContext(), 'drill');
  assert.deepEqual(merged.getClusters(), []);
  const kubectl = spawnSync('kubectl', ['config', 'current-context'], { env: { ...process.env, KUBECONFIG: kubeconfigEnv }, encoding: 'utf8' });
  if (kubectl.error === undefined) assert.equal(kubectl.stdout.trim(), 'drill', kubectl.stderr);
  assert.equal(readFileSync(file, 'utf8'), KUBECONFIG);
  await session.close();
  assert.equal(existsSync(overlay!), false);
  // Without a context the file is used as it is.
  assert.equal(createRealTarget('kubeconfig', { kubeconfig: file }).commandEnv()['KUBECONFIG'], file);
});

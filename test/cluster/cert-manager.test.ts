// cert-manager for real on the local cluster: its own controllers (built from the Go module proxy,
// run out of cluster) make the sample tree's selfSigned -> CA ClusterIssuer chain Ready, k8s.wait
// passes on that Ready condition through `dr-drill run`, and a CA issuer whose Secret is missing
// stays not Ready: the step fails with cert-manager's reason. Stopping leaves nothing behind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { CERT_MANAGER_NAMESPACE } from '../../src/cluster/local/cert-manager.ts';
import { leftovers, startLocalCluster, type LocalCluster } from '../../src/cluster/local/local-cluster.ts';
import { applyObject } from '../../src/cluster/local/kube.ts';
import { SAMPLE_FIXTURE_DIR } from '../../src/cluster/local/sample-repo.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { requireTools } from '../helpers/tools.ts';

// Built from the Go module proxy on first use; without Go (and outside CI) the tests are skipped.
const tools = await requireTools(['cert-manager-controller']);

const SAMPLE_ISSUERS = path.join(SAMPLE_FIXTURE_DIR, 'infrastructure', 'configs', 'cluster-issuer.yaml');

async function waitDrill(cluster: LocalCluster, name: string, timeout: string): Promise<{ code: number | null; result: DrillResult; output: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'drill.yaml');
  await writeFile(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: cluster-issuer
scenario: cold-start
target: kubeconfig
phases:
  - name: issuer
    steps:
      - id: cluster-issuer
        kind: k8s.wait
        timeout: ${timeout}
        with: { apiVersion: cert-manager.io/v1, kind: ClusterIssuer, name: ${name}, condition: { type: Ready } }
`,
  );
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', file, '--target', 'kubeconfig', '--out', out], { env: { KUBECONFIG: cluster.kubeconfigPath } });
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  return { code: run.code, result, output: run.stdout + run.stderr };
}

describe('cert-manager on the local cluster', { skip: tools.skip, timeout: 600_000 }, () => {
  let cluster: LocalCluster;

  before(async () => {
    cluster = await startLocalCluster({ flux: false, certManager: true, log: (line) => process.stderr.write(`# local-cluster ${line}\n`) });
    const kubeConfig = cluster.kubeConfig();
    // What the sample tree's infrastructure-controllers layer creates, then its configs layer's issuers as they are shipped.
    await applyObject(kubeConfig, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: CERT_MANAGER_NAMESPACE } });
    for (const object of loadAllYaml(readFileSync(SAMPLE_ISSUERS, 'utf8')) as KubernetesObject[]) await applyObject(kubeConfig, object);
    await applyObject(kubeConfig, { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'broken-ca' }, spec: { ca: { secretName: 'no-such-ca' } } });
  });
  after(async () => {
    if (cluster === undefined) return;
    await cluster.stop();
    assert.deepEqual(leftovers(cluster), { pids: [], dirExists: false });
  });

  test('the sample CA ClusterIssuer becomes Ready=True through the real controller, and k8s.wait passes on it', async () => {
    const { code, result, output } = await waitDrill(cluster, 'drill-ca', '2m');
    assert.equal(code, 0, output);
    const step = result.steps.find((candidate) => candidate.id === 'cluster-issuer')!;
    assert.equal(step.status, 'passed');
    assert.equal(step.outputs.value, 'True');
    // The CA really was issued: the selfSigned issuer signed the Certificate's key pair into its Secret.
    const secret = await cluster.kubeConfig().makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: CERT_MANAGER_NAMESPACE, name: 'drill-ca' });
    const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(secret.data?.['tls.key'], 'the CA Secret holds a private key');
  });

  test('a CA ClusterIssuer whose Secret is missing stays not Ready: k8s.wait fails with cert-manager\'s reason', async () => {
    const { code, result, output } = await waitDrill(cluster, 'broken-ca', '20s');
    assert.equal(code, 1, output);
    const step = result.steps.find((candidate) => candidate.id === 'cluster-issuer')!;
    assert.equal(step.status, 'timed-out');
    const text = `${step.error?.message ?? ''}\n${step.error?.details ?? ''}`;
    assert.match(text, /ErrGetKeyPair/, text);
    assert.match(text, /no-such-ca/, text);
  });
});

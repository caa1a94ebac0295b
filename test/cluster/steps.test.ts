// The Kubernetes-facing steps against a real API server with real Flux (the local harness):
// flux.wait, k8s.wait, k8s.delete, and velero.restore with this test playing Velero's controller.
// Each runs through `dr-drill run` on the kubeconfig target, the path users run.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { gitRepositoryHead, startTestCluster, type TestCluster } from '../helpers/local-cluster.ts';
import { playVelero, seedVelero } from '../helpers/velero-player.ts';

async function runDrillFile(yaml: string, cluster: TestCluster, extraArgs: string[] = []): Promise<{ code: number | null; result: DrillResult; stdout: string }> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'drill.yaml'), yaml);
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'drill.yaml'), '--target', 'kubeconfig', '--out', out, ...extraArgs], { env: { KUBECONFIG: cluster.kubeconfigPath } });
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  return { code: run.code, result, stdout: run.stdout + run.stderr };
}

const header = (name: string, body: string) => `apiVersion: dr-drill.io/v1\nkind: Drill\nname: ${name}\nscenario: cold-start\ntarget: kubeconfig\n${body}`;

describe('Kubernetes-facing steps on a real API server', { timeout: 900_000 }, () => {
  let cluster: TestCluster;
  let kc: KubeConfig;

  before(async () => {
    cluster = await startTestCluster();
    kc = cluster.kubeConfig();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('flux.wait sees the layers Ready in order at the branch HEAD; k8s.wait sees the LB IP and the issuer stand-in', async () => {
    const head = await gitRepositoryHead(kc);
    const { code, result, stdout } = await runDrillFile(
      header(
        'flux-layers',
        `objectives:
  rpo: { cluster-config: 1h }
phases:
  - name: layers
    steps:
      - id: controllers
        kind: flux.wait
        timeout: 5m
        with: { names: [infrastructure-controllers] }
      - id: ingress-ip
        kind: k8s.wait
        timeout: 2m
        with: { apiVersion: v1, kind: Service, namespace: ingress-nginx, name: ingress-nginx-controller, jsonPath: ".status.loadBalancer.ingress[0].ip", matches: "^192\\\\.0\\\\.2\\\\." }
      - id: configs
        kind: flux.wait
        timeout: 5m
        with: { names: [infrastructure-configs] }
      - id: issuer
        kind: k8s.wait
        timeout: 2m
        with: { apiVersion: v1, kind: ConfigMap, namespace: infra-configs, name: clusterissuer-letsencrypt, jsonPath: .data.kind, equals: ClusterIssuer }
      - id: apps
        kind: flux.wait
        timeout: 5m
        rpo: cluster-config
        with: { names: [apps], gitRevision: "${head.sha}" }
`,
      ),
      cluster,
    );
    assert.equal(code, 0, stdout);
    const step = (id: string) => result.steps.find((candidate) => candidate.id === id)!;
    assert.deepEqual(step('apps').outputs.revisions, { apps: `${head.branch}@sha1:${head.sha}` }, stdout);
    assert.match(String(step('ingress-ip').outputs.value), /^192\.0\.2\.\d+$/);
    assert.equal(result.rpo[0]!.achievedMs, 0);
    assert.match(result.rpo[0]!.samples[0]!.source, new RegExp(`branch HEAD at T0 \\(${head.sha.slice(0, 12)}\\)`));
  });

  test('flux.wait fails fast with the Ready condition\'s reason for a broken Kustomization', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    await api.createNamespacedCustomObject({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      namespace: 'flux-system',
      plural: 'kustomizations',
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'broken', namespace: 'flux-system' },
        spec: { interval: '1m', retryInterval: '10s', path: './does-not-exist', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
      },
    });
    const { code, result } = await runDrillFile(header('broken-layer', `phases:\n  - name: p\n    steps:\n      - { id: broken, kind: flux.wait, timeout: 3m, with: { names: [broken] } }\n`), cluster);
    assert.equal(code, 1);
    const error = result.steps[0]!.error!;
    assert.match(error.message, /^Kustomization flux-system\/broken failed: (ArtifactFailed|BuildFailed): .*does-not-exist/);
    assert.match(error.details ?? '', /flux events --for Kustomization\/broken -n flux-system/);
  });

  test('the namespace-restore drill, with the test playing Velero: mapping, phases, PodVolumeRestores, warnings, cleanup', async () => {
    await seedVelero(kc, { backupAgeMs: 3 * 3_600_000 });
    const player = playVelero(kc, { warnings: 2 });
    try {
      const { code, result, stdout } = await runDrillFile((await readFile('drills/namespace-restore.yaml', 'utf8')), cluster);
      assert.equal(code, 0, stdout);
      const restore = result.steps.find((step) => step.id === 'velero-restore')!;
      assert.equal(restore.outputs.phase, 'Completed');
      assert.equal(restore.outputs.warnings, 2);
      assert.equal(restore.outputs.volumes, 2);
      assert.match(stdout, /Restore velero-restore-\S+ has 2 warning\(s\); see: velero restore describe/);
      assert.match(stdout, /skipping newer backup daily-newest-failed: phase PartiallyFailed/);
      const seen = player.restores()[0]!;
      assert.deepEqual(seen.spec.includedNamespaces, ['paperless', 'mediabox']);
      assert.deepEqual(seen.spec.namespaceMapping, { paperless: `paperless-drill-${result.run.id}`, mediabox: `mediabox-drill-${result.run.id}` });
      assert.equal(seen.spec.backupName, 'daily-completed');
      // RPO from the backup's start, 3h + its 10 minute window before T0.
      const rpo = result.rpo.find((entry) => entry.dataClass === 'data')!;
      assert.ok(Math.abs(rpo.achievedMs! - (3 * 3_600_000 + 600_000)) < 60_000, String(rpo.achievedMs));
      // finally removed the scratch namespaces.
      const namespaces = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((item) => item.metadata?.name);
      assert.ok(!namespaces.includes(`paperless-drill-${result.run.id}`) && !namespaces.includes(`mediabox-drill-${result.run.id}`), namespaces.join(', '));
    } finally {
      await player.stop();
    }
  });

  test('velero.restore refuses a backup location the drill could write to', async () => {
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({
      group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'backupstoragelocations', name: 'default',
      body: [{ op: 'replace', path: '/spec/accessMode', value: 'ReadWrite' }],
    });
    const { code, result } = await runDrillFile(header('rw-location', `phases:\n  - name: p\n    steps:\n      - { id: restore, kind: velero.restore, timeout: 2m, with: { schedule: daily, includedNamespaces: [paperless] } }\n`), cluster);
    assert.equal(code, 1);
    assert.equal(result.steps[0]!.error!.code, 'EPRODTARGET');
    assert.equal(result.steps[0]!.error!.message, 'backup storage location velero/default is ReadWrite: a drill must not be able to write production backups');
  });
});

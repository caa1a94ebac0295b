// The Kubernetes-facing steps against a real API server with real Flux (the local harness):
// flux.wait, k8s.wait, k8s.delete, and velero.restore with this test playing Velero's controller.
// Each runs through `dr-drill run` on the kubeconfig target, the path users run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { createFakeNode } from '../../src/cluster/local/fake-node.ts';
import { gitRepositoryHead, startTestCluster, type TestCluster } from '../helpers/local-cluster.ts';
import { playVelero, seedVelero } from '../helpers/velero-player.ts';
import { requireTool } from '../helpers/tools.ts';

/** The pinned restic, built from the Go module proxy on first use (the PVC restore test makes a real snapshot). */
const RESTIC = await requireTool('restic');

async function runDrillFile(yaml: string, cluster: TestCluster, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<{ code: number | null; result: DrillResult; stdout: string }> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'drill.yaml'), yaml);
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'drill.yaml'), '--target', 'kubeconfig', '--out', out, ...extraArgs], { env: { KUBECONFIG: cluster.kubeconfigPath, ...env } });
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

  test('flux.wait sees the layers Ready in order at the branch HEAD; k8s.wait sees the LB IP and the CA ClusterIssuer Ready', async () => {
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
        with: { apiVersion: cert-manager.io/v1, kind: ClusterIssuer, name: drill-ca, condition: { type: Ready } }
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
    assert.equal(step('issuer').outputs.value, 'True');
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

  test('flux.wait waits through a HealthCheckFailed that Flux recovers from by itself (a node that joins late), on the same revision', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const head = await gitRepositoryHead(kc);
    const ks = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', namespace: 'flux-system', plural: 'kustomizations' };
    await api.createNamespacedCustomObject({
      ...ks,
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'late-node', namespace: 'flux-system' },
        // The health check gives up after 5s; Flux retries every 5s by itself.
        spec: { interval: '10m', retryInterval: '5s', timeout: '5s', wait: true, path: './tests/late-node', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
      },
    });
    const node = 'kwok-late-0';
    let sawFailure = '';
    try {
      const drill = runDrillFile(header('late-node', `phases:\n  - name: p\n    steps:\n      - { id: late, kind: flux.wait, timeout: 3m, with: { names: [late-node] } }\n`), cluster);
      // Only once Flux has said HealthCheckFailed does the node join.
      for (let i = 0; i < 240 && !sawFailure; i++) {
        const object = (await api.getNamespacedCustomObject({ ...ks, name: 'late-node' })) as { status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } };
        const ready = object.status?.conditions?.find((condition) => condition.type === 'Ready');
        if (ready?.status === 'False' && ready.reason === 'HealthCheckFailed') sawFailure = ready.reason;
        else await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(sawFailure, 'HealthCheckFailed');
      await createFakeNode(kc, node, 60_000, { 'dr-drill.io/pool': 'late' });
      const { code, result, stdout } = await drill;
      assert.equal(code, 0, stdout);
      assert.match(stdout, /late-node: Ready=False HealthCheckFailed/);
      assert.deepEqual(result.steps[0]!.outputs.revisions, { 'late-node': `${head.branch}@sha1:${head.sha}` });
    } finally {
      await api.deleteNamespacedCustomObject({ ...ks, name: 'late-node' }).catch(() => undefined);
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: 'late-node' }).catch(() => undefined);
      await kc.makeApiClient(CoreV1Api).deleteNode({ name: node }).catch(() => undefined);
    }
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
      // The phases the real server goes through, Finalizing included.
      assert.match(stdout, /Restore velero-restore-\S+: Finalizing .*\n[^]*Restore velero-restore-\S+: Completed/);
      assert.deepEqual(restore.warnings?.map((warning) => warning.replace(/velero-restore-\S+/g, 'RESTORE')), ['skipping newer backup daily-newest-failed: phase PartiallyFailed', 'Restore RESTORE has 2 warning(s); see: velero restore describe RESTORE --details']);
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

      // A re-run with the same run id finds the first run's Restore and takes the next free name.
      const again = await runDrillFile((await readFile('drills/namespace-restore.yaml', 'utf8')), cluster, ['--run-id', result.run.id]);
      assert.equal(again.code, 0, again.stdout);
      const second = again.result.steps.find((step) => step.id === 'velero-restore')!;
      assert.equal(restore.outputs.restore, `velero-restore-${result.run.id}`);
      assert.equal(second.outputs.restore, `velero-restore-${result.run.id}-2`);
      assert.equal(second.outputs.phase, 'Completed');
    } finally {
      await player.stop();
    }
  });

  test('on an existing cluster velero.restore refuses live namespaces and k8s.delete refuses what the run did not create', async () => {
    await seedVelero(kc, { backupAgeMs: 3 * 3_600_000 });
    // paperless and mediabox are live: the sample apps layer created them.
    const { code, result } = await runDrillFile(
      header('into-live', `phases:\n  - name: p\n    steps:\n      - { id: restore, kind: velero.restore, timeout: 2m, with: { schedule: daily, includedNamespaces: [paperless] } }\nfinally:\n  - { id: cleanup, kind: k8s.delete, timeout: 1m, with: { kind: Namespace, names: [mediabox] } }\n`),
      cluster,
    );
    assert.equal(code, 1);
    const restore = result.steps.find((step) => step.id === 'restore')!;
    assert.deepEqual([restore.error!.code, restore.error!.message], ['EPRODTARGET', 'refusing to restore into existing namespace(s) paperless on an existing cluster']);
    const cleanup = result.steps.find((step) => step.id === 'cleanup')!;
    assert.deepEqual([cleanup.error!.code, cleanup.error!.message], ['EPRODTARGET', 'refusing to delete Namespace mediabox: not created by this drill run']);
    const core = kc.makeApiClient(CoreV1Api);
    assert.equal((await core.readNamespace({ name: 'mediabox' })).status?.phase, 'Active');
    const restores = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores', labelSelector: `dr-drill.io/run=${result.run.id}` })) as { items: unknown[] };
    assert.equal(restores.items.length, 0, 'no Restore was created');
  });

  test('velero.restore refuses a backup location the drill could write to', async () => {
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({
      group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'backupstoragelocations', name: 'default',
      body: [{ op: 'replace', path: '/spec/accessMode', value: 'ReadWrite' }],
    });
    // Preflight reads the existing cluster's locations: refused before T0, nothing runs, no result.
    const dir = await tempDir();
    await writeFile(path.join(dir, 'drill.yaml'), header('rw-location', `phases:\n  - name: p\n    steps:\n      - { id: restore, kind: velero.restore, timeout: 2m, with: { schedule: daily, includedNamespaces: [paperless] } }\n`));
    const out = path.join(dir, 'reports');
    const run = await runCli(['run', path.join(dir, 'drill.yaml'), '--target', 'kubeconfig', '--out', out], { env: { KUBECONFIG: cluster.kubeconfigPath } });
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /EPRODTARGET step "restore" would restore through backup storage location velero\/default, which is ReadWrite/);
    await assert.rejects(readFile(path.join(out, 'result.json'), 'utf8'), 'nothing ran');
  });

  test('velero.location makes the location ReadOnly for the drill and puts ReadWrite back in finally (real API server)', async () => {
    // The test before left the location ReadWrite, as production's usually is.
    const api = kc.makeApiClient(CustomObjectsApi);
    const read = async () => (await api.getNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'backupstoragelocations', name: 'default' })) as { metadata: { annotations?: Record<string, string> }; spec: { accessMode?: string } };
    assert.equal((await read()).spec.accessMode, 'ReadWrite');
    const { code, result, stdout } = await runDrillFile(
      header('bsl', `phases:\n  - name: p\n    steps:\n      - { id: read-only, kind: velero.location, with: { accessMode: ReadOnly } }\n      - { id: seen, kind: k8s.wait, timeout: 1m, with: { apiVersion: velero.io/v1, kind: BackupStorageLocation, namespace: velero, name: default, jsonPath: .spec.accessMode, equals: ReadOnly } }\nfinally:\n  - { id: put-back, kind: velero.location, with: { restore: true } }\n`),
      cluster,
    );
    assert.equal(code, 0, stdout);
    assert.deepEqual(result.steps.find((step) => step.id === 'read-only')!.outputs, { accessMode: 'ReadOnly', previousAccessMode: 'ReadWrite', changed: true });
    assert.deepEqual(result.steps.find((step) => step.id === 'put-back')!.outputs, { accessMode: 'ReadWrite', changed: true });
    const after = await read();
    assert.equal(after.spec.accessMode, 'ReadWrite');
    assert.equal(after.metadata.annotations?.['dr-drill.io/previous-access-mode'], undefined);
  });

  test('restic.restore into a PVC runs a Job on the cluster with the password in a Secret, and removes the Secret', async () => {
    // A real snapshot made here; the Job reaches the same repository through an in-cluster URL.
    const dir = await tempDir('dr-drill-pvc-');
    const password = 'pvc-restore-Password-51c0';
    const env = { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: path.join(dir, 'cache') };
    await mkdir(path.join(dir, 'data', 'paperless'), { recursive: true });
    await writeFile(path.join(dir, 'data', 'paperless', 'canary.log'), `${new Date(Date.now() - 3_600_000).toISOString()} canary\n`);
    execFileSync(RESTIC, ['-r', path.join(dir, 'repo'), 'init'], { env, stdio: 'ignore' });
    execFileSync(RESTIC, ['-r', path.join(dir, 'repo'), 'backup', '--host', 'paperless', path.join(dir, 'data')], { env, stdio: 'ignore' });
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'pvc-restore' } } });
    await core.createPersistentVolume({ body: { metadata: { name: 'pvc-restore-data' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pvc-restore' }, claimRef: { namespace: 'pvc-restore', name: 'paperless-data' }, storageClassName: '' } } });
    await core.createNamespacedPersistentVolumeClaim({ namespace: 'pvc-restore', body: { metadata: { name: 'paperless-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'pvc-restore-data' } } });
    const { code, result, stdout } = await runDrillFile(
      header('pvc-restore', `objectives:\n  rpo: { data: 24h }\nphases:\n  - name: p\n    steps:\n      - id: restore\n        kind: restic.restore\n        timeout: 3m\n        rpo: data\n        with:\n          repository: ${path.join(dir, 'repo')}\n          password: \${env.PVC_RESTIC_PASSWORD}\n          host: paperless\n          pvc: { name: paperless-data, namespace: pvc-restore, repository: "rest:http://restic.backup.svc:8000/paperless", subfolder: ${path.join(dir, 'data')} }\n`),
      cluster,
      [],
      { PVC_RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: path.join(dir, 'cache') },
    );
    assert.equal(code, 0, stdout);
    const step = result.steps[0]!;
    assert.equal(step.outputs.pvc, 'pvc-restore/paperless-data');
    const job = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace: 'pvc-restore', name: String(step.outputs.job) });
    const container = job.spec!.template.spec!.containers[0]!;
    assert.deepEqual(container.args, ['restore', `${String(step.outputs.snapshot)}:${path.join(dir, 'data')}`, '--target', '/restore']);
    assert.match(String(step.outputs.job), new RegExp(`^restic-restore-${result.run.id}-1$`));
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    assert.deepEqual(plain(container.envFrom), [{ secretRef: { name: String(step.outputs.job) } }]);
    assert.deepEqual(plain(job.spec!.template.spec!.volumes), [{ name: 'data', persistentVolumeClaim: { claimName: 'paperless-data' } }]);
    assert.equal(job.status?.conditions?.find((condition) => condition.type === 'Complete')?.status, 'True');
    assert.ok(!JSON.stringify(job).includes(password), 'the password is not in the Job');
    const secrets = (await core.listNamespacedSecret({ namespace: 'pvc-restore', labelSelector: `dr-drill.io/run=${result.run.id}` })).items;
    assert.deepEqual(secrets.map((secret) => secret.metadata?.name), [], 'the Secret is gone');
    assert.equal(result.rpo[0]!.verdict, 'met');
    assert.ok(!stdout.includes(password));
  });
});

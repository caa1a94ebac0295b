// Proves the local harness is real: kwok control plane, real Flux controllers
// reconciling the sample repo over smart HTTP, kwok making pods Ready, Velero
// CRDs served, and a teardown that leaves nothing behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { getKustomizationStatus, type KustomizationStatus } from '../../src/cluster/local/index.ts';
import { isListening } from '../../src/cluster/local/ports.ts';
import { isPidAlive } from '../../src/cluster/local/kwok-cluster.ts';
import { waitFor } from '../../src/cluster/local/wait.ts';
import { gitRepositoryHead, listeningSockets, portListeners, startTestCluster, type TestCluster } from '../helpers/local-cluster.ts';

const LAYERS = ['infrastructure-controllers', 'infrastructure-configs', 'apps'] as const;

describe('local cluster (kwok + real Flux)', { timeout: 600_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await startTestCluster();
    if (cluster.owned !== undefined) {
      process.stderr.write(`# local cluster started in ${(cluster.startMs / 1000).toFixed(1)}s ${JSON.stringify(cluster.owned.timings)}\n`);
    }
  });
  after(async () => {
    await cluster?.stop();
  });

  test('each layer Kustomization becomes Ready=True in dependency order at the repo HEAD', async () => {
    const kc = cluster.kubeConfig();
    const head = await gitRepositoryHead(kc);
    assert.match(head.sha, /^[0-9a-f]{40}$/);
    const readyAt = new Map<string, { at: number; status: KustomizationStatus }>();
    await waitFor(
      async () => {
        for (const name of LAYERS) {
          if (readyAt.has(name)) continue;
          const s = await getKustomizationStatus(kc, name);
          if (s.ready) readyAt.set(name, { at: performance.now(), status: s });
        }
        return readyAt.size === LAYERS.length ? true : undefined;
      },
      { what: `Kustomizations ${LAYERS.join(', ')} Ready=True`, timeoutMs: 300_000, intervalMs: 200 },
    );
    const seen = LAYERS.map((n) => readyAt.get(n)!);
    for (const s of seen) assert.equal(s.status.lastAppliedRevision, `${head.branch}@sha1:${head.sha}`, `${s.status.name} revision`);
    for (let i = 1; i < seen.length; i++) {
      const prev = seen[i - 1]!;
      const cur = seen[i]!;
      assert.ok(prev.at <= cur.at, `${prev.status.name} must be Ready before ${cur.status.name}`);
      assert.ok(
        Date.parse(prev.status.readyTransitionTime) <= Date.parse(cur.status.readyTransitionTime),
        `Ready transition of ${prev.status.name} (${prev.status.readyTransitionTime}) must not be after ${cur.status.name} (${cur.status.readyTransitionTime})`,
      );
    }
  });

  test('a paperless Deployment becomes Available on the kwok node', async () => {
    const kc = cluster.kubeConfig();
    const apps = kc.makeApiClient(AppsV1Api);
    const dep = await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'paperless-ngx', namespace: 'paperless' });
        const available = d.status?.conditions?.find((c) => c.type === 'Available');
        return available?.status === 'True' && d.status?.availableReplicas === 1 ? d : undefined;
      },
      { what: 'paperless/paperless-ngx Available', timeoutMs: 120_000 },
    );
    assert.equal(dep.status?.readyReplicas, 1);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'paperless', labelSelector: 'app.kubernetes.io/name=paperless-ngx' });
    assert.equal(pods.items.length, 1);
    assert.equal(pods.items[0]?.status?.phase, 'Running');
    assert.equal(pods.items[0]?.spec?.nodeName, 'kwok-node-0');
  });

  test('the ingress LoadBalancer Service carries the stand-in TEST-NET address', async () => {
    const svc = await cluster
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedService({ name: 'ingress-nginx-controller', namespace: 'ingress-nginx' });
    assert.match(svc.status?.loadBalancer?.ingress?.[0]?.ip ?? '', /^192\.0\.2\.\d+$/);
  });

  test('Velero CRDs are served', async () => {
    const api = cluster.kubeConfig().makeApiClient(ApiextensionsV1Api);
    for (const plural of ['backups', 'restores', 'backupstoragelocations', 'schedules', 'podvolumerestores']) {
      const crd = await api.readCustomResourceDefinition({ name: `${plural}.velero.io` });
      assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'), `${plural}.velero.io Established`);
    }
  });

  test('a Velero Restore can be created and its status driven like the Velero server does', async () => {
    const kc = cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'velero' } } }).catch((e: unknown) => {
      if ((e as { code?: number }).code !== 409) throw e;
    });
    const objects = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores' };
    await objects.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'drill-restore' }, spec: { backupName: 'nightly', includedNamespaces: ['paperless'] } },
    });
    // The Velero CRDs have no status subresource: the server updates status on the object itself.
    await objects.patchNamespacedCustomObject(
      { ...ref, name: 'drill-restore', body: { status: { phase: 'Completed', completionTimestamp: new Date().toISOString() } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const got = (await objects.getNamespacedCustomObject({ ...ref, name: 'drill-restore' })) as { status?: { phase?: string } };
    assert.equal(got.status?.phase, 'Completed');
  });

  test('teardown leaves no process, port or temp dir behind', async (t) => {
    const owned = cluster.owned;
    if (owned === undefined) {
      t.skip('cluster reused through DR_DRILL_TEST_KUBECONFIG; its owner tears it down');
      return;
    }
    const pids = owned.pids();
    assert.ok(pids.length >= 7, `expected control plane + Flux PIDs, got ${pids.join(',')}`);
    const listeners = [...listeningSockets(pids), ...owned.ports().map((port) => ({ port, loopback: true, address: '' }))];
    assert.ok(listeners.length > 0);
    const exposed = listeners.filter((l) => !l.loopback);
    assert.deepEqual(exposed, [], 'every listener must be bound to loopback');
    await owned.stop();
    await owned.stop(); // idempotent
    assert.deepEqual(pids.filter(isPidAlive), [], 'no process left');
    // A port may be taken again at once by another cluster on this machine; only
    // a listener that is ours (this process, or a command line naming our dir) is a leftover.
    const ours: string[] = [];
    for (const l of listeners) {
      if (!(await isListening(l.port))) continue;
      for (const o of portListeners(l.port)) {
        if (o.pid === process.pid || o.cmdline.includes(owned.dir)) ours.push(`${l.port} (pid ${o.pid}: ${o.cmdline.slice(0, 80)})`);
      }
    }
    assert.deepEqual(ours, [], 'no port of ours left listening');
    assert.equal(existsSync(owned.dir), false, `temp dir ${owned.dir} removed`);
  });
});

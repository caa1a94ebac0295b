// quota-exhausted against the in-memory API: which namespaces get the zero-pod quota, and that the
// fault counts as planted only once the resourcequota controller has made it binding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../../../src/engine/clock.ts';
import type { KubeObject } from '../../../../../src/contract/cluster.ts';
import { ObjectStore } from '../../../../../src/targets/sim/store.ts';
import { exhaustQuotaOf, FAULT_QUOTA } from '../../../../../src/targets/local/planted/quota.ts';
import { formatError } from '../../../../../src/util/errors.ts';

/** Namespaces by the Flux layer that applied them (kustomize-controller's owner labels); none: the cluster's own. */
const NAMESPACES: Record<string, string | undefined> = {
  default: undefined,
  'kube-system': undefined,
  'flux-system': undefined,
  velero: undefined,
  'cert-manager': 'infrastructure-controllers',
  'ingress-nginx': 'infrastructure-controllers',
  'infra-configs': 'infrastructure-configs',
  homepage: 'apps',
  mediabox: 'apps',
  paperless: 'apps',
};

function clusterWith(namespaces: Record<string, string | undefined>, { quotaController }: { quotaController: boolean }) {
  const store = new ObjectStore(systemClock());
  const owner = (layer: string | undefined) => (layer ? { labels: { 'kustomize.toolkit.fluxcd.io/name': layer, 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } } : {});
  for (const [name, layer] of Object.entries(namespaces)) store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...owner(layer) }, status: { phase: 'Active' } });
  store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving', ...owner('apps') }, status: { phase: 'Terminating' } });
  // Another Flux's apps layer (a Kustomization named apps in another namespace) is not ours.
  store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-app', labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'tenant' } }, status: { phase: 'Active' } });
  if (quotaController) {
    // What kube-controller-manager's resourcequota controller does: status.hard from spec, status.used counted.
    store.watch('v1', 'ResourceQuota', {}, (type, quota) => {
      if (type !== 'ADDED') return;
      const running = store.list('v1', 'Pod', { namespace: quota.metadata.namespace! }).length;
      queueMicrotask(() => store.patch({ apiVersion: 'v1', kind: 'ResourceQuota', name: quota.metadata.name, namespace: quota.metadata.namespace! }, { status: { hard: quota.spec!.hard, used: { pods: String(running) } } }));
    });
  }
  store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'homepage-1', namespace: 'homepage' } });
  return store;
}

test('quota-exhausted gives every namespace of the apps layer (the one whose Deployment was pruned included), not the platform\'s, a quota of zero pods, binding once the controller counted it', async () => {
  const store = clusterWith(NAMESPACES, { quotaController: true });
  const lines: string[] = [];
  const planted = await exhaustQuotaOf(store.asCluster(), (line) => lines.push(line), new AbortController().signal);
  assert.deepEqual(planted, ['homepage', 'mediabox', 'paperless']);
  const quotas = store.list('v1', 'ResourceQuota');
  assert.deepEqual(quotas.map((quota: KubeObject) => [quota.metadata.namespace, quota.metadata.name, quota.spec?.hard]), [
    ['homepage', FAULT_QUOTA, { pods: '0' }],
    ['mediabox', FAULT_QUOTA, { pods: '0' }],
    ['paperless', FAULT_QUOTA, { pods: '0' }],
  ]);
  assert.deepEqual(lines, [
    `resourcequota/${FAULT_QUOTA} in homepage: pods 1 running stay, no new pod admitted (hard pods: 0)`,
    `resourcequota/${FAULT_QUOTA} in mediabox: pods 0 running stay, no new pod admitted (hard pods: 0)`,
    `resourcequota/${FAULT_QUOTA} in paperless: pods 0 running stay, no new pod admitted (hard pods: 0)`,
  ]);
});

test('a quota no controller enforces is no fault in place: the planter says so instead of letting the run pass as detected or not', async () => {
  const store = clusterWith(NAMESPACES, { quotaController: false });
  await assert.rejects(exhaustQuotaOf(store.asCluster(), () => undefined, new AbortController().signal, 300), (error: unknown) => {
    assert.match(formatError(error), /ELOCAL ResourceQuota homepage\/dr-drill-fault-quota enforced \(status.hard set by the resourcequota controller\) not reached within 0s/);
    return true;
  });
});

test('a cluster whose apps layer applied no namespace cannot get the fault', async () => {
  const store = clusterWith({ default: undefined, 'flux-system': undefined, 'ingress-nginx': 'infrastructure-controllers' }, { quotaController: true });
  await assert.rejects(exhaustQuotaOf(store.asCluster(), () => undefined, new AbortController().signal), /quota-exhausted: no namespace carries kustomize.toolkit.fluxcd.io\/name=apps,kustomize.toolkit.fluxcd.io\/namespace=flux-system, so there is no app namespace to put a quota in/);
  assert.deepEqual(store.list('v1', 'ResourceQuota'), []);
});

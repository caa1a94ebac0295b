/**
 * quota-exhausted: when the step starts, every app namespace gets a ResourceQuota of zero pods.
 * Running pods stay (a quota never evicts), but the API server admits no new pod there, so a
 * Deployment the revert brings back gets a ReplicaSet whose pods are refused ("exceeded quota")
 * and never becomes Available; only a check of the recovered app's health can tell.
 */
import type { Cluster } from '../../../contract/cluster.ts';
import { waitFor } from '../../../cluster/local/wait.ts';
import { kubeCluster } from '../../../kube/client.ts';
import { DrillError } from '../../../util/errors.ts';
import type { PlantScene } from './scene.ts';

export const FAULT_QUOTA = 'dr-drill-fault-quota';
/** The cluster's own namespaces and its platform's (Flux, cert-manager, Velero, the ingress controller); every other one holds apps. */
const PLATFORM_NAMESPACES = new Set(['default', 'flux-system', 'cert-manager', 'velero', 'ingress-nginx']);

/**
 * Namespaces that hold apps: not kube-*, not the platform's. Not "those running a Deployment":
 * when the revert starts, the app whose Deployment was pruned runs none, and it is the one to catch.
 */
export function appNamespaces(names: readonly string[]): string[] {
  return names.filter((name) => !name.startsWith('kube-') && !PLATFORM_NAMESPACES.has(name)).sort();
}

export async function exhaustQuotaOf(cluster: Cluster, log: (line: string) => void, signal: AbortSignal, observedWithinMs = 30_000): Promise<string[]> {
  const listed = await cluster.list('v1', 'Namespace');
  const namespaces = appNamespaces(listed.items.filter((namespace) => namespace.status?.phase !== 'Terminating').map((namespace) => namespace.metadata.name));
  if (namespaces.length === 0) throw new DrillError('ELOCAL', 'quota-exhausted: the cluster has no app namespace to put a quota in', { details: `namespaces: ${listed.items.map((namespace) => namespace.metadata.name).join(', ')}` });
  for (const namespace of namespaces) {
    await cluster.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: FAULT_QUOTA, namespace, labels: { 'app.kubernetes.io/managed-by': 'dr-drill' } }, spec: { hard: { pods: '0' } } });
  }
  // The API server admits against status.hard, which kube-controller-manager's resourcequota
  // controller fills in: until it has, the quota admits everything and the fault is not in place.
  for (const namespace of namespaces) {
    const observed = await waitFor(
      async () => {
        const quota = await cluster.get({ apiVersion: 'v1', kind: 'ResourceQuota', namespace, name: FAULT_QUOTA });
        return quota?.status?.hard?.pods === '0' && quota.status.used?.pods !== undefined ? quota : undefined;
      },
      { what: `ResourceQuota ${namespace}/${FAULT_QUOTA} enforced (status.hard set by the resourcequota controller)`, timeoutMs: observedWithinMs, intervalMs: 200, signal },
    );
    log(`resourcequota/${FAULT_QUOTA} in ${namespace}: pods ${String(observed.status?.used?.pods)} running stay, no new pod admitted (hard pods: 0)`);
  }
  return namespaces;
}

export async function exhaustPodQuota({ kubeConfig, log, signal }: PlantScene): Promise<void> {
  await exhaustQuotaOf(kubeCluster(kubeConfig()), log, signal);
}

/**
 * quota-exhausted: when the step starts, every app namespace (the ones Flux's apps layer applied)
 * gets a ResourceQuota of zero pods. Running pods stay (a quota never evicts), but the API server
 * admits no new pod there: the Deployment the revert brings back gets a ReplicaSet whose pods are
 * refused ("exceeded quota") and never becomes Available. Only a health check sees it: Flux's own
 * (a layer with wait: true never turns Ready) or the drill's check of the recovered app.
 */
import type { Cluster } from '../../../contract/cluster.ts';
import { waitFor } from '../../../cluster/local/wait.ts';
import { kubeCluster } from '../../../kube/client.ts';
import { DrillError } from '../../../util/errors.ts';
import type { PlantScene } from './scene.ts';

export const FAULT_QUOTA = 'dr-drill-fault-quota';
/**
 * App namespaces are the ones Flux's apps layer applied (kustomize-controller labels what it
 * applies with its Kustomization's name): not the platform's (infrastructure layers, Flux,
 * kube-*). Not "those running a Deployment": when the revert starts, the app whose Deployment was
 * pruned runs none, and it is the one the fault is for.
 */
export const APPS_LAYER_SELECTOR = 'kustomize.toolkit.fluxcd.io/name=apps,kustomize.toolkit.fluxcd.io/namespace=flux-system';

export async function exhaustQuotaOf(cluster: Cluster, log: (line: string) => void, signal: AbortSignal, observedWithinMs = 30_000): Promise<string[]> {
  const listed = await cluster.list('v1', 'Namespace', { labelSelector: APPS_LAYER_SELECTOR });
  const namespaces = listed.items.filter((namespace) => namespace.status?.phase !== 'Terminating').map((namespace) => namespace.metadata.name).sort();
  if (namespaces.length === 0) throw new DrillError('ELOCAL', `quota-exhausted: no namespace carries ${APPS_LAYER_SELECTOR}, so there is no app namespace to put a quota in`, { details: 'the fault needs the runbook\'s layers: a Flux Kustomization flux-system/apps that applied the apps\' namespaces' });
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

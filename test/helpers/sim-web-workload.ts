/** A sim target holding a `web` Deployment whose pods sit on the nodes a test names, guarded by a PodDisruptionBudget. */
import type { KubeObject } from '../../src/contract/cluster.ts';
import { simTargetSchema } from '../../src/drill/schema.ts';
import { nodes } from '../../src/targets/sim/cluster-content.ts';
import { createSimTarget } from '../../src/targets/sim/target.ts';

const LABELS = { 'app.kubernetes.io/name': 'web' };

/** A Ready pod of the web Deployment's ReplicaSet on `node`. */
export function webPod(name: string, node: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'web', labels: LABELS, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-0123456789', controller: true }] },
    spec: { nodeName: node },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A provisioned sim cluster `t` with the web Deployment (`replicas`) and a budget of `minAvailable`; add pods with webPod. */
export function simWithWebWorkload(options: { replicas: number; minAvailable: number }) {
  const session = createSimTarget(simTargetSchema.parse({}), new Map());
  const { world } = session;
  world.provisioned.add('t');
  session.kubeconfigPath = '(test)';
  for (const node of nodes('t')) world.store.upsert(node);
  world.store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web', labels: LABELS }, spec: { replicas: options.replicas }, status: {} });
  world.store.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'web' }, spec: { minAvailable: options.minAvailable, selector: { matchLabels: LABELS } } });
  return session;
}

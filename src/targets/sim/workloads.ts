/**
 * Pods for the simulated Deployments and what moves them: a scheduler that places a pod on the
 * Ready, schedulable node with the fewest pods (control-plane nodes keep their NoSchedule taint),
 * the ReplicaSet controller that replaces a pod the moment it terminates (evicted or its node
 * gone), PodDisruptionBudgets, and the Eviction API (`POST .../pods/<name>/eviction`), which
 * answers 429 when an eviction would violate a budget, as the API server does.
 */
import { conditionOf, type KubeObject, type ObjectRef } from '../../contract/cluster.ts';
import { fakeSha, type Fault, type SimWorld } from './world.ts';

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;

/** An error the simulated API returns with its HTTP status, as the real client surfaces it. */
export class ApiStatusError extends Error {
  readonly statusCode: number;
  readonly body: string;
  constructor(statusCode: number, message: string, reason: string) {
    super(message);
    this.statusCode = statusCode;
    this.body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code: statusCode });
  }
}

function schedulable(node: KubeObject): boolean {
  if (conditionOf(node, 'Ready')?.status !== 'True' || node.spec?.unschedulable) return false;
  return !((node.spec?.taints ?? []) as { effect: string }[]).some((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute');
}

function podsOf(world: SimWorld, namespace: string, app: string): KubeObject[] {
  return world.store.list(POD.apiVersion, POD.kind, { namespace, labelSelector: `app.kubernetes.io/name=${app}` }).filter((pod) => !pod.metadata.deletionTimestamp);
}

/** The node a new pod goes to, or a FailedScheduling message like the scheduler's. */
function pickNode(world: SimWorld): { node: string } | { message: string } {
  const nodes = world.store.list('v1', 'Node');
  const candidates = nodes.filter(schedulable);
  if (candidates.length === 0) {
    const unschedulable = nodes.filter((node) => node.spec?.unschedulable).length;
    const notReady = nodes.filter((node) => conditionOf(node, 'Ready')?.status !== 'True').length;
    const tainted = nodes.length - unschedulable - notReady;
    const parts = [notReady && `${notReady} node(s) had untolerated taint {node.kubernetes.io/not-ready: }`, unschedulable && `${unschedulable} node(s) were unschedulable`, tainted && `${tainted} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }`].filter(Boolean);
    return { message: `0/${nodes.length} nodes are available: ${parts.join(', ')}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.` };
  }
  const load = (name: string) => world.store.list(POD.apiVersion, POD.kind).filter((pod) => pod.spec?.nodeName === name && !pod.metadata.deletionTimestamp).length;
  const [best] = candidates.map((node) => ({ name: node.metadata.name, load: load(node.metadata.name) })).sort((a, b) => a.load - b.load || a.name.localeCompare(b.name));
  return { node: best!.name };
}

let podCounter = 0;

/** A pod of the Deployment, scheduled (or Pending); Ready only once `markReady` is called. */
export function createPod(world: SimWorld, deployment: KubeObject): KubeObject {
  const app = deployment.metadata.labels?.['app.kubernetes.io/name'] ?? deployment.metadata.name;
  const hash = fakeSha(`${deployment.metadata.namespace}/${deployment.metadata.name}`).slice(0, 10);
  podCounter += 1;
  const suffix = fakeSha(`${hash}-${podCounter}`).replace(/[^a-z]/g, '').padEnd(5, 'x').slice(0, 5);
  const placement = pickNode(world);
  return world.store.create({
    ...POD,
    metadata: {
      name: `${deployment.metadata.name}-${hash}-${suffix}`,
      namespace: deployment.metadata.namespace!,
      labels: { 'app.kubernetes.io/name': app, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment.metadata.name}-${hash}`, controller: true }],
    },
    spec: { ...('node' in placement ? { nodeName: placement.node } : {}), containers: [{ name: app, image: `${app}:sim` }] },
    status:
      'node' in placement
        ? { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${app}]` }] }
        : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: placement.message }] },
  });
}

export function markReady(world: SimWorld, pod: KubeObject): void {
  const ref = { ...POD, name: pod.metadata.name, namespace: pod.metadata.namespace! };
  const current = world.store.get(ref);
  if (!current?.spec?.nodeName || current.metadata.deletionTimestamp) return;
  world.store.patch(ref, { status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } });
}

const readyPods = (world: SimWorld, deployment: KubeObject) => podsOf(world, deployment.metadata.namespace!, deployment.metadata.labels?.['app.kubernetes.io/name'] ?? deployment.metadata.name).filter((pod) => conditionOf(pod, 'Ready')?.status === 'True');

/** Deployment status from its pods: Available only with every replica Ready (maxUnavailable 25% rounds down to 0 here). */
export function syncDeploymentStatus(world: SimWorld, ref: ObjectRef): void {
  const deployment = world.store.get(ref);
  if (!deployment) return;
  const wanted = deployment.spec?.replicas ?? 1;
  const ready = readyPods(world, deployment).length;
  const available = wanted > 0 && ready >= wanted;
  if (deployment.status?.availableReplicas === ready && (conditionOf(deployment, 'Available')?.status === 'True') === available) return;
  world.store.patch(ref, {
    status: {
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, wanted - ready),
      conditions: [{ type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', lastTransitionTime: world.isoTime() }],
    },
  });
}

/** Replace a terminated pod of a Deployment; the replacement is Ready after `pod/start` unless it crash-loops. */
function replace(world: SimWorld, pod: KubeObject, fault: Fault | undefined): void {
  const owner = pod.metadata.ownerReferences as { name: string }[] | undefined;
  const deploymentName = owner?.[0]?.name.replace(/-[0-9a-f]{10}$/, '');
  if (!deploymentName) return;
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName, namespace: pod.metadata.namespace! };
  const deployment = world.store.get(ref);
  if (!deployment) return;
  const replacement = createPod(world, deployment);
  syncDeploymentStatus(world, ref);
  if (fault === 'fail') {
    world.store.patch({ ...POD, name: replacement.metadata.name, namespace: replacement.metadata.namespace! }, { status: { phase: 'Running', containerStatuses: [{ name: replacement.spec?.containers?.[0]?.name, ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } } }] } });
    return;
  }
  world.clock
    .sleep(world.duration('pod/start'), world.signal)
    .then(() => {
      const current = world.store.get({ ...POD, name: replacement.metadata.name, namespace: replacement.metadata.namespace! });
      if (!current?.spec?.nodeName) return; // still Pending: scheduled later, Ready then
      markReady(world, current);
      syncDeploymentStatus(world, ref);
    })
    .catch(() => undefined);
}

/** Pending pods get a node once one is schedulable again (a node uncordoned or back Ready). */
export function schedulePending(world: SimWorld): void {
  for (const pod of world.store.list(POD.apiVersion, POD.kind)) {
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) continue;
    const placement = pickNode(world);
    if (!('node' in placement)) return;
    const ref = { ...POD, name: pod.metadata.name, namespace: pod.metadata.namespace! };
    world.store.patch(ref, { spec: { nodeName: placement.node }, status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] } });
    world.clock
      .sleep(world.duration('pod/start'), world.signal)
      .then(() => {
        const current = world.store.get(ref);
        if (!current) return;
        markReady(world, current);
        const deploymentName = (current.metadata.ownerReferences as { name: string }[])[0]!.name.replace(/-[0-9a-f]{10}$/, '');
        syncDeploymentStatus(world, { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName, namespace: current.metadata.namespace! });
      })
      .catch(() => undefined);
  }
}

/** How many pods of a budget's selector may go now: currently healthy minus what must stay. */
function disruptionsAllowed(world: SimWorld, budget: KubeObject): number {
  const app: string | undefined = budget.spec?.selector?.matchLabels?.['app.kubernetes.io/name'];
  const healthy = app ? podsOf(world, budget.metadata.namespace!, app).filter((pod) => conditionOf(pod, 'Ready')?.status === 'True').length : 0;
  const total = app ? podsOf(world, budget.metadata.namespace!, app).length : 0;
  if (budget.spec?.minAvailable !== undefined) return healthy - Number(budget.spec.minAvailable);
  if (budget.spec?.maxUnavailable !== undefined) return Number(budget.spec.maxUnavailable) - (total - healthy);
  return healthy;
}

/**
 * The Eviction API: 404 for a pod that is gone, 429 when a PodDisruptionBudget would be violated;
 * otherwise the pod terminates (gone after `pod/terminate`) and its ReplicaSet replaces it at once.
 */
export function evict(world: SimWorld, name: string, namespace: string, fault: Fault | undefined): void {
  const ref = { ...POD, name, namespace };
  const pod = world.store.get(ref);
  if (!pod) throw new ApiStatusError(404, `pods "${name}" not found`, 'NotFound');
  if (pod.metadata.deletionTimestamp) return;
  const app = pod.metadata.labels?.['app.kubernetes.io/name'];
  for (const budget of world.store.list('policy/v1', 'PodDisruptionBudget', { namespace })) {
    if (budget.spec?.selector?.matchLabels?.['app.kubernetes.io/name'] !== app) continue;
    if (conditionOf(pod, 'Ready')?.status === 'True' && disruptionsAllowed(world, budget) <= 0) {
      throw new ApiStatusError(429, "Cannot evict pod as it would violate the pod's disruption budget.", 'TooManyRequests');
    }
  }
  world.store.patch(ref, { metadata: { deletionTimestamp: world.isoTime() }, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }] } });
  replace(world, pod, fault);
  world.clock
    .sleep(world.duration('pod/terminate'), world.signal)
    .then(() => {
      if (world.store.get(ref)) world.store.delete(ref);
    })
    .catch(() => undefined);
}

/**
 * k8s.drain: what `kubectl drain` does (runbook 002 scenario 2: "Node taints → workloads
 * evakuiert"): cordon the node, evict its pods through the Eviction API (retrying while a
 * PodDisruptionBudget answers 429), and wait until the node holds no evictable pod. DaemonSet and
 * static (mirror) pods stay; a pod no controller would recreate is refused unless `force`.
 *
 * Production safety: draining moves real workloads and takes capacity away; the reset that
 * usually follows wipes the node. On an existing cluster (the kubeconfig target) a node this run
 * did not create (label dr-drill.io/run=<run id>) is refused unless the drill names it in `node:`
 * and sets allowUnowned, and a selector never picks one. Control-plane nodes need
 * allowControlPlane (a drained control-plane node of a three-node etcd leaves no margin), and the
 * drain is refused when no other Ready, schedulable node could take the pods.
 */
import { z } from 'zod';
import { conditionOf, type Cluster, type KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { parseDuration } from '../../util/duration.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';
import { duration } from '../../drill/schema.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';

const inputs = z
  .strictObject({
    node: z.string().optional().meta({ description: 'The node to drain, by name.' }),
    labelSelector: z.string().optional().meta({ description: 'Or exactly one node by label; on an existing cluster it must carry dr-drill.io/run=<run id>.' }),
    allowUnowned: z.boolean().default(false).meta({ description: 'On an existing cluster: drain a node this run did not create; only with node: (named explicitly).' }),
    allowControlPlane: z.boolean().default(false).meta({ description: 'Allow draining a control-plane node.' }),
    force: z.boolean().default(false).meta({ description: 'Also delete pods no controller recreates (kubectl drain --force).' }),
    evictionRetry: duration.default('5s').meta({ description: 'Wait before retrying an eviction a PodDisruptionBudget refused (429).' }),
  })
  .refine((value) => Boolean(value.node) !== Boolean(value.labelSelector), { error: 'give node: or labelSelector:, not both' });

const NODE = { apiVersion: 'v1', kind: 'Node' };
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export const isControlPlane = (node: KubeObject) => 'node-role.kubernetes.io/control-plane' in (node.metadata.labels ?? {});

function schedulable(node: KubeObject): boolean {
  if (conditionOf(node, 'Ready')?.status !== 'True' || node.spec?.unschedulable) return false;
  return !((node.spec?.taints ?? []) as { effect: string }[]).some((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute');
}

/** The HTTP status of an API error, from the real client (code, or a DrillError's cause) or the simulated API. */
export function statusOf(error: unknown): number | undefined {
  for (let current = error as { code?: unknown; statusCode?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (typeof current.statusCode === 'number') return current.statusCode;
    if (typeof current.code === 'number') return current.code;
  }
  return undefined;
}

async function chooseNode(context: StepContext, cluster: Cluster, input: z.output<typeof inputs>): Promise<KubeObject> {
  const existingCluster = context.target.kind === 'kubeconfig';
  let node: KubeObject | undefined;
  if (input.node) {
    node = await cluster.get({ ...NODE, name: input.node });
    if (!node) throw new DrillError('EINPUT', `node ${input.node} not found`, { details: 'name a node of the drill cluster (kubectl get nodes)' });
  } else {
    const { items } = await cluster.list(NODE.apiVersion, NODE.kind, { labelSelector: input.labelSelector! });
    if (items.length !== 1) throw new DrillError('EINPUT', `labelSelector ${input.labelSelector} matches ${items.length} nodes, not one`, { details: items.map((item) => item.metadata.name).join(', ') || 'no node carries these labels' });
    node = items[0]!;
  }
  const owned = node.metadata.labels?.['dr-drill.io/run'] === context.runId;
  if (existingCluster && !owned && !(input.node && input.allowUnowned)) {
    throw new DrillError('EPRODTARGET', `refusing to drain node ${node.metadata.name}: this drill run did not create it`, {
      details: input.node
        ? `on an existing cluster a drain moves real workloads and the reset after it wipes the node: set allowUnowned: true to drain ${node.metadata.name}, named here on purpose, or drain a node labelled dr-drill.io/run=${context.runId}`
        : `a selector never picks a node this run did not create: label the drill's node dr-drill.io/run=${context.runId}, or name it in node: with allowUnowned: true`,
    });
  }
  if (isControlPlane(node) && !input.allowControlPlane) {
    throw new DrillError('EPRODTARGET', `refusing to drain control-plane node ${node.metadata.name}`, { details: 'a drained control-plane node leaves etcd without margin; set allowControlPlane: true if that is the scenario' });
  }
  const others = (await cluster.list(NODE.apiVersion, NODE.kind)).items.filter((other) => other.metadata.name !== node.metadata.name && schedulable(other));
  if (others.length === 0) throw new DrillError('ECLUSTER', `no other Ready, schedulable node can take the pods of ${node.metadata.name}`, { details: 'the workloads would have nowhere to go; add a node (or uncordon one) first' });
  return node;
}

export const kubernetesDrain = defineStep({
  kind: 'k8s.drain',
  summary: 'cordon a node and evict its pods through the Eviction API (PodDisruptionBudgets respected, 429 retried) until it is empty',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const node = await chooseNode(context, cluster, input);
    const name = node.metadata.name;
    const taints = ((node.spec?.taints ?? []) as { key: string }[]).filter((taint) => taint.key !== UNSCHEDULABLE_TAINT.key);
    await cluster.patch({ ...NODE, name }, { spec: { unschedulable: true, taints: [...taints, UNSCHEDULABLE_TAINT] } });
    context.log.info(`node/${name} cordoned`);

    const onNode = async () => (await cluster.list('v1', 'Pod')).items.filter((pod) => pod.spec?.nodeName === name && !pod.metadata.deletionTimestamp);
    const pods = (await onNode()).filter((pod) => {
      const owner = (pod.metadata.ownerReferences as { kind: string; controller?: boolean }[] | undefined)?.find((ref) => ref.controller);
      if (owner?.kind === 'DaemonSet' || pod.metadata.annotations?.['kubernetes.io/config.mirror']) {
        context.log.info(`Warning: ignoring DaemonSet-managed or static Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
        return false;
      }
      if (!owner && !input.force) {
        throw new DrillError('ECLUSTER', `cannot delete Pods that declare no controller (use force: true to override): ${pod.metadata.namespace}/${pod.metadata.name}`);
      }
      return true;
    });
    const retryMs = parseDuration(input.evictionRetry);
    let refusals = 0;
    for (const pod of pods) {
      const ref = { namespace: pod.metadata.namespace!, name: pod.metadata.name };
      context.log.info(`evicting pod ${ref.namespace}/${ref.name}`);
      for (;;) {
        try {
          await cluster.create({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: ref });
          break;
        } catch (error) {
          const status = statusOf(error);
          if (status === 404) break;
          if (status !== 429) throw new DrillError('ECLUSTER', `evicting ${ref.namespace}/${ref.name} failed: ${errorMessage(error)}`, { cause: error });
          refusals += 1;
          context.log.info(`error when evicting pods/"${ref.name}" -n "${ref.namespace}" (will retry after ${input.evictionRetry}): Cannot evict pod as it would violate the pod's disruption budget.`);
          try {
            await context.clock.sleep(retryMs, context.signal);
          } catch (stopped) {
            // Stopped (the step's timeout) while a budget keeps refusing: that budget is the reason.
            if (!context.signal.aborted) throw stopped;
            throw new DrillError('ECLUSTER', `the eviction of pod ${ref.namespace}/${ref.name} was refused ${refusals} times: it would violate its PodDisruptionBudget (kubectl get pdb -n ${ref.namespace})`, {
              details: 'a budget that allows no disruption (minAvailable equal to the replicas, or maxUnavailable: 0) blocks every drain: relax it or add replicas',
              cause: stopped,
            });
          }
        }
      }
    }
    const evicted = new Set(pods.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`));
    const reported = new Set<string>();
    await waitForObjects(
      cluster,
      { apiVersion: 'v1', kind: 'Pod' },
      (view) => {
        for (const key of evicted) {
          if (!view.has(key) && !reported.has(key)) {
            reported.add(key);
            context.log.info(`pod/${key.split('/')[1]} evicted`);
          }
        }
        return [...evicted].every((key) => !view.has(key)) ? true : undefined;
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    );
    context.log.info(`node/${name} drained`);
    return { node: name, evicted: [...evicted], disruptionBudgetRefusals: refusals };
  },
});

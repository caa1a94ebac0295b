/**
 * no-spare-capacity: when the drain starts, every other node is full. Each node's allocatable
 * pods are set to the pods it already runs (kwok keeps a node's allocatable as it is), so the
 * real scheduler finds no room for the evicted workloads ("Too many pods"): the cluster was never
 * N+1, and only a check that the workloads came back on the healthy nodes can see it.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DrillError } from '../../../util/errors.ts';
import type { PlantScene } from './scene.ts';

const TERMINAL = new Set(['Succeeded', 'Failed']);

export async function fillOtherNodes({ step, kubeConfig, log, signal }: PlantScene): Promise<void> {
  const drained = (step.inputs as { node?: string }).node;
  if (!drained) throw new DrillError('EINPUT', `no-spare-capacity needs ${step.id} to name its node (node:), not a labelSelector`, { details: 'the fault fills every node but the one drained' });
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const nodes = (await core.listNode()).items.filter((node) => node.metadata?.name !== drained);
  if (nodes.length === 0) throw new DrillError('ELOCAL', `no-spare-capacity: no node besides ${drained} to fill`, { details: 'give the local.up step nodes: 2 or more, so the other nodes can be full' });
  for (const node of nodes) {
    signal.throwIfAborted();
    const name = node.metadata!.name!;
    const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` })).items.filter((pod) => !TERMINAL.has(pod.status?.phase ?? ''));
    const full = String(pods.length);
    await core.patchNodeStatus({ name, body: { status: { allocatable: { pods: full }, capacity: { pods: full } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    log(`node/${name} full: allocatable pods ${full} (the pods it runs), so nothing evicted from ${drained} fits there`);
  }
}

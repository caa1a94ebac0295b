/**
 * The faults a negative control plants on the local target just before a step starts: the world
 * the step meets is changed (a node's capacity, a controller, a quota), the step runs unchanged,
 * and only the drill's own checks can tell. Faults planted before T0 or into a created cluster
 * live in ./faults.ts; this is the dispatch for the rest.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Planter, PlantScene } from './planted/scene.ts';
import type { FaultName } from '../../drill/faults.ts';
import type { LocalCluster } from '../../cluster/local/index.ts';
import { DrillError } from '../../util/errors.ts';
import { STAGED_FAULTS } from './faults.ts';
import { fillOtherNodes } from './planted/capacity.ts';
import { stopSourceController } from './planted/source-controller.ts';
import { exhaustPodQuota } from './planted/quota.ts';

const PLANTERS: Partial<Record<FaultName, Planter>> = {
  'no-spare-capacity': fillOtherNodes,
  'source-controller-down': stopSourceController,
  'quota-exhausted': exhaustPodQuota,
};

/** Whether `fault` is planted at the start of its step (rather than before T0). */
export const plantedAtStepStart = (fault: FaultName): boolean => fault in PLANTERS;

export async function plantBeforeStep(faults: ReadonlyMap<string, FaultName>, scene: Omit<PlantScene, 'localCluster' | 'kubeConfig'> & { localCluster: LocalCluster | undefined; kubeConfig: (() => KubeConfig) | undefined }): Promise<void> {
  const fault = faults.get(scene.step.id);
  if (!fault || STAGED_FAULTS.includes(fault)) return;
  const planter = PLANTERS[fault];
  // A fault nobody plants would leave a green faulted run that proves nothing: never silently.
  if (!planter) throw new DrillError('EINTERNAL', `the local target has no way to plant ${fault}`, { details: 'add it to the planters of src/targets/local/plant-before.ts or to STAGED_FAULTS' });
  const { localCluster, kubeConfig } = scene;
  if (!localCluster || !kubeConfig) throw new DrillError('ELOCAL', `${fault} needs the drill cluster, and none is running when ${scene.step.id} starts`, { details: 'attach the fault to a step that runs after local.up' });
  await planter({ ...scene, localCluster, kubeConfig });
}

/** What a fault planted at a step's start may touch on the local target. */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LocalCluster } from '../../../cluster/local/index.ts';

/** What a planter may touch: the drill cluster's API and processes, the step's resolved inputs. */
export interface PlantScene {
  step: { id: string; kind: string; inputs: unknown };
  kubeConfig(): KubeConfig;
  localCluster: LocalCluster;
  log(line: string): void;
  signal: AbortSignal;
}

export type Planter = (scene: PlantScene) => Promise<void>;

/**
 * source-controller-down: when the step starts, Flux's source-controller is killed (SIGKILL, as
 * the OOM killer does) and stays down. The Git server still takes the revert, but nothing fetches
 * it: the GitRepository keeps its last artifact and never handles a reconcile request, and only a
 * check that Flux applied the new revision can tell.
 */
import type { PlantScene } from './scene.ts';

export const SOURCE_CONTROLLER = 'source-controller';

export async function stopSourceController({ localCluster, log }: PlantScene): Promise<void> {
  const { pid } = await localCluster.killController(SOURCE_CONTROLLER);
  log(`${SOURCE_CONTROLLER} (pid ${pid}) killed with SIGKILL, as the OOM killer does, and not restarted: no new revision is fetched`);
}

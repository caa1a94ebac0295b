/** What Terraform (or task bootstrap) leaves behind: nodes, Flux bootstrapped, Velero with its backups. */
import { nodes } from './cluster-content.ts';
import { fluxBootstrap, veleroContent } from './world-content.ts';
import { startControllers } from './controllers.ts';
import type { SimWorld } from './world.ts';

export function provisionCluster(world: SimWorld, workspace: string): void {
  if (world.provisioned.has(workspace)) return;
  world.provisioned.add(workspace);
  for (const object of [...nodes(workspace), ...fluxBootstrap(world), ...veleroContent(world)]) world.store.upsert(object);
  startControllers(world);
}

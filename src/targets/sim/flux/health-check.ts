/** kstatus health check of the Deployments a Kustomization applied. */
import { conditionOf } from '../../../contract/cluster.ts';
import type { SimWorld } from '../world.ts';
import type { InventoryEntry } from './inventory.ts';

/** Wait (kstatus) until every applied Deployment is Available, at most `timeoutMs`; returns those that are not. */
export async function healthCheck(world: SimWorld, applied: InventoryEntry[], timeoutMs: number): Promise<InventoryEntry[]> {
  const deployments = applied.filter((entry) => entry.kind === 'Deployment');
  const unhealthy = () => deployments.filter((entry) => conditionOf(world.store.get(entry), 'Available')?.status !== 'True');
  if (unhealthy().length === 0) return [];
  const stop = new AbortController();
  const done = new Promise<void>((resolve) => {
    const unwatch = world.store.watch('apps/v1', 'Deployment', {}, () => {
      if (unhealthy().length === 0) {
        unwatch();
        resolve();
      }
    });
    stop.signal.addEventListener('abort', () => {
      unwatch();
      resolve();
    });
  });
  await Promise.race([done, world.clock.sleep(timeoutMs, AbortSignal.any([stop.signal, world.signal])).catch(() => undefined)]);
  stop.abort();
  return unhealthy();
}

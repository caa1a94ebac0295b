/** What wakes a simulated controller: its interval, a watched change, or the object's deletion. */
import type { KubeObject, ObjectRef } from '../../../contract/cluster.ts';
import type { SimWorld } from '../world.ts';

export type Trigger = 'timer' | 'changed' | 'deleted';

/**
 * Resolves when the delay passes, an object changes in a way `changed` cares about, or the
 * object is deleted; whatever comes first, the others are cancelled.
 */
export function nextTrigger(world: SimWorld, watched: { ref: ObjectRef; changed: (before: KubeObject, after: KubeObject) => boolean; deletion?: boolean }[], delayMs: number): Promise<Trigger> {
  return new Promise<Trigger>((resolve, reject) => {
    const timer = new AbortController();
    const stops: (() => void)[] = [];
    let done = false;
    const finish = (trigger: Trigger) => {
      if (done) return;
      done = true;
      timer.abort();
      for (const stop of stops) stop();
      resolve(trigger);
    };
    for (const { ref, changed, deletion } of watched) {
      let before = world.store.get(ref);
      if (!before) {
        if (deletion) return finish('deleted');
        continue;
      }
      stops.push(
        world.store.watch(ref.apiVersion, ref.kind, { ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name }, (type, object) => {
          if (type === 'DELETED') {
            if (deletion) finish('deleted');
            return;
          }
          if (before && changed(before, object)) finish('changed');
          before = object;
        }),
      );
    }
    world.clock.sleep(delayMs, AbortSignal.any([timer.signal, world.signal])).then(
      () => finish('timer'),
      (error: unknown) => {
        if (done) return;
        done = true;
        for (const stop of stops) stop();
        reject(error);
      },
    );
  });
}

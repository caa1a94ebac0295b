/** Simulated source-controller: fetches a GitRepository's branch from the simulated remote and stores the revision as its artifact. */
import type { KubeObject, ObjectRef } from '../../../contract/cluster.ts';
import { parseDuration } from '../../../util/duration.ts';
import type { SimWorld } from '../world.ts';
import { nextTrigger } from './next-trigger.ts';
import { condition, patchStatus, requestOf, revisionOfSource } from './resources.ts';

/** source-controller for one GitRepository: fetch on every interval, request or spec change. */
export async function runGitRepository(world: SimWorld, ref: ObjectRef): Promise<void> {
  let due = false;
  for (;;) {
    const current = world.store.get(ref);
    if (!current) return;
    const requested = requestOf(current);
    if (!current.spec?.suspend && (due || (requested !== undefined && requested !== current.status?.lastHandledReconcileAt))) {
      due = false;
      await fetchSource(world, ref, current);
      continue;
    }
    const trigger = await nextTrigger(world, [{ ref, deletion: true, changed: (before, after) => requestOf(before) !== requestOf(after) || JSON.stringify(before.spec) !== JSON.stringify(after.spec) }], parseDuration(current.spec?.interval ?? '1m'));
    if (trigger === 'deleted') return;
    due = true;
  }
}

async function fetchSource(world: SimWorld, ref: ObjectRef, current: KubeObject): Promise<void> {
  const branch: string = current.spec?.ref?.branch ?? 'main';
  const head = current.spec?.url === world.remote.url ? world.remote.head(branch) : undefined;
  const requested = requestOf(current);
  const handled = requested ? { lastHandledReconcileAt: requested } : {};
  if (!head) {
    const message = `failed to checkout and determine revision: unable to clone '${current.spec?.url ?? ''}': couldn't find remote ref "refs/heads/${branch}"`;
    patchStatus(world, ref, { observedGeneration: current.metadata.generation ?? 1, ...handled, conditions: [condition('Ready', 'False', 'GitOperationFailed', message, world), condition('FetchFailed', 'True', 'GitOperationFailed', message, world)] });
    return;
  }
  const revision = `${branch}@sha1:${head}`;
  if (revision !== revisionOfSource(current)) {
    await world.work('flux-source/fetch', undefined);
    patchStatus(world, ref, {
      observedGeneration: current.metadata.generation ?? 1,
      artifact: { revision, digest: `sha256:${head}${head.slice(0, 24)}`, lastUpdateTime: world.isoTime(), path: `gitrepository/${ref.namespace}/${ref.name}/${head}.tar.gz` },
      ...handled,
      conditions: [condition('Ready', 'True', 'Succeeded', `stored artifact for revision '${revision}'`, world), condition('ArtifactInStorage', 'True', 'Succeeded', `stored artifact for revision '${revision}'`, world)],
    });
  } else if (requested && requested !== current.status?.lastHandledReconcileAt) {
    world.store.patch(ref, { status: handled });
  }
}

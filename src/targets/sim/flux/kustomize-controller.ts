/**
 * Simulated kustomize-controller: builds a Kustomization's path at the source revision (SOPS files
 * decrypted), applies it, prunes what the revision no longer has, health-checks the Deployments it
 * applied, and sets Ready/Reconciling with lastAppliedRevision, lastAttemptedRevision,
 * lastHandledReconcileAt and the inventory, as the real controller does; `spec.suspend` stops it.
 *
 * Each reconcile passes Ready through Unknown, so Ready's lastTransitionTime moves with every
 * revision applied; a condition whose state did not change keeps its time, as in Flux.
 *
 * Deviation from the real controllers: an interval reconcile that finds neither a new revision
 * nor a request changes nothing (the real one re-applies and passes through Ready=Unknown), so a
 * drill's figures carry no interval noise.
 */
import { conditionOf, type KubeObject, type ObjectRef } from '../../../contract/cluster.ts';
import { formatDuration, parseDuration } from '../../../util/duration.ts';
import { BuildError, buildPath } from '../gitops-tree.ts';
import { isSopsManifest, SopsDecryptError } from '../sops-format.ts';
import type { Fault, SimWorld } from '../world.ts';
import { healthCheck } from './health-check.ts';
import { apply, garbageCollect, inventoryId, inventoryOf } from './inventory.ts';
import { nextTrigger } from './next-trigger.ts';
import { condition, FLUX_KS, patchStatus, requestOf, revisionOfSource, sourceRefOf } from './resources.ts';
import { decryptFor } from './sops-decryption.ts';

/**
 * kustomize-controller for one Kustomization: the first reconcile, then again on a reconcile
 * request, a new source revision, a spec change, or (after a failure) the retry interval.
 */
export async function runKustomization(world: SimWorld, ref: ObjectRef): Promise<void> {
  let succeeded = await reconcile(world, ref, true);
  let retryDue = false;
  for (;;) {
    const current = world.store.get(ref);
    if (!current) return;
    const source = world.store.get(sourceRefOf(current));
    const requested = requestOf(current);
    const pending =
      (requested !== undefined && requested !== current.status?.lastHandledReconcileAt) ||
      (revisionOfSource(source) !== undefined && revisionOfSource(source) !== current.status?.lastAttemptedRevision) ||
      current.status?.observedGeneration !== current.metadata.generation ||
      (!succeeded && retryDue);
    if (!current.spec?.suspend && pending) {
      retryDue = false;
      succeeded = await reconcile(world, ref, false);
      continue;
    }
    const delay = parseDuration(succeeded ? (current.spec?.interval ?? '10m') : (current.spec?.retryInterval ?? current.spec?.interval ?? '1m'));
    const trigger = await nextTrigger(
      world,
      [
        { ref, deletion: true, changed: (before, after) => requestOf(before) !== requestOf(after) || Boolean(before.spec?.suspend) !== Boolean(after.spec?.suspend) || before.metadata.generation !== after.metadata.generation },
        { ref: sourceRefOf(current), changed: (before, after) => revisionOfSource(before) !== revisionOfSource(after) },
      ],
      delay,
    );
    if (trigger === 'deleted') {
      // Flux's finalizer garbage-collects what a pruning Kustomization applied.
      if (current.spec?.prune) garbageCollect(world, inventoryOf(current));
      return;
    }
    if (trigger === 'timer') retryDue = true;
  }
}

/** One reconciliation; true when it ended Ready. */
async function reconcile(world: SimWorld, ref: ObjectRef, first: boolean): Promise<boolean> {
  const setStatus = (status: Record<string, unknown>) => patchStatus(world, ref, status);
  const started = world.store.get(ref);
  if (!started) return false;
  const requested = requestOf(started);
  const handled = requested ? { lastHandledReconcileAt: requested } : {};
  setStatus({
    ...(first ? { observedGeneration: -1 } : {}),
    conditions: [condition('Reconciling', 'True', 'Progressing', 'reconciliation in progress', world), condition('Ready', 'Unknown', 'Progressing', 'reconciliation in progress', world)],
  });
  // dependsOn: requeue until every dependency is Ready.
  for (;;) {
    const object = world.store.get(ref);
    if (!object) return false;
    const deps: { name: string; namespace?: string }[] = object.spec?.dependsOn ?? [];
    const notReady = deps.find((dep) => conditionOf(world.store.get({ ...FLUX_KS, name: dep.name, namespace: dep.namespace ?? ref.namespace }), 'Ready')?.status !== 'True');
    if (!notReady) break;
    setStatus({ conditions: [condition('Ready', 'False', 'DependencyNotReady', `dependency '${notReady.namespace ?? ref.namespace}/${notReady.name}' is not ready`, world)] });
    await world.clock.sleep(30_000, world.signal);
  }
  const object = world.store.get(ref)!;
  const generation = object.metadata.generation ?? 1;
  const source = world.store.get(sourceRefOf(object));
  const revision = revisionOfSource(source) ?? `${world.git.branch}@sha1:${world.git.head}`;
  const fault: Fault | undefined = world.faultOfObject(ref);
  const failWith = (reason: string, message: string) => {
    setStatus({ observedGeneration: generation, lastAttemptedRevision: revision, ...handled, conditions: [condition('Ready', 'False', reason, message, world, generation)] });
    return false;
  };
  setStatus({
    lastAttemptedRevision: revision,
    conditions: [condition('Reconciling', 'True', 'Progressing', `Building manifests for revision ${revision} with a timeout of ${object.spec?.timeout ?? '15m'}0s`, world), condition('Ready', 'Unknown', 'Progressing', 'reconciliation in progress', world)],
  });
  const sha = /sha1:([0-9a-f]+)$/.exec(revision)?.[1] ?? '';
  const commit = world.remote.commit(sha);
  if (!commit) return failWith('ArtifactFailed', `Source artifact not found, retrying in 30s`);
  let desired: KubeObject[];
  try {
    desired = [];
    for (const file of buildPath(commit.tree, object.spec?.path ?? './')) {
      for (const manifest of file.objects) desired.push(isSopsManifest(manifest) ? decryptFor(world, object, manifest) : manifest);
    }
  } catch (error) {
    if (error instanceof BuildError) return failWith(/path not found/.test(error.message) ? 'ArtifactFailed' : 'BuildFailed', error.message);
    if (error instanceof SopsDecryptError) return failWith('BuildFailed', error.message);
    throw error;
  }
  const applied = apply(world, desired, object.metadata.namespace ?? 'flux-system');
  const previous = inventoryOf(object);
  const kept = new Set(applied.map(inventoryId));
  if (object.spec?.prune) garbageCollect(world, previous.filter((entry) => !kept.has(inventoryId(entry))));
  await world.work(first ? `flux/${ref.name}` : `flux-update/${ref.name}`, fault);
  if (fault === 'fail') {
    const named = first ? undefined : applied.find((entry) => entry.kind === 'Deployment');
    const waitingFor = named ? `${named.namespace}/${named.name}` : ref.name === 'apps' ? 'paperless/paperless-ngx' : 'ingress-nginx/ingress-nginx-controller';
    const message = `health check failed after ${formatDuration(world.duration(first ? `flux/${ref.name}` : `flux-update/${ref.name}`))}: timeout waiting for: [${named || first ? 'Deployment' : 'Kustomization'}/${named || first ? waitingFor : `${ref.namespace}/${ref.name}`} status: 'InProgress']`;
    setStatus({ observedGeneration: generation, lastAttemptedRevision: revision, ...handled, conditions: [condition('Ready', 'False', 'HealthCheckFailed', message, world, generation), condition('Healthy', 'False', 'HealthCheckFailed', message, world, generation)] });
    return false;
  }
  if (!first && object.spec?.wait) {
    const unhealthy = await healthCheck(world, applied, parseDuration(object.spec?.timeout ?? '15m'));
    if (unhealthy.length > 0) {
      const message = `health check failed after ${object.spec?.timeout ?? '15m'}: timeout waiting for: [${unhealthy.map((entry) => `Deployment/${entry.namespace}/${entry.name} status: 'InProgress'`).join(', ')}]`;
      setStatus({ observedGeneration: generation, lastAttemptedRevision: revision, ...handled, conditions: [condition('Ready', 'False', 'HealthCheckFailed', message, world, generation), condition('Healthy', 'False', 'HealthCheckFailed', message, world, generation)] });
      return false;
    }
  }
  setStatus({
    observedGeneration: generation,
    lastAppliedRevision: revision,
    lastAttemptedRevision: revision,
    lastHandledReconcileAt: requested ?? world.isoTime(),
    inventory: { entries: applied.map((entry) => ({ id: inventoryId(entry), v: entry.apiVersion.split('/').at(-1) })) },
    conditions: [condition('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`, world, generation), condition('Healthy', 'True', 'Succeeded', 'Health check passed in 4.2s', world, generation)],
  });
  return true;
}

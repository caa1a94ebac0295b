/** The Flux kinds the simulated controllers reconcile, and the status fields they read and write. */
import type { Condition, KubeObject, ObjectRef } from '../../../contract/cluster.ts';
import type { SimWorld } from '../world.ts';

export const FLUX_KS = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' } as const;
export const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' } as const;
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

export function condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, world: SimWorld, observedGeneration = 1) {
  return { type, status, reason, message, lastTransitionTime: world.isoTime(), observedGeneration };
}

/**
 * Patch a Flux object's status as the controllers' conditions.Set does (fluxcd/pkg
 * runtime/conditions): a condition whose status, reason and message did not change keeps its
 * lastTransitionTime, so that time says when the condition's state began.
 */
export function patchStatus(world: SimWorld, ref: ObjectRef, status: Record<string, unknown>): KubeObject {
  const next = status['conditions'];
  if (!Array.isArray(next)) return world.store.patch(ref, { status });
  const before: Condition[] = world.store.get(ref)?.status?.conditions ?? [];
  const conditions = (next as Condition[]).map((item) => {
    const old = before.find((candidate) => candidate.type === item.type);
    return old && old.status === item.status && old.reason === item.reason && old.message === item.message ? { ...item, lastTransitionTime: old.lastTransitionTime } : item;
  });
  return world.store.patch(ref, { status: { ...status, conditions } });
}

export const requestOf = (object: KubeObject | undefined) => object?.metadata.annotations?.[REQUESTED_AT];
export const revisionOfSource = (object: KubeObject | undefined): string | undefined => object?.status?.artifact?.revision;

export function sourceRefOf(object: KubeObject): ObjectRef {
  return { ...GIT_REPOSITORY, name: object.spec?.sourceRef?.name ?? 'flux-system', namespace: object.spec?.sourceRef?.namespace ?? object.metadata.namespace ?? 'flux-system' };
}

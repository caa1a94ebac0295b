/** The Flux kinds the simulated controllers reconcile, and the status fields they read and write. */
import type { KubeObject, ObjectRef } from '../../../contract/cluster.ts';
import type { SimWorld } from '../world.ts';

export const FLUX_KS = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' } as const;
export const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' } as const;
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

export function condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, world: SimWorld, observedGeneration = 1) {
  return { type, status, reason, message, lastTransitionTime: world.isoTime(), observedGeneration };
}

export const requestOf = (object: KubeObject | undefined) => object?.metadata.annotations?.[REQUESTED_AT];
export const revisionOfSource = (object: KubeObject | undefined): string | undefined => object?.status?.artifact?.revision;

export function sourceRefOf(object: KubeObject): ObjectRef {
  return { ...GIT_REPOSITORY, name: object.spec?.sourceRef?.name ?? 'flux-system', namespace: object.spec?.sourceRef?.namespace ?? object.metadata.namespace ?? 'flux-system' };
}

/**
 * Points Flux at the sample repository: the flux-system namespace, a
 * GitRepository, and the layer Kustomizations from clusters/drill/*.yaml,
 * all created through @kubernetes/client-node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, loadAllYaml, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { FLUX_NAMESPACE } from './flux-controllers.ts';
import { applyObject, findCondition, httpCode } from './kube.ts';
import { waitFor } from './wait.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';

export const GIT_REPOSITORY_NAME = 'flux-system';
export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const FLUX_API_VERSION = 'v1';

export interface BootstrapOptions {
  gitUrl: string;
  branch: string;
  /** Directory with the Kustomization manifests, e.g. <repo work dir>/clusters/drill */
  clusterDir: string;
  interval?: string;
  /** The Secret every decrypting Kustomization reads its keys from, instead of the one its manifest names. */
  decryptionSecret?: string;
  /** Set every Kustomization's spec.prune to this, whatever its manifest says (a negative control's prune-disabled). */
  prune?: boolean;
}

export interface KustomizationSpec extends KubernetesObject {
  spec?: { dependsOn?: Array<{ name: string; namespace?: string }>; [kustomization: string]: unknown };
}

export function readKustomizations(clusterDir: string): KustomizationSpec[] {
  return readdirSync(clusterDir)
    .filter((fileName) => fileName.endsWith('.yaml') || fileName.endsWith('.yml'))
    .sort()
    .flatMap((fileName) => loadAllYaml(readFileSync(join(clusterDir, fileName), 'utf8')) as KustomizationSpec[])
    .filter((document) => document?.kind === 'Kustomization' && document.apiVersion === `${KUSTOMIZE_GROUP}/${FLUX_API_VERSION}`);
}

/** The Kustomization decrypting with Secret `name` (when it decrypts at all and a name is given). */
export function withDecryptionSecret(kustomization: KustomizationSpec, name: string | undefined): KustomizationSpec {
  const decryption = kustomization.spec?.['decryption'] as { secretRef?: { name?: string } } | undefined;
  if (!name || !decryption) return kustomization;
  return { ...kustomization, spec: { ...kustomization.spec, decryption: { ...decryption, secretRef: { ...decryption.secretRef, name } } } };
}

/** Layer names sorted so that every Kustomization follows its dependsOn. */
export function dependencyOrder(kustomizations: KustomizationSpec[]): string[] {
  const byName = new Map(kustomizations.map((kustomization) => [kustomization.metadata?.name ?? '', kustomization]));
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (out.includes(name)) return;
    if (visiting.has(name)) throw new DrillError('ELOCAL', `dependsOn cycle at Kustomization ${name}`, { details: 'break the cycle in the dependsOn of the Kustomizations in clusters/drill/' });
    visiting.add(name);
    for (const dependency of byName.get(name)?.spec?.dependsOn ?? []) if (byName.has(dependency.name)) visit(dependency.name);
    visiting.delete(name);
    out.push(name);
  };
  for (const name of byName.keys()) visit(name);
  return out;
}

async function createOrApply(kubeConfig: KubeConfig, object: KubernetesObject & { metadata: { name: string; namespace: string } }, plural: string): Promise<void> {
  const [group, version] = (object.apiVersion ?? '').split('/') as [string, string];
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await api.createNamespacedCustomObject({ group, version, namespace: object.metadata.namespace, plural, body: object });
  } catch (error) {
    if (httpCode(error) !== 409) throw error;
    await applyObject(kubeConfig, object); // already there (re-bootstrap): converge to the manifest
  }
}

/** Creates flux-system, the GitRepository and the Kustomizations; returns the layer names in dependency order. */
export async function bootstrapFlux(kubeConfig: KubeConfig, options: BootstrapOptions): Promise<string[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FLUX_NAMESPACE } } });
  } catch (error) {
    if (httpCode(error) !== 409) throw error;
  }
  await createOrApply(
    kubeConfig,
    {
      apiVersion: `${SOURCE_GROUP}/${FLUX_API_VERSION}`,
      kind: 'GitRepository',
      metadata: { name: GIT_REPOSITORY_NAME, namespace: FLUX_NAMESPACE },
      spec: { url: options.gitUrl, ref: { branch: options.branch }, interval: options.interval ?? '30s', timeout: '20s' },
    } as KubernetesObject & { metadata: { name: string; namespace: string } },
    'gitrepositories',
  );
  const kustomizations = kustomizationObjects(options);
  for (const kustomization of kustomizations) await createOrApply(kubeConfig, kustomization, 'kustomizations');
  return dependencyOrder(kustomizations);
}

/** The Kustomizations bootstrapFlux creates: clusters/drill/*.yaml, each in flux-system unless it names its namespace. */
export function kustomizationObjects(options: Pick<BootstrapOptions, 'clusterDir' | 'prune' | 'decryptionSecret'>): Array<KustomizationSpec & { metadata: { name: string; namespace: string } }> {
  const kustomizations = readKustomizations(options.clusterDir);
  if (kustomizations.length === 0) throw new DrillError('ELOCAL', `no Flux Kustomizations in ${options.clusterDir}`, { details: 'the GitOps tree needs Flux Kustomizations in clusters/drill/*.yaml' });
  return kustomizations.map((kustomization) => {
    const decrypting = withDecryptionSecret(kustomization, options.decryptionSecret);
    return {
      ...decrypting,
      metadata: { ...kustomization.metadata, name: kustomization.metadata?.name ?? '', namespace: kustomization.metadata?.namespace ?? FLUX_NAMESPACE },
      ...(options.prune !== undefined ? { spec: { ...decrypting.spec, prune: options.prune } } : {}),
    };
  });
}

export interface KustomizationStatus {
  name: string;
  /**
   * Ready=True for the current generation with lastAppliedRevision set. Flux's
   * patch helper writes status conditions and the other status fields in two
   * requests, so Ready=True alone can briefly be seen before the revision.
   */
  ready: boolean;
  reason: string;
  message: string;
  lastAppliedRevision: string;
  readyTransitionTime: string;
}

export async function getKustomizationStatus(kubeConfig: KubeConfig, name: string, namespace = FLUX_NAMESPACE): Promise<KustomizationStatus> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const object = (await api.getNamespacedCustomObject({ group: KUSTOMIZE_GROUP, version: FLUX_API_VERSION, namespace, plural: 'kustomizations', name })) as {
    metadata?: { generation?: number };
    status?: { lastAppliedRevision?: string; observedGeneration?: number };
  };
  const ready = findCondition(object, 'Ready');
  return {
    name,
    ready:
      ready?.status === 'True' &&
      (object.status?.lastAppliedRevision ?? '') !== '' &&
      object.status?.observedGeneration === object.metadata?.generation,
    reason: ready?.reason ?? '',
    message: ready?.message ?? '',
    lastAppliedRevision: object.status?.lastAppliedRevision ?? '',
    readyTransitionTime: ready?.lastTransitionTime ?? '',
  };
}

/** Waits for Ready=True on a Kustomization; the timeout error carries its last Ready message. */
export async function waitKustomizationReady(kubeConfig: KubeConfig, name: string, timeoutMs: number, namespace = FLUX_NAMESPACE): Promise<KustomizationStatus> {
  let last: KustomizationStatus | undefined;
  try {
    return await waitFor(
      async () => {
        last = await getKustomizationStatus(kubeConfig, name, namespace);
        return last.ready ? last : undefined;
      },
      { what: `Kustomization ${namespace}/${name} Ready=True`, timeoutMs, intervalMs: 250 },
    );
  } catch (error) {
    const detail = last !== undefined ? ` (Ready reason ${last.reason}: ${last.message})` : '';
    throw error instanceof DrillError ? new DrillError(error.code, `${error.message}${detail}`, { details: error.details, cause: error }) : new DrillError('ELOCAL', `${errorMessage(error)}${detail}`, { cause: error });
  }
}

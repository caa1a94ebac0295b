/**
 * Simulated Flux controllers. source-controller fetches the GitRepository's branch from the
 * simulated remote on its interval or a reconcile request (`reconcile.fluxcd.io/requestedAt`)
 * and stores the new revision as its artifact. kustomize-controller builds the Kustomization's
 * path at that revision (SOPS files decrypted with the keys in spec.decryption.secretRef), applies
 * it, prunes what the revision no longer has, health-checks the Deployments it applied, and sets
 * Ready/Reconciling with lastAppliedRevision, lastAttemptedRevision, lastHandledReconcileAt and
 * the inventory, as the real controllers do; `spec.suspend` stops both until resumed.
 *
 * Deviation from the real controllers: an interval reconcile that finds neither a new revision
 * nor a request changes nothing (the real one re-applies and passes through Ready=Unknown), so a
 * drill's figures carry no interval noise.
 */
import type { KubeObject, ObjectRef } from '../../contract/cluster.ts';
import { conditionOf, refOf } from '../../contract/cluster.ts';
import { formatDuration, parseDuration } from '../../util/duration.ts';
import { BuildError, buildPath, initialStatus } from './gitops-tree.ts';
import { decryptManifest, isSopsManifest, SopsDecryptError } from './sops-format.ts';
import type { Fault, SimWorld } from './world.ts';

export const FLUX_KS = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' } as const;
export const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' } as const;
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

type Trigger = 'timer' | 'changed' | 'deleted';

function condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, world: SimWorld, observedGeneration = 1) {
  return { type, status, reason, message, lastTransitionTime: world.isoTime(), observedGeneration };
}

/**
 * Resolves when the delay passes, an object changes in a way `changed` cares about, or the
 * object is deleted; whatever comes first, the others are cancelled.
 */
function nextTrigger(world: SimWorld, watched: { ref: ObjectRef; changed: (before: KubeObject, after: KubeObject) => boolean; deletion?: boolean }[], delayMs: number): Promise<Trigger> {
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

const requestOf = (object: KubeObject | undefined) => object?.metadata.annotations?.[REQUESTED_AT];
const revisionOfSource = (object: KubeObject | undefined): string | undefined => object?.status?.artifact?.revision;

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
    world.store.patch(ref, { status: { observedGeneration: current.metadata.generation ?? 1, ...handled, conditions: [condition('Ready', 'False', 'GitOperationFailed', message, world), condition('FetchFailed', 'True', 'GitOperationFailed', message, world)] } });
    return;
  }
  const revision = `${branch}@sha1:${head}`;
  if (revision !== revisionOfSource(current)) {
    await world.work('flux-source/fetch', undefined);
    world.store.patch(ref, {
      status: {
        observedGeneration: current.metadata.generation ?? 1,
        artifact: { revision, digest: `sha256:${head}${head.slice(0, 24)}`, lastUpdateTime: world.isoTime(), path: `gitrepository/${ref.namespace}/${ref.name}/${head}.tar.gz` },
        ...handled,
        conditions: [condition('Ready', 'True', 'Succeeded', `stored artifact for revision '${revision}'`, world), condition('ArtifactInStorage', 'True', 'Succeeded', `stored artifact for revision '${revision}'`, world)],
      },
    });
  } else if (requested && requested !== current.status?.lastHandledReconcileAt) {
    world.store.patch(ref, { status: handled });
  }
}

function sourceRefOf(object: KubeObject): ObjectRef {
  return { ...GIT_REPOSITORY, name: object.spec?.sourceRef?.name ?? 'flux-system', namespace: object.spec?.sourceRef?.namespace ?? object.metadata.namespace ?? 'flux-system' };
}

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
  const setStatus = (status: Record<string, unknown>) => world.store.patch(ref, { status });
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
      for (const manifest of file.objects) desired.push(isSopsManifest(manifest) ? decryptFor(world, object, file.file, manifest) : manifest);
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

/** kustomize-controller's SOPS decryption: the identities of the decryption Secret, or the build fails. */
function decryptFor(world: SimWorld, kustomization: KubeObject, file: string, manifest: KubeObject): KubeObject {
  const decryption = kustomization.spec?.decryption as { provider?: string; secretRef?: { name: string } } | undefined;
  if (decryption?.provider !== 'sops') {
    // Without decryption the encrypted manifest reaches the API server as it is.
    throw new SopsDecryptError(`${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name} dry-run failed: failed to create typed patch object: .sops: field not declared in schema`);
  }
  const secret = decryption.secretRef ? world.store.get({ apiVersion: 'v1', kind: 'Secret', name: decryption.secretRef.name, namespace: kustomization.metadata.namespace ?? 'flux-system' }) : undefined;
  if (decryption.secretRef && !secret) throw new SopsDecryptError(`cannot get decryption Secret '${kustomization.metadata.namespace}/${decryption.secretRef.name}': secrets "${decryption.secretRef.name}" not found`);
  const identities = Object.entries((secret?.data ?? {}) as Record<string, string>)
    .filter(([key]) => key.endsWith('.agekey'))
    .map(([, value]) => Buffer.from(value, 'base64').toString('utf8'));
  try {
    return decryptManifest(manifest, identities);
  } catch (error) {
    throw new SopsDecryptError(`failed to decrypt and format '${file}' data: ${(error as Error).message}`);
  }
}

interface InventoryEntry {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

function inventoryId(entry: InventoryEntry): string {
  const group = entry.apiVersion.includes('/') ? entry.apiVersion.split('/')[0] : '';
  return `${entry.namespace ?? ''}_${entry.name}_${group}_${entry.kind}`;
}

function inventoryOf(object: KubeObject): InventoryEntry[] {
  const entries: { id: string; v: string }[] = object.status?.inventory?.entries ?? [];
  return entries.map(({ id, v }) => {
    const [namespace, name, group, kind] = id.split('_');
    return { apiVersion: group ? `${group}/${v}` : v, kind: kind!, name: name!, ...(namespace ? { namespace } : {}) };
  });
}

function entryOf(object: KubeObject, defaultNamespace: string): InventoryEntry {
  const clusterScoped = ['Namespace', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Node', 'PersistentVolume'].includes(object.kind);
  return { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(clusterScoped ? {} : { namespace: object.metadata.namespace ?? defaultNamespace }) };
}

/** Server-side apply as far as the sim needs it: create what is missing, update what differs. */
function apply(world: SimWorld, desired: KubeObject[], defaultNamespace: string): InventoryEntry[] {
  const entries: InventoryEntry[] = [];
  for (const manifest of desired) {
    const entry = entryOf(manifest, defaultNamespace);
    const object: KubeObject = { ...manifest, metadata: { ...manifest.metadata, ...(entry.namespace ? { namespace: entry.namespace } : {}) } };
    const existing = world.store.get(entry);
    if (!existing) {
      const status = initialStatus(object);
      world.store.create({ ...object, ...(status ? { status } : {}) });
    } else {
      const { apiVersion: _a, kind: _k, metadata, status: _s, ...body } = object;
      const drifted = Object.entries(body).some(([key, value]) => JSON.stringify(existing[key]) !== JSON.stringify(value)) || JSON.stringify(existing.metadata.labels ?? {}) !== JSON.stringify(metadata.labels ?? {});
      if (drifted) world.store.patch(entry, { ...body, metadata: { labels: metadata.labels ?? null } });
    }
    entries.push(entry);
  }
  return entries;
}

function garbageCollect(world: SimWorld, entries: InventoryEntry[]): void {
  for (const entry of entries) {
    if (world.store.get(entry)) world.store.delete(entry);
  }
}

/** Wait (kstatus) until every applied Deployment is Available, at most `timeoutMs`; returns those that are not. */
async function healthCheck(world: SimWorld, applied: InventoryEntry[], timeoutMs: number): Promise<InventoryEntry[]> {
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

export { refOf };

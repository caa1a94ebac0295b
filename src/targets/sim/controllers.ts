/**
 * Simulated controllers. They change object status over (drill) time the way the real ones
 * do: Flux's kustomize-controller (dependsOn, Ready/Reconciling conditions, lastAppliedRevision),
 * the Deployment controller, a load-balancer controller, cert-manager, and Velero's restore and
 * pod-volume-restore controllers.
 */
import type { KubeObject, ObjectRef } from '../../contract/cluster.ts';
import { refOf } from '../../contract/cluster.ts';
import { layerContent, SIM_APPS, SIM_INGRESS_IP } from './cluster-content.ts';
import { runKustomization } from './flux/kustomize-controller.ts';
import { FLUX_KS, GIT_REPOSITORY } from './flux/resources.ts';
import { runGitRepository } from './flux/source-controller.ts';
import type { SimWorld } from './world.ts';
import { createPod, markReady, schedulePending } from './workloads.ts';

function podsOfDeployment(world: SimWorld, deployment: KubeObject): KubeObject[] {
  const app = deployment.metadata.labels?.['app.kubernetes.io/name'] ?? deployment.metadata.name;
  return world.store.list('v1', 'Pod', { namespace: deployment.metadata.namespace, labelSelector: `app.kubernetes.io/name=${app}` }).filter((pod) => !pod.metadata.deletionTimestamp);
}

export function startControllers(world: SimWorld): void {
  if (world.controllersStarted) return;
  world.controllersStarted = true;
  const started = new Set<string>();
  const once = (key: string, work: () => Promise<void>) => {
    if (started.has(key)) return;
    started.add(key);
    work().catch((error: unknown) => {
      if (!world.signal.aborted) throw error;
    });
  };
  // An object deleted and created again (a Deployment a revert brings back) gets its controller again.
  const keyOf = (object: KubeObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  const onAdded = (apiVersion: string, kind: string, handle: (object: KubeObject, key: string) => void) => {
    world.store.watch(apiVersion, kind, {}, (type, object) => {
      if (type === 'ADDED') handle(object, keyOf(object));
      if (type === 'DELETED') started.delete(keyOf(object));
    });
    for (const object of world.store.list(apiVersion, kind)) handle(object, keyOf(object));
  };

  onAdded(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind, (object, key) => once(key, () => runGitRepository(world, refOf(object))));
  onAdded(FLUX_KS.apiVersion, FLUX_KS.kind, (object, key) => once(key, () => runKustomization(world, refOf(object))));
  onAdded('apps/v1', 'Deployment', (object, key) => once(key, () => rollOut(world, refOf(object))));
  onAdded('v1', 'Service', (object, key) => {
    if (object.spec?.type === 'LoadBalancer') once(key, () => assignLoadBalancerIp(world, refOf(object)));
  });
  onAdded('cert-manager.io/v1', 'ClusterIssuer', (object, key) => once(key, () => registerIssuer(world, refOf(object))));
  // A failing load balancer withdraws the IP; a failing ACME registration makes the issuer not Ready.
  world.onMark((ref, fault) => {
    if (fault !== 'fail' || !world.store.get(ref)) return;
    if (ref.kind === 'Service') world.store.patch(ref, { status: { loadBalancer: {} } });
    if (ref.kind === 'ClusterIssuer') {
      world.store.patch(ref, { status: { conditions: [condition('Ready', 'False', 'ErrRegisterACMEAccount', 'Failed to register ACME account: 429 urn:ietf:params:acme:error:rateLimited: too many registrations', world)] } });
    }
  });
  // A node that is schedulable again (uncordoned, Ready after a reprovision) takes the Pending pods.
  world.store.watch('v1', 'Node', {}, () => schedulePending(world));
  onAdded('velero.io/v1', 'Restore', (object, key) => once(key, () => runRestore(world, refOf(object))));
}

function condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, world: SimWorld, observedGeneration = 1) {
  return { type, status, reason, message, lastTransitionTime: world.isoTime(), observedGeneration };
}

async function rollOut(world: SimWorld, ref: ObjectRef): Promise<void> {
  const created = world.store.get(ref);
  const pods = created ? Array.from({ length: created.spec?.replicas ?? 1 }, () => createPod(world, created)) : [];
  await world.clock.sleep(world.duration('deployment/available'), world.signal);
  const object = world.store.get(ref);
  if (!object) return;
  const replicas = object.spec?.replicas ?? 1;
  for (const pod of pods) markReady(world, pod);
  world.store.patch(ref, {
    status: {
      observedGeneration: object.metadata.generation ?? 1,
      replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      updatedReplicas: replicas,
      conditions: [condition('Available', replicas > 0 ? 'True' : 'False', replicas > 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', replicas > 0 ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', world)],
    },
  });
  // Follow later scale changes (kubectl scale in app restore scripts).
  const stop = world.store.watch('apps/v1', 'Deployment', { namespace: ref.namespace, name: ref.name }, (type, changed) => {
    if (type === 'DELETED') {
      stop();
      // Garbage collection: the Deployment's ReplicaSet and pods go with it.
      for (const pod of podsOfDeployment(world, changed)) world.store.delete(refOf(pod));
      return;
    }
    if (type !== 'MODIFIED' || changed.status?.replicas === changed.spec?.replicas) return;
    const wanted = changed.spec?.replicas ?? 1;
    world.clock
      .sleep(wanted > 0 ? world.duration('deployment/available') : 10_000, world.signal)
      .then(() => {
        const current = podsOfDeployment(world, changed);
        for (const pod of current.slice(wanted)) world.store.delete(refOf(pod));
        const latest = world.store.get(ref);
        if (latest) for (let index = current.length; index < wanted; index++) markReady(world, createPod(world, latest));
        return world.store.patch(ref, {
          status: {
            replicas: wanted,
            readyReplicas: wanted,
            availableReplicas: wanted,
            conditions: [condition('Available', wanted > 0 ? 'True' : 'False', wanted > 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', wanted > 0 ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', world)],
          },
        });
      })
      .catch(() => undefined);
  });
}

async function assignLoadBalancerIp(world: SimWorld, ref: ObjectRef): Promise<void> {
  await world.clock.sleep(world.duration('ingress/ip'), world.signal);
  world.store.patch(ref, { status: { loadBalancer: { ingress: [{ ip: world.store.get(ref)?.spec?.loadBalancerIP ?? SIM_INGRESS_IP, ipMode: 'VIP' }] } } });
}

async function registerIssuer(world: SimWorld, ref: ObjectRef): Promise<void> {
  await world.clock.sleep(world.duration('cert-manager/issuer'), world.signal);
  world.store.patch(ref, {
    status: {
      acme: { uri: 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/180247384', lastRegisteredEmail: 'ops@sim.dr-drill.invalid' },
      conditions: [condition('Ready', 'True', 'ACMEAccountRegistered', 'The ACME account was registered with the ACME server', world)],
    },
  });
}

async function runRestore(world: SimWorld, ref: ObjectRef): Promise<void> {
  const restore = world.store.get(ref);
  if (!restore) return;
  const fault = world.faultOfObject(ref);
  world.store.patch(ref, { status: { phase: 'New' } });
  const backupName: string | undefined = restore.spec?.backupName;
  const backup = backupName ? world.store.get({ apiVersion: 'velero.io/v1', kind: 'Backup', name: backupName, namespace: ref.namespace }) : undefined;
  if (!backup) {
    world.store.patch(ref, { status: { phase: 'FailedValidation', validationErrors: [`Error retrieving backup: backups.velero.io "${backupName ?? ''}" not found`] } });
    return;
  }
  await world.clock.sleep(5_000, world.signal);
  const included: string[] = restore.spec?.includedNamespaces ?? ['*'];
  const mapping: Record<string, string> = restore.spec?.namespaceMapping ?? {};
  const apps = SIM_APPS.filter((app) => included.includes('*') || included.includes(app.namespace));
  const totalItems = 40 + apps.length * 37;
  world.store.patch(ref, { status: { phase: 'InProgress', startTimestamp: world.isoTime(), progress: { totalItems, itemsRestored: 0 } } });

  // One PodVolumeRestore per volume; Velero may call the restore Completed before they finish.
  const volumeRestores = apps.map((app) => {
    const volumeRestore: KubeObject = {
      apiVersion: 'velero.io/v1',
      kind: 'PodVolumeRestore',
      metadata: { name: `${ref.name}-${app.pvc}`.slice(0, 63), namespace: ref.namespace ?? 'velero', labels: { 'velero.io/restore-name': ref.name, 'velero.io/restore-uid': restore.metadata.uid ?? '' } },
      spec: {
        pod: { kind: 'Pod', namespace: mapping[app.namespace] ?? app.namespace, name: `${app.deployment}-0` },
        volume: 'data',
        backupStorageLocation: 'default',
        uploaderType: 'kopia',
        snapshotID: app.pvc.slice(0, 8),
        sourceNamespace: app.namespace,
        repoIdentifier: `s3:https://s3.sim.dr-drill.invalid/velero/homelab/kopia/${app.namespace}`,
      },
      status: { phase: 'New' },
    };
    return world.store.create(volumeRestore);
  });
  const volumeWork = volumeRestores.map(async (volumeRestore) => {
    const volumeRef = refOf(volumeRestore);
    await world.clock.sleep(10_000, world.signal);
    world.store.patch(volumeRef, { status: { phase: 'InProgress', startTimestamp: world.isoTime(), progress: { totalBytes: 8_589_934_592, bytesDone: 0 } } });
    await world.work('velero/pod-volume-restore', fault === 'slow' ? 'slow' : undefined);
    if (fault === 'fail') {
      world.store.patch(volumeRef, { status: { phase: 'Failed', message: 'error restoring volume: error running restic restore: unable to open repository: Fatal: wrong password or no key found', completionTimestamp: world.isoTime() } });
      return;
    }
    world.store.patch(volumeRef, { status: { phase: 'Completed', completionTimestamp: world.isoTime(), progress: { totalBytes: 8_589_934_592, bytesDone: 8_589_934_592 } } });
  });
  // The world may stop before the restore waits for its volumes: their rejections are expected then.
  for (const work of volumeWork) work.catch(() => undefined);

  await world.work('velero/restore', fault === 'hang' ? 'hang' : fault === 'slow' ? 'slow' : undefined);
  for (const app of apps) {
    const target = mapping[app.namespace] ?? app.namespace;
    if (!world.store.get({ apiVersion: 'v1', kind: 'Namespace', name: target })) world.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: target, labels: { 'velero.io/restore-name': ref.name } } });
    if (target === app.namespace) continue;
    // Restored into a scratch namespace: the backed-up objects appear there, as Velero creates them.
    for (const object of layerContent('apps').filter((candidate) => candidate.metadata.namespace === app.namespace)) {
      const copy: KubeObject = { ...structuredClone(object), metadata: { ...object.metadata, namespace: target, labels: { ...object.metadata.labels, 'velero.io/restore-name': ref.name, 'velero.io/backup-name': backup.metadata.name } } };
      if (!world.store.get(refOf(copy))) world.store.create(copy);
    }
  }
  if (fault === 'fail') {
    await Promise.allSettled(volumeWork);
    world.store.patch(ref, {
      status: {
        phase: 'PartiallyFailed',
        completionTimestamp: world.isoTime(),
        progress: { totalItems, itemsRestored: totalItems - 3 },
        warnings: 1,
        errors: 3,
      },
    });
    return;
  }
  // Existing objects (created by Flux) are skipped with a warning each, as Velero does.
  const existing = apps.filter((app) => !mapping[app.namespace]).length;
  world.store.patch(ref, { status: { phase: 'Completed', completionTimestamp: world.isoTime(), progress: { totalItems, itemsRestored: totalItems }, warnings: existing } });
  await Promise.allSettled(volumeWork);
}

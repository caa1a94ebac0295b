/**
 * Plays Velero's server for tests (there is no Velero server in the local cluster): seeds a
 * read-only BackupStorageLocation and backups, and moves Restores through the phases the real
 * server (Velero 1.18) goes through — New, InProgress, Finalizing, Completed — creating the restored namespaces and workloads (with
 * namespaceMapping) and one PodVolumeRestore per volume, which finish after the Restore does.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';

const V = { group: 'velero.io', version: 'v1', namespace: 'velero' };
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function ensure(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

export async function seedVelero(kc: KubeConfig, options: { backupAgeMs: number }): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await ensure(() => core.createNamespace({ body: { metadata: { name: 'velero' } } }));
  await ensure(() =>
    custom.createNamespacedCustomObject({
      ...V,
      plural: 'backupstoragelocations',
      body: { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', accessMode: 'ReadOnly', objectStorage: { bucket: 'velero' } } },
    }),
  );
  const now = Date.now();
  const backup = (name: string, ageMs: number, phase: string) =>
    ensure(async () => {
      await custom.createNamespacedCustomObject({
        ...V,
        plural: 'backups',
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'Backup',
          metadata: { name, namespace: 'velero', labels: { 'velero.io/schedule-name': 'daily' } },
          spec: { includedNamespaces: ['paperless', 'mediabox'], storageLocation: 'default' },
          status: { phase, startTimestamp: iso(now - ageMs - 600_000), completionTimestamp: iso(now - ageMs) },
        },
      });
    });
  await backup('daily-older', options.backupAgeMs + 86_400_000, 'Completed');
  await backup('daily-completed', options.backupAgeMs, 'Completed');
  await backup('daily-newest-failed', options.backupAgeMs / 2, 'PartiallyFailed');
}

export interface VeleroPlayer {
  restores: () => { metadata: { name: string }; spec: Record<string, any> }[];
  stop: () => Promise<void>;
}

export function playVelero(kc: KubeConfig, options: { warnings: number }): VeleroPlayer {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const seen: { metadata: { name: string }; spec: Record<string, any> }[] = [];
  const handled = new Set<string>();
  const work: Promise<void>[] = [];
  let controller: AbortController | undefined;
  let stopped = false;
  const patch = (plural: string, name: string, status: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...V, plural, name, body: [{ op: 'add', path: '/status', value: status }] });

  const handle = async (restore: { metadata: { name: string; uid: string }; spec: Record<string, any> }) => {
    const name = restore.metadata.name;
    await patch('restores', name, { phase: 'New' });
    await patch('restores', name, { phase: 'InProgress', startTimestamp: iso(Date.now()), progress: { totalItems: 10, itemsRestored: 0 } });
    const mapping: Record<string, string> = restore.spec.namespaceMapping ?? {};
    const volumes: string[] = [];
    for (const source of restore.spec.includedNamespaces as string[]) {
      const target = mapping[source] ?? source;
      await ensure(() => core.createNamespace({ body: { metadata: { name: target, labels: { 'velero.io/restore-name': name } } } }));
      const app = source === 'paperless' ? 'paperless-ngx' : 'jellyfin';
      await ensure(() =>
        apps.createNamespacedDeployment({
          namespace: target,
          body: {
            metadata: { name: app, labels: { 'velero.io/restore-name': name } },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app } },
              template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `example.test/${app}:restored` }], nodeSelector: { type: 'kwok' }, tolerations: [{ operator: 'Exists' }] } },
            },
          },
        }),
      );
      if (source === 'paperless') {
        // A static PV per restore the restored claim binds to (the real binder in kube-controller-manager binds it).
        await ensure(() => core.createPersistentVolume({ body: { metadata: { name: `pv-${name}-${target}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${target}` }, storageClassName: 'restored', claimRef: { namespace: target, name: 'paperless-data' } } } }));
        await ensure(() => core.createNamespacedPersistentVolumeClaim({ namespace: target, body: { metadata: { name: 'paperless-data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'restored', resources: { requests: { storage: '1Gi' } } } } }));
      }
      const volume = `${name}-${source}`.slice(0, 63);
      volumes.push(volume);
      await custom.createNamespacedCustomObject({
        ...V,
        plural: 'podvolumerestores',
        body: {
          apiVersion: 'velero.io/v1',
          kind: 'PodVolumeRestore',
          metadata: { name: volume, namespace: 'velero', labels: { 'velero.io/restore-name': name, 'velero.io/restore-uid': restore.metadata.uid } },
          spec: { pod: { kind: 'Pod', namespace: target, name: `${app}-0` }, volume: 'data', backupStorageLocation: 'default', uploaderType: 'kopia', snapshotID: 'abc123', sourceNamespace: source, repoIdentifier: `s3:https://s3.example.test/velero/restic/${source}` },
          status: { phase: 'InProgress', progress: { totalBytes: 1000, bytesDone: 100 } },
        },
      });
    }
    // Like the real server, the restore finalizes (wrap-up after the items) before it is Completed.
    await patch('restores', name, { phase: 'Finalizing', startTimestamp: iso(Date.now()), progress: { totalItems: 10, itemsRestored: 10 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Velero may call the restore Completed before the volume data is in place.
    await patch('restores', name, { phase: 'Completed', completionTimestamp: iso(Date.now()), progress: { totalItems: 10, itemsRestored: 10 }, warnings: options.warnings, errors: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const volume of volumes) await patch('podvolumerestores', volume, { phase: 'Completed', progress: { totalBytes: 1000, bytesDone: 1000 }, completionTimestamp: iso(Date.now()) });
  };

  // A watch ends now and then (the API server's or the client's timeout): start another one; the
  // fresh watch lists every Restore again as ADDED, and those already handled are skipped.
  const watch = (): void => {
    void new Watch(kc)
      .watch(
        '/apis/velero.io/v1/namespaces/velero/restores',
        {},
        (phase: string, object: { metadata: { name: string; uid: string }; spec: Record<string, any> }) => {
          if (phase !== 'ADDED' || handled.has(object.metadata.name)) return;
          handled.add(object.metadata.name);
          seen.push(object);
          work.push(
            handle(object).catch(async (error: unknown) => {
              // Like Velero, a restore that cannot proceed ends Failed with a reason, never stuck.
              const body = (error as { body?: unknown }).body;
              await patch('restores', object.metadata.name, { phase: 'Failed', failureReason: `test Velero player: ${String(body ?? error)}` }).catch(() => undefined);
            }),
          );
        },
        () => {
          if (!stopped) setTimeout(watch, 200);
        },
      )
      .then(
        (created) => (controller = created),
        () => {
          if (!stopped) setTimeout(watch, 500);
        },
      );
  };
  watch();

  return {
    restores: () => seen,
    stop: async () => {
      stopped = true;
      controller?.abort();
      await Promise.all(work);
    },
  };
}

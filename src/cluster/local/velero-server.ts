/**
 * A real Velero server (built from Go modules, test-infra/versions.json "tools") run out of
 * cluster against a local cluster's kubeconfig, with the AWS object store plugin against a local
 * S3 service: its CRDs, the `velero` Deployment it looks itself up by (kwok marks it available),
 * a credentials Secret and the `default` BackupStorageLocation, ReadWrite for production or
 * ReadOnly for a drill. start resolves once the location is Available; stop leaves no process.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './crds.ts';
import { loadInfraVersions, requireTool, type CrdPin } from './infra-versions.ts';
import { applyObject, loadKubeConfig } from './kube.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { S3_REGION } from './s3-server.ts';
import { fatalError, waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export const VELERO_NAMESPACE = 'velero';
export const VELERO_LOCATION = 'default';
export const VELERO_CREDENTIALS_SECRET = 'cloud-credentials';
const VELERO_GROUP = { group: 'velero.io', version: 'v1' };

export interface VeleroServerOptions {
  kubeconfigPath: string;
  /** Directory of its own: log, plugin scratch and credential files (its TMPDIR). */
  dir: string;
  s3: { url: string; bucket: string };
  accessMode: 'ReadWrite' | 'ReadOnly';
  /** --backup-sync-period (default 5s). Velero 1.18's sync controller still runs once a minute whatever it says (see velero-backups.ts). */
  backupSyncPeriod?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Stops waiting (and the server) when aborted. */
  signal?: AbortSignal;
}

export interface VeleroServer {
  namespace: string;
  location: string;
  /** The velero CLI of the same version (velero schedule create, velero backup create ...). */
  cli: string;
  /** Its directory (log, TMPDIR, HOME). */
  dir: string;
  process: ManagedProcess;
  ports: number[];
  logFile: string;
  stop: () => Promise<void>;
  killNow: () => void;
}

/** Every Velero CRD (v1 and v2alpha1): the server refuses to start unless all are served. */
export function veleroCrdPins(): CrdPin[] {
  const pin = loadInfraVersions().crds['velero'];
  if (pin === undefined) throw new DrillError('ETESTINFRA', 'test-infra/versions.json has no crds.velero pin', { details: 'restore test-infra/versions.json from git' });
  return ['config/crd/v1/bases', 'config/crd/v2alpha1/bases'].map((dir) => ({ module: pin.module, version: pin.version, dir }));
}

/** The objects the server needs in the cluster before it starts. */
export function veleroObjects(options: Pick<VeleroServerOptions, 's3' | 'accessMode'>, secretKey: string): object[] {
  const labels = { component: 'velero', deploy: 'velero' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VELERO_NAMESPACE } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'velero', namespace: VELERO_NAMESPACE, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        // Never pulled: kwok runs no containers; the server itself runs out of cluster.
        template: { metadata: { labels }, spec: { containers: [{ name: 'velero', image: `velero/velero:${loadInfraVersions().tools?.['velero']?.version ?? 'latest'}` }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: VELERO_CREDENTIALS_SECRET, namespace: VELERO_NAMESPACE },
      type: 'Opaque',
      stringData: { cloud: `[default]\naws_access_key_id = dr-drill\naws_secret_access_key = ${secretKey}\n` },
    },
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: VELERO_LOCATION, namespace: VELERO_NAMESPACE },
      spec: {
        provider: 'aws',
        default: true,
        accessMode: options.accessMode,
        objectStorage: { bucket: options.s3.bucket },
        credential: { name: VELERO_CREDENTIALS_SECRET, key: 'cloud' },
        config: { region: S3_REGION, s3ForcePathStyle: 'true', s3Url: options.s3.url, checksumAlgorithm: '' },
      },
    },
  ];
}

export async function startVeleroServer(options: VeleroServerOptions): Promise<VeleroServer> {
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const versions = loadInfraVersions();
  const velero = requireTool('velero', 'velero', versions, env);
  const pluginDir = dirname(requireTool('velero-plugin-for-aws', 'velero-plugin-for-aws', versions, env));
  const tmp = join(options.dir, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const kubeConfig = loadKubeConfig(options.kubeconfigPath);
  await installCrds(kubeConfig, veleroCrdPins());
  for (const object of veleroObjects(options, randomBytes(18).toString('base64url'))) await applyObject(kubeConfig, object as never);
  log(`velero: CRDs, Deployment, Secret and BackupStorageLocation ${VELERO_LOCATION} (${options.accessMode}, bucket ${options.s3.bucket}) in ${VELERO_NAMESPACE}`);

  const [metrics, profiler] = await Promise.all([freePort(), freePort()]);
  const logFile = join(options.dir, 'velero-server.log');
  writeFileSync(logFile, '');
  const managed = startProcess({
    name: 'velero server',
    command: velero,
    args: [
      'server',
      `--kubeconfig=${options.kubeconfigPath}`,
      `--namespace=${VELERO_NAMESPACE}`,
      `--plugin-dir=${pluginDir}`,
      `--metrics-address=${LOOPBACK}:${metrics}`,
      `--profiler-address=${LOOPBACK}:${profiler}`,
      `--backup-sync-period=${options.backupSyncPeriod ?? '5s'}`,
      '--store-validation-frequency=5s',
      '--log-format=json',
    ],
    logFile,
    // Velero writes the location's credentials below os.TempDir(): keep them in our directory.
    env: { ...env, TMPDIR: tmp, HOME: options.dir },
    cwd: options.dir,
  });
  try {
    await waitLocationAvailable(kubeConfig, managed, options.timeoutMs ?? 120_000, options.signal);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  log(`velero server (pid ${managed.pid}) up: BackupStorageLocation ${VELERO_LOCATION} Available; log ${logFile}`);
  return { namespace: VELERO_NAMESPACE, location: VELERO_LOCATION, cli: velero, dir: options.dir, process: managed, ports: [metrics, profiler], logFile, stop: () => managed.stop(), killNow: () => managed.killNow() };
}

async function waitLocationAvailable(kubeConfig: KubeConfig, managed: ManagedProcess, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  let last = '';
  await waitFor(
    async () => {
      if (managed.exited()) throw fatalError(`velero server exited before the backup storage location was available:\n${managed.logTail(20)}`, `see ${managed.logFile}`);
      const location = (await api.getNamespacedCustomObject({ ...VELERO_GROUP, namespace: VELERO_NAMESPACE, plural: 'backupstoragelocations', name: VELERO_LOCATION })) as { status?: { phase?: string; message?: string } };
      last = `${location.status?.phase ?? 'no phase'}${location.status?.message ? `: ${location.status.message}` : ''}`;
      if (location.status?.phase === 'Available') return true;
      if (location.status?.phase === 'Unavailable') throw new Error(last);
      return undefined;
    },
    { what: `BackupStorageLocation ${VELERO_NAMESPACE}/${VELERO_LOCATION} Available (log ${managed.logFile})`, timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) },
  );
}

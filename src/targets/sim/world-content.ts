/** What the simulated world puts into a drill cluster that depends on the world: Flux's bootstrap objects and Velero's. */
import type { KubeObject } from '../../contract/cluster.ts';
import { kustomization, layerKustomizations, meta, type FluxSource } from './cluster-content.ts';
import { fakeSha, type SimWorld } from './world.ts';
import { SOPS_DECRYPTION } from './sealed-tree.ts';

/** What `flux bootstrap git` (or Terraform's flux_bootstrap_git) leaves in flux-system. */
export function fluxBootstrap(world: SimWorld, source: FluxSource = { url: world.git.url, branch: world.git.branch, path: './clusters/drill' }): KubeObject[] {
  const head = world.remote.head(source.branch) ?? world.git.head;
  const revision = `${source.branch}@sha1:${head}`;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta('flux-system') },
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: meta('flux-system', 'flux-system'),
      spec: { interval: '1m', url: source.url, ref: { branch: source.branch } },
      status: {
        artifact: { revision, digest: `sha256:${fakeSha(revision)}${fakeSha(revision).slice(0, 24)}`, lastUpdateTime: world.isoTime() },
        conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${revision}'`, lastTransitionTime: world.isoTime() }],
      },
    },
    kustomization('flux-system', source.path.startsWith('./') ? source.path : `./${source.path}`, []),
    ...layerKustomizations(world.sopsKey ? SOPS_DECRYPTION : undefined),
  ];
}

export function veleroContent(world: SimWorld): KubeObject[] {
  const backupTime = (ageMs: number) => new Date(world.t0 - ageMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stamp = (iso: string) => iso.replace(/[-:TZ]/g, '').slice(0, 14);
  const backup = (ageMs: number, phase: string, extra: Record<string, unknown> = {}): KubeObject => {
    const completion = backupTime(ageMs);
    const start = backupTime(ageMs + 11 * 60_000);
    return {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: meta(`daily-${stamp(start)}`, 'velero', { 'velero.io/schedule-name': 'daily', 'velero.io/storage-location': 'default' }),
      spec: { includedNamespaces: ['paperless', 'mediabox', 'gitlab'], storageLocation: 'default', ttl: '720h0m0s', defaultVolumesToFsBackup: true },
      status: {
        phase,
        version: 1,
        formatVersion: '1.1.0',
        startTimestamp: start,
        ...(phase === 'InProgress' ? {} : { completionTimestamp: completion }),
        expiration: backupTime(ageMs - 30 * 86_400_000),
        progress: { totalItems: 412, itemsBackedUp: phase === 'InProgress' ? 120 : 412 },
        ...extra,
      },
    };
  };
  const day = 86_400_000;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta('velero') },
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: meta('default', 'velero'),
      spec: { provider: 'aws', accessMode: world.backupLocationAccessMode, default: true, objectStorage: { bucket: 'velero', prefix: 'homelab' }, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'https://s3.sim.dr-drill.invalid' } },
      status: { phase: 'Available', accessMode: world.backupLocationAccessMode, lastValidationTime: world.isoTime() },
    },
    { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: meta('daily', 'velero'), spec: { schedule: '0 2 * * *', template: { includedNamespaces: ['paperless', 'mediabox', 'gitlab'], ttl: '720h0m0s' } }, status: { phase: 'Enabled', lastBackup: backupTime(world.backupAgeMs) } },
    backup(world.backupAgeMs + 2 * day, 'Completed'),
    backup(world.backupAgeMs + day, 'Completed', { warnings: 2 }),
    backup(world.backupAgeMs, 'Completed'),
    // The newest backup failed mid-way: a restore must not pick it.
    backup(Math.max(60_000, world.backupAgeMs - 3 * 3_600_000), 'PartiallyFailed', { errors: 4, warnings: 1 }),
  ];
}

/**
 * "Production" for the local target, staged before T0 and then lost: a second local cluster
 * reconciled by Flux from the same Git server and branch as the drill, a real Velero server with
 * a ReadWrite location on a local S3 bucket, the `daily` Schedule and a Backup from it of the
 * sample namespaces, and restic's backup of their volume data taken in the same backup window
 * (runbook 002: PVC data through restic). Then the production cluster is stopped: that is the
 * disaster. What outlives it, as in the runbooks, is the bucket (and its S3 service), the restic
 * repository and Git; after T0 the drill cluster gets its own Velero server that reads the bucket
 * through a ReadOnly location (see drillVelero).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { getKustomizationStatus, startLocalCluster, type SampleRepo } from '../../cluster/local/index.ts';
import { startS3Server, type S3Server } from '../../cluster/local/s3-server.ts';
import { backupFromSchedule, backupOutcome, createSchedule, type VeleroBackup } from '../../cluster/local/velero-backups.ts';
import { startVeleroServer } from '../../cluster/local/velero-server.ts';
import { stageBackup, type StagedBackup } from './backup.ts';
import { DrillError } from '../../util/errors.ts';

export const PRODUCTION_BUCKET = 'dr-drill-production-backups';
export const BACKUP_SCHEDULE = 'daily';
export const BACKUP_NAMESPACES = ['paperless', 'mediabox'];

export interface StagedProduction {
  /** Production's Velero backups, when the drill restores with Velero. */
  velero?: { s3: S3Server; bucket: string; backup: VeleroBackup };
  /** restic's backup of the same namespaces' volume data, dated when the Velero backup started. */
  restic: StagedBackup;
  /** Stops the S3 service, if any (the bucket goes with it); only at the end of the drill. */
  stop: () => Promise<void>;
}

export interface ProductionOptions {
  dir: string;
  gitSource: { url: string; repo: SampleRepo };
  sopsAgeKeyFile?: string;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Back up with Velero (the drill has a velero.restore step); otherwise only restic's backup of the data is staged. */
  velero: boolean;
  /** restic staging options (a planted missing-canary fault: ./faults.ts). */
  backup?: { canaryGapMs?: number };
  /** How long Flux may take to make production's layers Ready. */
  fluxTimeoutMs?: number;
}

export async function stageProduction(options: ProductionOptions): Promise<StagedProduction> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.dir, { recursive: true });
  if (!options.velero) return { restic: await stageBackup(join(options.dir, 'restic'), { ageMs: 0, ...options.backup }), stop: async () => undefined };
  const s3 = await startS3Server({ dir: join(options.dir, 's3'), env: options.env });
  try {
    await s3.createBucket(PRODUCTION_BUCKET);
    const veleroBackup = await backUpProduction(options, s3, log);
    const startedAt = Date.parse(veleroBackup.status.startTimestamp ?? '');
    // Never a later time in its place: a snapshot dated after the backup began would flatter the RPO.
    if (!Number.isFinite(startedAt)) throw new DrillError('EVELERO', `production's Velero backup ${veleroBackup.name} has no start time`, { details: `status: ${JSON.stringify(veleroBackup.status)}` });
    // restic takes the volume data in the same backup window: its snapshot is dated when Velero's backup started.
    const restic = await stageBackup(join(options.dir, 'restic'), { ageMs: 0, now: startedAt, ...options.backup });
    log(`production lost: Velero backup ${veleroBackup.name} (started ${veleroBackup.status.startTimestamp}) in bucket ${PRODUCTION_BUCKET}, restic snapshot ${restic.snapshotId.slice(0, 8)} survive`);
    return { velero: { s3, bucket: PRODUCTION_BUCKET, backup: veleroBackup }, restic, stop: () => s3.stop() };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}

/** Production's cluster from Git, its Velero, the Schedule and one Backup from it; the cluster is stopped whatever happens. */
async function backUpProduction(options: ProductionOptions, s3: S3Server, log: (line: string) => void): Promise<VeleroBackup> {
  const cluster = await startLocalCluster({
    gitSource: options.gitSource,
    ...(options.sopsAgeKeyFile ? { sopsAgeKeyFile: options.sopsAgeKeyFile } : {}),
    registerExitHandlers: false,
    env: options.env,
    log: (line) => log(`production: ${line}`),
  });
  try {
    const kubeConfig = cluster.kubeConfig();
    await waitForLayers(kubeConfig, cluster.gitops?.layers ?? [], options.fluxTimeoutMs ?? 300_000, log);
    const velero = await startVeleroServer({ kubeconfigPath: cluster.kubeconfigPath, dir: join(options.dir, 'velero'), s3: { url: s3.url, bucket: PRODUCTION_BUCKET }, accessMode: 'ReadWrite', env: options.env, log: (line) => log(`production: ${line}`) });
    try {
      const target = { server: velero, kubeconfigPath: cluster.kubeconfigPath, kubeConfig, env: options.env };
      await createSchedule(target, { name: BACKUP_SCHEDULE, cron: '0 3 * * *', namespaces: BACKUP_NAMESPACES });
      const backup = await backupFromSchedule(target, BACKUP_SCHEDULE);
      log(`production: Velero backup ${backup.name} ${backupOutcome(backup)}, ${backup.status.progress?.itemsBackedUp ?? 0} items`);
      return backup;
    } finally {
      await velero.stop();
    }
  } finally {
    await cluster.stop();
    log(`production: cluster ${cluster.name} stopped (the disaster)`);
  }
}

/**
 * Production as Git makes it: each layer Ready in order. A layer that does not build (BuildFailed:
 * only a new commit fixes it) stops the wait, and production is backed up as it is, as broken as
 * its Git; a layer still not Ready at the deadline is an error.
 */
async function waitForLayers(kubeConfig: KubeConfig, layers: string[], timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const layer of layers) {
    for (;;) {
      const status = await getKustomizationStatus(kubeConfig, layer).catch(() => undefined);
      if (status?.ready) break;
      if (status?.reason === 'BuildFailed') {
        log(`production: layer ${layer} does not build (${status.message.slice(0, 200)}): backed up as it is`);
        return;
      }
      if (Date.now() > deadline) throw new DrillError('ELOCAL', `production's Flux layer ${layer} not Ready within ${Math.round(timeoutMs / 1000)}s${status ? ` (${status.reason}: ${status.message})` : ''}`, { details: 'the local target backs up production once Flux reconciled it: check the GitOps tree (DRILL_LOCAL_GITOPS)' });
      await sleep(250);
    }
  }
  log(`production: Flux layers Ready (${layers.join(', ')})`);
}

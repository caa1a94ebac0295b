/**
 * Backups through a running Velero server with its own CLI, as an operator makes them: a Schedule
 * (`velero schedule create`), a Backup from it (`velero backup create --from-schedule --wait`), and,
 * on a cluster that only reads the bucket, waiting until the server has synced the bucket's backups in.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { runChecked } from './processes.ts';
import type { VeleroServer } from './velero-server.ts';
import { waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export interface BackupStatus {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  errors?: number;
  warnings?: number;
  failureReason?: string;
  progress?: { itemsBackedUp?: number; totalItems?: number };
}

export interface VeleroBackup {
  name: string;
  status: BackupStatus;
}

interface CliTarget {
  server: VeleroServer;
  kubeconfigPath: string;
  env?: NodeJS.ProcessEnv;
}

function cli(target: CliTarget, args: string[]): Promise<string> {
  return runChecked(target.server.cli, [...args, `--kubeconfig=${target.kubeconfigPath}`, `--namespace=${target.server.namespace}`], {
    // The CLI keeps its client config under $HOME/.config/velero: the server's directory, not the user's.
    env: { ...(target.env ?? process.env), HOME: target.server.dir },
    timeoutMs: 600_000,
  });
}

/** `velero schedule create <name>` for these namespaces; it makes no backup by itself (--skip-immediately). */
export async function createSchedule(target: CliTarget, schedule: { name: string; cron: string; namespaces: string[] }): Promise<void> {
  await cli(target, ['schedule', 'create', schedule.name, `--schedule=${schedule.cron}`, `--include-namespaces=${schedule.namespaces.join(',')}`, '--skip-immediately=true']);
}

/** Velero's own naming for a schedule's backups: <schedule>-<UTC yyyyMMddHHmmss>. */
export function scheduledBackupName(schedule: string, at: Date = new Date()): string {
  return `${schedule}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

/** Phases a backup ends in that leave it in the bucket (a Failed backup may not get there). */
export const PERSISTED_PHASES = new Set(['Completed', 'PartiallyFailed']);

/**
 * `velero backup create <name> --from-schedule <schedule> --wait`: the backup as it ended, whatever
 * its phase (a production with broken namespaces makes a PartiallyFailed one); EVELERO when it has none.
 */
export async function backupFromSchedule(target: CliTarget & { kubeConfig: KubeConfig }, schedule: string, name: string = scheduledBackupName(schedule)): Promise<VeleroBackup> {
  await cli(target, ['backup', 'create', name, `--from-schedule=${schedule}`, '--wait']);
  const status = (await readBackup(target.kubeConfig, target.server.namespace, name))?.status ?? {};
  if (status.phase === undefined || status.phase === 'New' || status.phase === 'InProgress') {
    throw new DrillError('EVELERO', `Velero backup ${name} from schedule ${schedule} did not finish (${status.phase ?? 'no phase'})`, {
      details: `${status.errors ?? 0} error(s), ${status.warnings ?? 0} warning(s); server log ${target.server.logFile}:\n${target.server.process.logTail(15)}`,
    });
  }
  return { name, status };
}

export async function readBackup(kubeConfig: KubeConfig, namespace: string, name: string): Promise<VeleroBackup | undefined> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    const backup = (await api.getNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace, plural: 'backups', name })) as { status?: BackupStatus };
    return { name, status: backup.status ?? {} };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Describes how a backup ended, for logs: `PartiallyFailed (2 error(s))`. */
export function backupOutcome(backup: VeleroBackup): string {
  const { phase, errors, warnings, failureReason } = backup.status;
  const counts = [errors ? `${errors} error(s)` : '', warnings ? `${warnings} warning(s)` : ''].filter(Boolean).join(', ');
  return `${phase ?? 'no phase'}${counts ? ` (${counts})` : ''}${failureReason ? `: ${failureReason}` : ''}`;
}

/** Waits until the server has synced these backups from the bucket into the cluster, in the phase they ended in. */
export async function waitForSyncedBackups(kubeConfig: KubeConfig, server: VeleroServer, names: string[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<VeleroBackup[]> {
  return waitFor(
    async () => {
      if (server.process.exited()) throw new DrillError('ELOCAL', `velero server exited:\n${server.process.logTail(20)}`);
      const found = await Promise.all(names.map((name) => readBackup(kubeConfig, server.namespace, name)));
      return found.every((backup) => PERSISTED_PHASES.has(backup?.status.phase ?? '')) ? (found as VeleroBackup[]) : undefined;
    },
    // Velero's sync controller runs once a minute (its first run a minute after start), whatever --backup-sync-period says.
    { what: `backups ${names.join(', ')} synced from the bucket by the velero server (log ${server.logFile})`, timeoutMs: options.timeoutMs ?? 150_000, intervalMs: 500, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

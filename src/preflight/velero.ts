/**
 * Velero backup storage locations: a drill never makes one writable, never restores through one it
 * could write, and, where the cluster exists before the run (an existing cluster), every location
 * its restores read must be ReadOnly already or be set ReadOnly by an earlier step.
 */
import type { PlannedStep } from '../drill/plan.ts';
import type { KubeObject } from '../contract/cluster.ts';
import type { BackupLocationUse } from '../contract/step.ts';
import type { PreflightContext } from './context.ts';
import { inputAt } from './context.ts';

const VELERO = 'velero.io/v1';
const READ_ONLY_FIX = 'a drill restores through a ReadOnly location: set it ReadOnly before the restore (a velero.location step with accessMode: ReadOnly, put back in finally with restore: true)';

export async function checkBackupLocations(context: PreflightContext): Promise<void> {
  const uses = context.steps.flatMap((step) => (context.needsOf(step).backupLocations ?? []).map((use) => ({ step, use })));
  const madeReadOnly: Use[] = [];
  for (const { step, use } of uses) {
    const name = `${use.namespace}/${use.name ?? 'default'}`;
    if (use.use === 'set-writable') {
      context.problem('EPRODTARGET', `step "${step.id}" would make backup storage location ${name} writable (accessMode: ReadWrite)`, `the drill could then write or delete production's backups; ${READ_ONLY_FIX}`, inputAt(context, step));
    } else if (use.use === 'set-read-only' && !step.finally) madeReadOnly.push({ step, use });
    else if (use.use === 'restore' && use.allowsWritable) {
      context.problem('EPRODTARGET', `step "${step.id}" would restore through a backup storage location it may write (requireReadOnlyLocation: false)`, `isolation is not switched off from the drill file; ${READ_ONLY_FIX}`, inputAt(context, step));
    }
  }
  const restores = uses.filter(({ use }) => use.use === 'restore' && !use.allowsWritable);
  if (restores.length === 0) return;
  try {
    await checkLiveLocations(context, restores, madeReadOnly);
  } catch (error) {
    context.problem('EPREFLIGHT', `cannot read the cluster's Velero backup storage locations (${(error as Error).message})`, 'preflight checks on an existing cluster that the locations the restores read are ReadOnly: check the kubeconfig and that the API server answers', inputAt(context, restores[0]!.step));
  }
}

type Use = { step: PlannedStep; use: BackupLocationUse };

async function checkLiveLocations(context: PreflightContext, restores: Use[], madeReadOnly: Use[]): Promise<void> {
  const cluster = await context.cluster();
  if (!cluster) return context.note('isolation', 'backup storage locations are checked when the restore runs: the drill cluster does not exist before the run');
  const order = new Map(context.plan.steps.map((step, index) => [step.id, index]));
  for (const { step, use } of restores) {
    const backups = await cluster.list(VELERO, 'Backup', { namespace: use.namespace }).then((list) => list.items);
    const picked = backups.filter((backup: KubeObject) => (use.backup ? backup.metadata.name === use.backup : use.schedule ? backup.metadata.labels?.['velero.io/schedule-name'] === use.schedule : true));
    const names = new Set<string>(picked.map((backup: KubeObject) => backup.spec?.storageLocation ?? 'default'));
    if (names.size === 0) names.add('default');
    for (const locationName of names) {
      const location = await cluster.get({ apiVersion: VELERO, kind: 'BackupStorageLocation', namespace: use.namespace, name: locationName });
      const mode: string = location?.spec?.accessMode ?? 'ReadWrite';
      if (!location || mode === 'ReadOnly') continue;
      const setBefore = madeReadOnly.some((earlier) => earlier.use.namespace === use.namespace && (earlier.use.name ?? 'default') === locationName && (order.get(earlier.step.id) ?? Infinity) < (order.get(step.id) ?? -1));
      if (setBefore) continue;
      context.problem('EPRODTARGET', `step "${step.id}" would restore through backup storage location ${use.namespace}/${locationName}, which is ${mode}: the drill could write production's backups`, `${READ_ONLY_FIX}, or make it ReadOnly by hand: velero backup-location set ${locationName} --access-mode ReadOnly`, inputAt(context, step));
    }
  }
}

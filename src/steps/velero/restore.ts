/**
 * velero.restore: restore namespaces from the newest Completed backup (or a named one) through a
 * read-only backup storage location, wait for the Restore and its PodVolumeRestores (Velero can
 * call a restore Completed before volume data is in place), and record the data RPO from the
 * backup's start time: data written during the backup window may be that old. Only backups that
 * started by T0 count (production may go on backing up during a drill on an existing cluster:
 * newer backups are skipped and named), and the sample is recorded only once the restore and its
 * volumes completed: data that did not come back has no RPO.
 */
import { z } from 'zod';
import type { Cluster, KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { withHeartbeat } from '../heartbeat.ts';
import { firstError, restoreErrors } from './restore-errors.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';

const VELERO = 'velero.io/v1';
const RESTORE_DONE = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);
const VOLUME_DONE = new Set(['Completed', 'Failed', 'Canceled']);

const inputs = z.strictObject({
  namespace: z.string().default('velero').meta({ description: 'Namespace Velero runs in.' }),
  backup: z.string().optional().meta({ description: 'A named backup; default: the newest Completed one (of schedule:, if given).' }),
  schedule: z.string().optional().meta({ description: 'Only consider backups made by this schedule.' }),
  includedNamespaces: z.array(z.string()).min(1).meta({ description: 'Namespaces to restore.' }),
  namespaceMapping: z.record(z.string(), z.string()).default({}).meta({ description: 'Restore into other namespaces (scratch namespaces on an existing cluster).' }),
  restoreName: z.string().optional().meta({ description: 'Name of the Restore object; default: <step id>-<run id>. A retry adds -<attempt>, and a name already taken (a re-run with the same run id) gets the next free -<n>.' }),
  restorePVs: z.boolean().default(true),
  existingResourcePolicy: z.enum(['none', 'update']).optional(),
  waitForVolumes: z.boolean().default(true).meta({ description: 'Also wait for every PodVolumeRestore of the restore.' }),
  requireReadOnlyLocation: z.boolean().default(true).meta({ description: 'Refuse to restore through a backup storage location the drill could write to.' }),
  failOnWarnings: z.boolean().default(false),
  allowExistingNamespaces: z
    .boolean()
    .optional()
    .meta({
      description:
        'Restore into namespaces that already exist. Default: refused on the kubeconfig target (an existing cluster: restore into scratch namespaces with namespaceMapping), allowed on clusters the drill provisioned (where Flux creates the app namespaces first).',
    }),
});

type Inputs = z.output<typeof inputs>;

export const veleroRestore = defineStep({
  kind: 'velero.restore',
  summary: 'Velero restore from the newest Completed backup via a read-only location; waits for PodVolumeRestores; records data RPO',
  inputs,
  preflight: (input) => ({
    backupLocations: [{ use: 'restore', namespace: input.namespace ?? 'velero', backup: input.backup, schedule: input.schedule, allowsWritable: input.requireReadOnlyLocation === false }],
  }),
  async run(context, input) {
    const cluster = await context.cluster();
    const { backup, skipped } = await chooseBackup(cluster, input, context);
    await checkLocation(cluster, input, backup);
    const { time: backupStart, field: timeField } = backupStartOf(backup);

    await refuseExistingNamespaces(cluster, input, context.target.kind);

    const name = await freeRestoreName(cluster, input, context);
    const restore: KubeObject = {
      apiVersion: VELERO,
      kind: 'Restore',
      metadata: { name, namespace: input.namespace, labels: { 'app.kubernetes.io/managed-by': 'dr-drill', 'dr-drill.io/run': context.runId } },
      spec: {
        backupName: backup.metadata.name,
        includedNamespaces: input.includedNamespaces,
        restorePVs: input.restorePVs,
        ...(Object.keys(input.namespaceMapping).length > 0 ? { namespaceMapping: input.namespaceMapping } : {}),
        ...(input.existingResourcePolicy ? { existingResourcePolicy: input.existingResourcePolicy } : {}),
      },
    };
    await cluster.create(restore);
    context.log.info(`created Restore ${input.namespace}/${name} from backup ${backup.metadata.name} for ${input.includedNamespaces.join(', ')}`);

    let lastPhase = '';
    const finished = await withHeartbeat(context, () => `Restore ${name}: ${lastPhase || 'pending'}`, () => waitForObjects(
      cluster,
      { apiVersion: VELERO, kind: 'Restore', namespace: input.namespace, name },
      (view) => {
        const current = view.get(`${input.namespace}/${name}`);
        const phase: string = current?.status?.phase ?? '';
        const progress = current?.status?.progress;
        const label = `${phase || 'pending'}${progress ? ` (${progress.itemsRestored ?? 0}/${progress.totalItems ?? '?'} items)` : ''}`;
        if (label !== lastPhase) {
          context.log.info(`Restore ${name}: ${label}`);
          lastPhase = label;
        }
        return RESTORE_DONE.has(phase) ? current : undefined;
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    ));
    const status = finished.status ?? {};
    const warnings = Number(status.warnings ?? 0);
    const errors = Number(status.errors ?? 0);
    if (warnings > 0) context.log.warn(`Restore ${name} has ${warnings} warning(s); see: velero restore describe ${name} --details`);

    const volumes = input.waitForVolumes && status.phase === 'Completed' ? await waitForVolumeRestores(cluster, input, name, context) : [];
    const failedVolumes = volumes.filter((volume) => volume.status?.phase !== 'Completed');
    const outputs = { restore: name, backup: backup.metadata.name, phase: status.phase, itemsRestored: status.progress?.itemsRestored ?? 0, totalItems: status.progress?.totalItems ?? 0, warnings, errors, volumes: volumes.length, backupStartedAt: backupStart };

    if (status.phase !== 'Completed' || failedVolumes.length > 0 || (input.failOnWarnings && warnings > 0)) {
      const reasons = [
        status.phase !== 'Completed' ? `phase ${status.phase}` : undefined,
        errors > 0 ? `${errors} error(s)` : undefined,
        warnings > 0 ? `${warnings} warning(s)` : undefined,
        status.failureReason ? `failureReason: ${status.failureReason}` : undefined,
        ...(status.validationErrors ?? []).map((error: string) => `validation: ${error}`),
        ...failedVolumes.map((volume) => `PodVolumeRestore ${volume.metadata.name} ${volume.status?.phase ?? 'unknown'}: ${volume.status?.message ?? ''}`),
      ].filter(Boolean);
      const messages = errors > 0 ? await restoreErrors(context, input.namespace, name) : undefined;
      if (messages) reasons.push(`first error: ${firstError(messages) ?? messages[0]}`);
      throw new DrillError('EVELERO', `Velero restore ${name} did not complete cleanly: ${reasons.join('; ')}`, {
        details: `${messages ? `errors (velero restore describe ${name} --details):\n  ${messages.join('\n  ')}\n` : ''}inspect with: velero restore describe ${name} --details; velero restore logs ${name}`,
      });
    }
    context.recordRpo({
      source: `velero backup ${input.namespace}/${backup.metadata.name} ${timeField}`,
      // A backup without any time cannot be dated: judged as old as can be.
      dataTime: backupStart ?? new Date(0).toISOString(),
      detail: [
        `backup ran ${backupStart ?? '?'} .. ${backup.status?.completionTimestamp ?? '?'}; judged from its start`,
        ...(skipped.length > 0 ? [`skipped ${skipped.length} newer backup(s): ${skipped.join('; ')}`] : []),
      ].join('; '),
    });
    return outputs;
  },
});

/** When a backup's data was current: its start (status.startTimestamp), else when the object was created. */
function backupStartOf(backup: KubeObject): { time: string | undefined; field: string } {
  if (backup.status?.startTimestamp) return { time: backup.status.startTimestamp, field: 'status.startTimestamp' };
  return { time: backup.metadata.creationTimestamp, field: 'metadata.creationTimestamp' };
}

/** Started after T0: made after the disaster (production still backing up), so not data that existed at T0. */
function startedAfter(backup: KubeObject, t0: number): boolean {
  const { time } = backupStartOf(backup);
  return time !== undefined && Date.parse(time) > t0;
}

async function chooseBackup(cluster: Cluster, input: Inputs, context: StepContext): Promise<{ backup: KubeObject; skipped: string[] }> {
  const t0 = new Date(context.t0).toISOString();
  if (input.backup) {
    const backup = await cluster.get({ apiVersion: VELERO, kind: 'Backup', name: input.backup, namespace: input.namespace });
    if (!backup) throw new DrillError('EVELERO', `backup ${input.namespace}/${input.backup} not found`, { details: 'list backups with: velero backup get' });
    if (backup.status?.phase !== 'Completed') throw new DrillError('EVELERO', `backup ${input.backup} is ${backup.status?.phase ?? 'not finished'}, not Completed`);
    if (startedAfter(backup, context.t0)) {
      throw new DrillError('EINPUT', `backup ${input.backup} started ${backupStartOf(backup).time}, after T0 ${t0}: it holds data written after the disaster`, {
        details: 'name a backup that started before T0, or drop backup: to take the newest one that did',
      });
    }
    return { backup, skipped: [] };
  }
  const { items } = await cluster.list(VELERO, 'Backup', { namespace: input.namespace, ...(input.schedule ? { labelSelector: `velero.io/schedule-name=${input.schedule}` } : {}) });
  const startedAt = (backup: KubeObject) => Date.parse(backupStartOf(backup).time ?? '') || 0;
  const sorted = [...items].sort((a, b) => startedAt(b) - startedAt(a));
  const skipped: string[] = [];
  for (const backup of sorted.filter((candidate) => startedAfter(candidate, context.t0))) {
    const why = `${backup.metadata.name} started ${backupStartOf(backup).time}, after T0 ${t0}`;
    context.log.warn(`skipping backup ${why}`);
    skipped.push(why);
  }
  const existedAtT0 = sorted.filter((candidate) => !startedAfter(candidate, context.t0));
  const newestCompleted = existedAtT0.find((backup) => backup.status?.phase === 'Completed');
  for (const backup of existedAtT0.slice(0, newestCompleted ? existedAtT0.indexOf(newestCompleted) : existedAtT0.length)) {
    const why = `${backup.metadata.name}: phase ${backup.status?.phase ?? 'unknown'}`;
    context.log.warn(`skipping newer backup ${why}`);
    skipped.push(why);
  }
  if (!newestCompleted) {
    throw new DrillError('EVELERO', `no Completed Velero backup${input.schedule ? ` of schedule ${input.schedule}` : ''} in ${input.namespace} that started by T0 ${t0}`, {
      details: `found ${items.length} backup(s), ${items.length - existedAtT0.length} of them started after T0; check the schedule with: velero schedule get; velero backup get`,
    });
  }
  return { backup: newestCompleted, skipped };
}

async function checkLocation(cluster: Cluster, input: Inputs, backup: KubeObject): Promise<void> {
  if (!input.requireReadOnlyLocation) return;
  const locationName: string = backup.spec?.storageLocation ?? 'default';
  const location = await cluster.get({ apiVersion: VELERO, kind: 'BackupStorageLocation', name: locationName, namespace: input.namespace });
  if (!location) throw new DrillError('EVELERO', `backup storage location ${input.namespace}/${locationName} not found`);
  if (location.spec?.accessMode !== 'ReadOnly') {
    throw new DrillError('EPRODTARGET', `backup storage location ${input.namespace}/${locationName} is ${location.spec?.accessMode ?? 'ReadWrite'}: a drill must not be able to write production backups`, {
      details: `set spec.accessMode: ReadOnly on the drill cluster's BackupStorageLocation (velero backup-location set ${locationName} --access-mode ReadOnly), or set requireReadOnlyLocation: false if this location is drill-owned`,
    });
  }
}

/**
 * A Restore name nobody used yet: one per attempt (a retry must not collide with the Restore of the
 * attempt before it) and per run (a re-run with the same run id finds the earlier run's Restore).
 */
async function freeRestoreName(cluster: Cluster, input: Inputs, context: StepContext): Promise<string> {
  const base = (input.restoreName ?? `${context.stepId}-${context.runId}`).toLowerCase();
  const withSuffix = (suffix: number) => {
    const tail = suffix > 1 ? `-${suffix}` : '';
    return `${base.slice(0, 63 - tail.length).replace(/-+$/, '')}${tail}`;
  };
  for (let suffix = Math.max(1, context.attempt); ; suffix++) {
    const candidate = withSuffix(suffix);
    if (!(await cluster.get({ apiVersion: VELERO, kind: 'Restore', name: candidate, namespace: input.namespace }))) return candidate;
    context.log.info(`Restore ${input.namespace}/${candidate} exists already (an earlier attempt or run): using another name`);
  }
}

async function waitForVolumeRestores(cluster: Cluster, input: Inputs, restoreName: string, context: StepContext): Promise<KubeObject[]> {
  const seen = new Map<string, string>();
  return waitForObjects(
    cluster,
    { apiVersion: VELERO, kind: 'PodVolumeRestore', namespace: input.namespace, labelSelector: `velero.io/restore-name=${restoreName}` },
    (view) => {
      for (const volume of view.values()) {
        const progress = volume.status?.progress;
        const state = `${volume.status?.phase ?? 'New'}${progress?.totalBytes ? ` ${Math.round((100 * (progress.bytesDone ?? 0)) / progress.totalBytes)}%` : ''}`;
        if (seen.get(volume.metadata.name) !== state) {
          context.log.info(`PodVolumeRestore ${volume.metadata.name} (${volume.spec?.pod?.namespace}/${volume.spec?.pod?.name}): ${state}`);
          seen.set(volume.metadata.name, state);
        }
      }
      const volumes = [...view.values()];
      return volumes.every((volume) => VOLUME_DONE.has(volume.status?.phase ?? '')) ? volumes : undefined;
    },
    { signal: context.signal, clock: context.clock, log: context.log },
  );
}

/** On an existing cluster a restore must never land in live namespaces: only in scratch ones it creates. */
async function refuseExistingNamespaces(cluster: Cluster, input: Inputs, targetKind: string): Promise<void> {
  if (input.allowExistingNamespaces ?? targetKind !== 'kubeconfig') return;
  const fix = 'map each restored namespace to a scratch namespace the drill owns, e.g. namespaceMapping: { paperless: paperless-drill-${run.id} }; set allowExistingNamespaces: true only if overwriting them is intended';
  // A wildcard or glob restores namespaces nobody listed, and `update` overwrites what exists.
  const wildcards = input.includedNamespaces.filter((namespace) => /[*?[]/.test(namespace));
  if (wildcards.length > 0 || input.existingResourcePolicy === 'update') {
    throw new DrillError('EPRODTARGET', `refusing ${wildcards.length > 0 ? `includedNamespaces ${wildcards.join(', ')}` : 'existingResourcePolicy: update'} on an existing cluster`, { details: fix });
  }
  const destinations = input.includedNamespaces.map((namespace) => input.namespaceMapping[namespace] ?? namespace);
  const existing: string[] = [];
  for (const namespace of destinations) {
    if (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace })) existing.push(namespace);
  }
  if (existing.length > 0) {
    throw new DrillError('EPRODTARGET', `refusing to restore into existing namespace(s) ${existing.join(', ')} on an existing cluster`, { details: fix });
  }
}

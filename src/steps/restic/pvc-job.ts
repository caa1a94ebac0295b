/**
 * restic restore into a PersistentVolumeClaim of the drill cluster (runbook 002: "PVCs per
 * Velero/Restic wiederherstellen"): a Job that mounts the claim and runs restic there, with the
 * repository, its password and credentials in a Secret (never in the Job spec), removed
 * afterwards. A completed Job is left to Kubernetes' TTL controller so its pod's log stays
 * readable for a while; one that did not complete is deleted with its pod. Without subfolder,
 * restic recreates the backed-up absolute path below the mount point.
 */
import { z } from 'zod';
import { conditionOf, type KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';
import type { StepContext } from '../../contract/step.ts';

export const pvcInputs = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'The PersistentVolumeClaim to restore into.' }),
    namespace: z.string().min(1).meta({ description: 'Its namespace.' }),
    repository: z
      .string()
      .optional()
      .meta({ description: 'The repository as the cluster reaches it (e.g. an in-cluster rest: URL); default: the step\'s repository. A local path is refused.' }),
    subfolder: z.string().optional().meta({ description: 'Restore only this path of the snapshot, to the root of the claim (restic restore <id>:<subfolder>, restic >= 0.17).' }),
    image: z.string().default('docker.io/restic/restic:0.18.1').meta({ description: 'restic image the Job runs.' }),
    mountPath: z.string().default('/restore'),
  })
  .meta({ description: 'Restore into a PVC through a Job on the drill cluster instead of to a directory here.' });

export type PvcTarget = z.output<typeof pvcInputs>;

const REMOTE_REPOSITORY = /^(s3|rest|sftp|b2|azure|gs|swift|rclone):/;
const JOB_TTL_SECONDS = 3600;

/** One Job per attempt: a retry must not collide with the Job of the attempt before. */
export function jobName(stepId: string, runId: string, attempt: number): string {
  const suffix = `-${runId}-${attempt}`;
  return `restic-${stepId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}

/** Runs the Job to completion; rejects with the Job's failure reason. */
export async function restoreIntoPvc(
  context: StepContext,
  options: { pvc: PvcTarget; repository: string; snapshotId: string; include: string[]; secretEnv: Record<string, string> },
): Promise<{ job: string; namespace: string }> {
  const { pvc } = options;
  const repository = pvc.repository ?? options.repository;
  if (!REMOTE_REPOSITORY.test(repository)) {
    throw new DrillError('EINPUT', `the cluster cannot reach the restic repository ${repository}`, {
      details: 'a Job restores inside the cluster: give pvc.repository as the cluster reaches it (s3:, rest:, sftp:, b2:, azure:, gs:, swift:, rclone:)',
    });
  }
  // The URL may carry credentials (rest:https://user:pass@...): it goes into the Secret, not the Job spec.
  try {
    const password = new URL(repository.replace(/^(s3|rest|swift|b2|azure|gs|sftp|rclone):(?=[a-z]+:\/\/)/, '')).password;
    if (password) context.addSecret(decodeURIComponent(password));
  } catch {
    // not a URL: nothing inside
  }
  const cluster = await context.cluster();
  const name = jobName(context.stepId, context.runId, context.attempt);
  const labels = { 'app.kubernetes.io/managed-by': 'dr-drill', 'dr-drill.io/run': context.runId };
  const claim = await cluster.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.namespace, name: pvc.name });
  if (!claim) throw new DrillError('ERESTIC', `PersistentVolumeClaim ${pvc.namespace}/${pvc.name} not found`, { details: 'restore after the app\'s Kustomization created the claim (put the step after flux.wait of the apps layer)' });

  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: pvc.namespace, labels }, type: 'Opaque', stringData: { ...options.secretEnv, RESTIC_REPOSITORY: repository } };
  await cluster.create(secret);
  let completed = false;
  try {
    const source = pvc.subfolder ? `${options.snapshotId}:${pvc.subfolder}` : options.snapshotId;
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: pvc.namespace, labels },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: JOB_TTL_SECONDS,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'restic',
                image: pvc.image,
                args: ['restore', source, '--target', pvc.mountPath, ...options.include.flatMap((include) => ['--include', include])],
                envFrom: [{ secretRef: { name } }],
                volumeMounts: [{ name: 'data', mountPath: pvc.mountPath }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: pvc.name } }],
          },
        },
      },
    };
    await cluster.create(job);
    context.log.info(`Job ${pvc.namespace}/${name} restores ${source} into PVC ${pvc.name} (${pvc.image})`);
    const done = await waitForObjects(
      cluster,
      { apiVersion: 'batch/v1', kind: 'Job', namespace: pvc.namespace, name },
      (view) => {
        const current = view.get(`${pvc.namespace}/${name}`);
        if (!current) return undefined;
        if (conditionOf(current, 'Complete')?.status === 'True') return { failed: false as const, job: current };
        if (conditionOf(current, 'Failed')?.status === 'True') return { failed: true as const, job: current };
        return undefined;
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    );
    if (done.failed) {
      const failed = conditionOf(done.job, 'Failed');
      throw new DrillError('ERESTIC', `restic restore Job ${pvc.namespace}/${name} failed: ${failed?.reason ?? 'Failed'}: ${failed?.message ?? ''}`, {
        details: `read its log with: kubectl -n ${pvc.namespace} logs job/${name}`,
      });
    }
    context.log.info(`Job ${pvc.namespace}/${name} completed`);
    completed = true;
    return { job: name, namespace: pvc.namespace };
  } finally {
    // A Job of a timed-out or cancelled step would go on writing into the claim: stop it.
    if (!completed) await cluster.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: pvc.namespace, name }).catch((error: unknown) => context.log.warn(`could not delete Job ${pvc.namespace}/${name}: ${errorMessage(error)}`));
    await cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace: pvc.namespace, name }).catch((error: unknown) => context.log.warn(`could not delete Secret ${pvc.namespace}/${name}: ${errorMessage(error)}`));
  }
}

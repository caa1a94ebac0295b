/**
 * GitLab database restore (runbook 000, "GitLab Database Restore"), as a dr-drill script step:
 * find the newest backup in the bucket made by T0 (production may go on backing up during a
 * drill: newer ones are skipped and named), stop the writers, run `backup-utility --restore`,
 * start the writers again with the replicas they had (also when the restore fails) and wait for
 * them. Records the data RPO from the backup id's timestamp, only once the restore and the
 * writers' rollout passed: data that did not come back has no RPO.
 *
 * Inputs (with.args): namespace (default gitlab), bucket (s3://...), backupId (optional: the
 * newest in the bucket made by T0 otherwise), toolbox (default gitlab-toolbox), writers
 * (deployments to scale down while restoring).
 */
import type { ScriptContext } from '../../src/steps/script/run.ts';

/** GitLab backup ids start with the epoch seconds: 1764036300_2026_11_25_18.5.1. */
const BACKUP_FILE = /(\d{10})_\d{4}_\d{2}_\d{2}_[\w.-]+?_gitlab_backup\.tar$/;

/** The epoch seconds a backup id starts with, as a time. */
function backupTime(backupId: string): Date {
  const epoch = Number(backupId.split('_')[0]);
  if (!/^\d{10}_/.test(backupId) || !Number.isFinite(epoch)) throw new Error(`GitLab backup id ${backupId} does not start with its epoch seconds (like 1764036300_2026_11_25_18.5.1)`);
  return new Date(epoch * 1000);
}

export default async function restoreGitlabDatabase({ args, $, log, recordRpo, t0 }: ScriptContext) {
  const namespace = String(args.namespace ?? 'gitlab');
  const toolbox = `deploy/${String(args.toolbox ?? 'gitlab-toolbox')}`;
  const writers = (args.writers as string[] | undefined) ?? ['gitlab-webservice-default', 'gitlab-sidekiq-all-in-1-v2'];

  const t0Iso = new Date(t0).toISOString();
  const skipped: string[] = [];
  let backupId = args.backupId === undefined ? undefined : String(args.backupId);
  if (backupId && backupTime(backupId).getTime() > t0) {
    throw new Error(`GitLab backup ${backupId} was made ${backupTime(backupId).toISOString()}, after T0 ${t0Iso}: it holds data written after the disaster; name one made before T0`);
  }
  if (!backupId) {
    const listing = await $`kubectl -n ${namespace} exec ${toolbox} -- s3cmd ls ${String(args.bucket)}/`;
    const ids = listing.stdout
      .split('\n')
      .map((line) => BACKUP_FILE.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => match[0].replace(/_gitlab_backup\.tar$/, ''))
      .sort();
    for (const id of ids.filter((candidate) => backupTime(candidate).getTime() > t0)) {
      const why = `${id} made ${backupTime(id).toISOString()}, after T0 ${t0Iso}`;
      log.warn(`skipping GitLab backup ${why}`);
      skipped.push(why);
    }
    backupId = ids.filter((candidate) => backupTime(candidate).getTime() <= t0).at(-1);
    if (!backupId) throw new Error(`no GitLab backup (*_gitlab_backup.tar) made by T0 ${t0Iso} in ${String(args.bucket)}${ids.length > 0 ? ` (${ids.length} made after T0)` : ''}`);
  }
  const dataTime = backupTime(backupId);
  log.info(`restoring GitLab backup ${backupId}`);

  // Remember how many replicas each writer ran, and give them back even when the restore fails:
  // a drill must not leave GitLab scaled to zero.
  const replicas = new Map<string, number>();
  for (const writer of writers) {
    const current = Number((await $`kubectl -n ${namespace} get deployment/${writer} -o jsonpath={.spec.replicas}`).stdout.trim());
    replicas.set(writer, Number.isInteger(current) && current > 0 ? current : 1);
  }
  try {
    for (const writer of writers) await $`kubectl -n ${namespace} scale deployment/${writer} --replicas=0`;
    await $`kubectl -n ${namespace} exec ${toolbox} -- backup-utility --restore -t ${backupId}`;
  } finally {
    // Every writer gets its replicas back, even when one scale-up fails; that failure is logged,
    // and the restore's own error (if any) stays the one the step reports.
    for (const writer of writers) {
      await $`kubectl -n ${namespace} scale deployment/${writer} --replicas=${String(replicas.get(writer))}`.catch((error: unknown) =>
        log.error(`could not scale ${writer} back to ${replicas.get(writer)}: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  }
  for (const writer of writers) await $`kubectl -n ${namespace} rollout status deployment/${writer} --timeout=15m`;
  recordRpo({
    source: `gitlab backup ${backupId}: epoch seconds of the backup id`,
    dataTime,
    ...(skipped.length > 0 ? { detail: `skipped ${skipped.length} newer backup(s): ${skipped.join('; ')}` } : {}),
  });
  return { backupId, writers: Object.fromEntries(replicas) };
}

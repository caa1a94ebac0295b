/**
 * restic.restore: restore a snapshot (the newest for a host, tags and paths, or a named one) from a
 * restic repository to a directory (runbook 002: "PVCs per Velero/Restic wiederherstellen"), and
 * record the data RPO from the snapshot's time. restic stamps a snapshot with the time the backup
 * started, so data written during the backup may be that old: the sample is conservative. Only
 * snapshots taken by T0 count (newer ones are skipped and named), and the sample is recorded only
 * once the restore (and its verification) passed.
 * Optionally verifies the restored files (`restore --verify`) and the repository (`restic check`).
 * With `pvc:` it restores into a PersistentVolumeClaim of the drill cluster through a Job instead.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';
import { pvcInputs, restoreIntoPvc } from './pvc-job.ts';
import { jsonLines, openRepository, parseResticTime, resticError, resticRepositoryInputs, type ResticSnapshot } from './common.ts';

const inputs = z.strictObject({
  ...resticRepositoryInputs,
  snapshot: z
    .string({ error: (issue) => (typeof issue.input === 'number' ? 'put the snapshot id in quotes: YAML reads an all-digit id such as 01234567 as a number (and drops its leading zeros)' : undefined) })
    .min(1)
    .default('latest')
    .meta({ description: 'A snapshot id (or unique prefix), or "latest": the newest matching host, tags and paths. Quote it in YAML.' }),
  host: z.string().optional().meta({ description: 'Only snapshots of this host (--host).' }),
  tags: z.array(z.string()).default([]).meta({ description: 'Only snapshots with all of these tags (--tag a,b).' }),
  paths: z.array(z.string()).default([]).meta({ description: 'Only snapshots of these backed-up paths (--path).' }),
  target: z.string().optional().meta({ description: 'Directory to restore into (relative to the drill file); default: restic-<step id> in the run directory.' }),
  include: z.array(z.string()).default([]).meta({ description: 'Restore only these paths or patterns (--include).' }),
  verify: z.boolean().default(false).meta({ description: 'Verify restored file contents (restore --verify) and then the repository (restic check).' }),
  readDataSubset: z.string().optional().meta({ description: 'With verify: also read this part of the pack data in restic check (--read-data-subset, e.g. 5% or 1/10).' }),
  allowEmpty: z.boolean().default(false).meta({ description: 'Pass even when no file was restored (normally a wrong include or an empty snapshot fails the step).' }),
  pvc: pvcInputs.optional(),
});

export const resticRestore = defineStep({
  kind: 'restic.restore',
  summary: 'restic restore of the newest (or a named) snapshot to a directory; records data RPO from the snapshot time; optional restic check',
  inputs,
  // The repository and the snapshot filters name production's backups: the restore reads them.
  preflight: () => ({ tools: ['restic'], readsProduction: ['repository', 'host', 'tags', 'paths'] }),
  async run(context, input) {
    const repo = openRepository(context, input);
    const { snapshot, skipped } = await chooseSnapshot(repo, input, context);
    const snapshotTime = parseResticTime(snapshot.time);
    const shortId = snapshot.short_id ?? snapshot.id.slice(0, 8);
    const recordRpo = () =>
      context.recordRpo({
        source: `restic snapshot ${shortId} of ${(snapshot.paths ?? []).join(', ') || '?'}${snapshot.hostname ? ` on ${snapshot.hostname}` : ''}: snapshot time`,
        dataTime: snapshotTime,
        detail: [`snapshot time ${snapshot.time} is when the backup started; judged from it`, ...(skipped.length > 0 ? [`skipped ${skipped.length} newer snapshot(s): ${skipped.join('; ')}`] : [])].join('; '),
      });
    context.log.info(`restoring restic snapshot ${shortId} (${snapshot.time}) from ${repo.repository}`);

    if (input.pvc) {
      const secretEnv = { ...input.env, RESTIC_PASSWORD: await repositoryPassword(context, input) };
      const job = await restoreIntoPvc(context, { pvc: input.pvc, repository: input.repository, snapshotId: snapshot.id, include: input.include, secretEnv });
      const checked = input.verify ? await checkRepository(repo, input.readDataSubset) : false;
      recordRpo();
      return { snapshot: snapshot.id, shortId, snapshotTime: snapshotTime.toISOString(), host: snapshot.hostname, paths: snapshot.paths ?? [], pvc: `${input.pvc.namespace}/${input.pvc.name}`, job: job.job, checked };
    }

    const target = input.target ? path.resolve(context.drillDir, input.target) : path.join(context.workDir, `restic-${context.stepId}`);
    const restored = await repo.run([
      'restore',
      snapshot.id,
      '--target',
      target,
      ...input.include.flatMap((include) => ['--include', include]),
      ...(input.verify ? ['--verify'] : []),
      '--json',
    ]);
    const messages = jsonLines(restored.stdout);
    const errors = messages.filter((message) => message.message_type === 'error');
    if (errors.length > 0) {
      throw new DrillError('ERESTIC', `restic restore of ${shortId} reported ${errors.length} error(s)`, {
        details: errors
          .slice(0, 10)
          .map((error) => `${String(error.item ?? '')}: ${String((error.error as { message?: string } | undefined)?.message ?? JSON.stringify(error.error))}`)
          .join('\n'),
      });
    }
    const summary = messages.findLast((message) => message.message_type === 'summary');
    // Files are counted where they landed: restic 0.17+ counts directories in files_restored, and
    // restic before 0.17 prints no JSON for restore at all.
    const landed = snapshot.paths?.length ? snapshot.paths.map((backedUp) => path.join(target, backedUp)) : [target];
    const counted = (await Promise.all(landed.map(countFiles))).reduce((sum, c) => ({ files: sum.files + c.files, bytes: sum.bytes + c.bytes }), { files: 0, bytes: 0 });
    const filesRestored = counted.files;
    const bytesRestored = summary ? Number(summary.bytes_restored ?? summary.total_bytes ?? 0) : counted.bytes;
    context.log.info(`restored ${filesRestored} file(s), ${bytesRestored} byte(s) to ${target}`);
    if (filesRestored === 0 && !input.allowEmpty) {
      throw new DrillError('ERESTIC', `restic restore of ${shortId} restored no files`, {
        details: input.include.length > 0 ? `no file of the snapshot matches include: ${input.include.join(', ')}; list its files with: restic ls ${shortId}` : 'the snapshot is empty; set allowEmpty: true if that is expected',
      });
    }

    const checked = input.verify ? await checkRepository(repo, input.readDataSubset) : false;
    recordRpo();
    return {
      snapshot: snapshot.id,
      shortId,
      snapshotTime: snapshotTime.toISOString(),
      host: snapshot.hostname,
      paths: snapshot.paths ?? [],
      target,
      // restic restores a backed-up /a/b to <target>/a/b: where each backed-up path landed.
      restoredPaths: (snapshot.paths ?? []).map((backedUp) => path.join(target, backedUp)),
      restoredPath: snapshot.paths?.[0] === undefined ? target : path.join(target, snapshot.paths[0]),
      filesRestored,
      bytesRestored,
      checked,
    };
  },
});

async function chooseSnapshot(
  repo: ReturnType<typeof openRepository>,
  input: { snapshot: string; host?: string | undefined; tags: string[]; paths: string[] },
  context: StepContext,
): Promise<{ snapshot: ResticSnapshot; skipped: string[] }> {
  const filters = [...(input.host ? ['--host', input.host] : []), ...(input.tags.length > 0 ? ['--tag', input.tags.join(',')] : []), ...input.paths.flatMap((p) => ['--path', p])];
  const named = input.snapshot !== 'latest';
  const t0 = new Date(context.t0).toISOString();
  // Every matching snapshot, not `--latest 1`: the newest may have been taken after T0.
  const listed = await repo.run(['snapshots', '--json', ...filters, ...(named ? [input.snapshot] : [])]);
  let snapshots: ResticSnapshot[];
  try {
    snapshots = JSON.parse(listed.stdout.trim() || '[]') as ResticSnapshot[];
  } catch (error) {
    throw new DrillError('ECOMMAND', 'restic snapshots --json did not print JSON', { cause: error, details: listed.stdout.slice(0, 500) });
  }
  const filter = [input.host && `host ${input.host}`, input.tags.length > 0 && `tags ${input.tags.join(',')}`, input.paths.length > 0 && `paths ${input.paths.join(', ')}`].filter(Boolean).join(', ');
  if (named) {
    const match = snapshots.find((snapshot) => snapshot.id.startsWith(input.snapshot) || snapshot.short_id === input.snapshot);
    if (!match) throw new DrillError('ERESTIC', `restic snapshot ${input.snapshot} not found in ${repo.repository}${filter ? ` (${filter})` : ''}`, { details: `list snapshots with: restic -r ${repo.repository} snapshots` });
    if (parseResticTime(match.time).getTime() > context.t0) {
      throw new DrillError('EINPUT', `restic snapshot ${input.snapshot} was taken ${match.time}, after T0 ${t0}: it holds data written after the disaster`, {
        details: 'name a snapshot taken before T0, or use snapshot: latest to take the newest one that was',
      });
    }
    return { snapshot: match, skipped: [] };
  }
  const sorted = snapshots.sort((a, b) => parseResticTime(b.time).getTime() - parseResticTime(a.time).getTime());
  const skipped: string[] = [];
  for (const snapshot of sorted.filter((candidate) => parseResticTime(candidate.time).getTime() > context.t0)) {
    const why = `${snapshot.short_id ?? snapshot.id.slice(0, 8)} taken ${snapshot.time}, after T0 ${t0}`;
    context.log.warn(`skipping restic snapshot ${why}`);
    skipped.push(why);
  }
  const newest = sorted.find((candidate) => parseResticTime(candidate.time).getTime() <= context.t0);
  if (!newest) {
    throw new DrillError('ERESTIC', `no restic snapshot taken by T0 ${t0} in ${repo.repository}${filter ? ` for ${filter}` : ''}`, {
      details: `found ${sorted.length} snapshot(s), all taken after T0; list snapshots with: restic -r ${repo.repository} snapshots${filter ? '; check host:, tags: and paths:' : ''}`,
    });
  }
  return { snapshot: newest, skipped };
}

async function countFiles(directory: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        files++;
        bytes += (await lstat(full)).size;
      }
    }
  };
  await walk(directory);
  return { files, bytes };
}

async function checkRepository(repo: ReturnType<typeof openRepository>, readDataSubset: string | undefined): Promise<true> {
  const check = await repo.run(['check', ...(readDataSubset ? [`--read-data-subset=${readDataSubset}`] : [])], { allowFailure: true });
  if (check.exitCode !== 0) {
    const failure = resticError(repo.repository, 'check', check.exitCode, `${check.stdout}\n${check.stderr}`);
    throw new DrillError('ERESTIC', `restic check found problems in ${repo.repository}`, { details: failure.details ?? failure.message });
  }
  return true;
}

/** The password the Job needs, from where the step found it; registered as a secret. */
async function repositoryPassword(context: StepContext, input: { password?: string | undefined; passwordFile?: string | undefined }): Promise<string> {
  const password = input.password ?? (input.passwordFile ? (await readFile(path.resolve(context.drillDir, input.passwordFile), 'utf8')).trim() : context.env.RESTIC_PASSWORD);
  if (!password) throw new DrillError('EINPUT', 'a PVC restore needs the repository password for its Job', { details: 'give password: or passwordFile:, or export RESTIC_PASSWORD' });
  context.addSecret(password);
  return password;
}

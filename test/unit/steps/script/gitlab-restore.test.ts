// drills/scripts/gitlab-database-restore.ts (runbook 000's GitLab database restore) through the
// script step on the sim target: the exact kubectl commands, and the writers get their replicas
// back even when backup-utility fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../../helpers/cli.ts';
import { tempDir } from '../../../helpers/drill-fixtures.ts';

async function commands(extra: string[]): Promise<{ code: number | null; lines: string[] }> {
  const out = path.join(await tempDir(), 'reports');
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out, ...extra]);
  const log = await readFile(path.join(out, 'logs', 'gitlab-db-restore.log'), 'utf8');
  return { code: run.code, lines: [...log.matchAll(/INFO {2}\$ (.*)$/gm)].map((match) => match[1]!) };
}

const WRITERS = ['gitlab-webservice-default', 'gitlab-sidekiq-all-in-1-v2'];

test('the GitLab restore scales the writers down, restores the newest backup, gives the replicas back and waits', async () => {
  const { code, lines } = await commands([]);
  assert.equal(code, 0);
  const backupId = /backup-utility --restore -t (\S+)$/.exec(lines.find((line) => line.includes('backup-utility'))!)![1]!;
  assert.match(backupId, /^\d{10}_\d{4}_\d{2}_\d{2}_18\.5\.1$/);
  assert.deepEqual(lines, [
    'kubectl -n gitlab exec deploy/gitlab-toolbox -- s3cmd ls s3://gitlab-backups/',
    ...WRITERS.map((writer) => `kubectl -n gitlab get deployment/${writer} -o 'jsonpath={.spec.replicas}'`),
    ...WRITERS.map((writer) => `kubectl -n gitlab scale deployment/${writer} --replicas=0`),
    `kubectl -n gitlab exec deploy/gitlab-toolbox -- backup-utility --restore -t ${backupId}`,
    ...WRITERS.map((writer) => `kubectl -n gitlab scale deployment/${writer} --replicas=1`),
    ...WRITERS.map((writer) => `kubectl -n gitlab rollout status deployment/${writer} --timeout=15m`),
  ]);
});

test('a failed backup-utility still gives the writers their replicas back; the step fails with its error', async () => {
  const { code, lines } = await commands(['--fault', 'gitlab-db-restore=fail']);
  assert.equal(code, 1);
  const restoreAt = lines.findIndex((line) => line.includes('backup-utility --restore'));
  assert.ok(restoreAt > 0);
  assert.deepEqual(lines.slice(restoreAt + 1), WRITERS.map((writer) => `kubectl -n gitlab scale deployment/${writer} --replicas=1`));
});

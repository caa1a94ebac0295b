/**
 * What "production" had backed up before the disaster, for the local target: sample data of the
 * apps in the sample GitOps tree (paperless documents, mediabox settings) and a canary log,
 * backed up with the real restic into a repository that outlives the drill cluster, as runbook
 * 002's restic backups outlive a lost cluster. The snapshot is dated `ageMs` before `now`
 * (`restic backup --time`; production.ts passes the moment its Velero backup started, so both
 * backups share one backup window); the canary log's newest record is dated the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../cluster/local/processes.ts';

export interface StagedBackup {
  repository: string;
  passwordFile: string;
  /** restic's id of the snapshot. */
  snapshotId: string;
  /** When the snapshot says the backup started (epoch ms). */
  snapshotTime: number;
  /** The directory backed up (restic restores it to <target>/<this path>). */
  dataDir: string;
  /** Host name recorded in the snapshot. */
  host: string;
}

export const BACKUP_HOST = 'dr-drill-production';
const CANARY_INTERVAL_MS = 15 * 60_000;
const CANARY_RECORDS = 96; // one day of records every 15 minutes

/** restic's --time takes "YYYY-MM-DD hh:mm:ss" in the local time zone; we run it in UTC. */
export function resticTimeArgument(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** One record a line, oldest first, the newest at `newestMs`. */
export function canaryLog(newestMs: number): string {
  const newest = Math.floor(newestMs / 1000) * 1000;
  const lines: string[] = [];
  for (let index = CANARY_RECORDS - 1; index >= 0; index--) {
    lines.push(`${new Date(newest - index * CANARY_INTERVAL_MS).toISOString()} canary ok`);
  }
  return `${lines.join('\n')}\n`;
}

/** `canaryGapMs`: the canary writer stopped this long before the snapshot (the missing-canary fault, ./faults.ts). */
export async function stageBackup(dir: string, options: { ageMs: number; now?: number; canaryGapMs?: number }): Promise<StagedBackup> {
  const snapshotTime = Math.floor(((options.now ?? Date.now()) - options.ageMs) / 1000) * 1000;
  const data = path.join(dir, 'data');
  const files: Record<string, string> = {
    'paperless/media/documents/originals/0000001.pdf': '%PDF-1.4\n% dr-drill sample document: invoice 2026-0001\n',
    'paperless/media/documents/originals/0000002.pdf': '%PDF-1.4\n% dr-drill sample document: tax letter\n',
    'paperless/data/canary.log': canaryLog(snapshotTime - (options.canaryGapMs ?? 0)),
    'mediabox/config/jellyfin/system.xml': '<?xml version="1.0"?>\n<ServerConfiguration><ServerName>mediabox</ServerName></ServerConfiguration>\n',
  };
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(data, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const repository = path.join(dir, 'restic');
  const passwordFile = path.join(dir, 'restic-password');
  writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const env = { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_PASSWORD: undefined, TZ: 'UTC', RESTIC_CACHE_DIR: path.join(dir, 'restic-cache') };
  await runChecked('restic', ['-r', repository, 'init'], { env });
  const out = await runChecked('restic', ['-r', repository, 'backup', '--json', '--host', BACKUP_HOST, '--tag', 'daily', '--time', resticTimeArgument(snapshotTime), data], { env });
  const summary = out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message_type?: string; snapshot_id?: string })
    .find((message) => message.message_type === 'summary');
  if (!summary?.snapshot_id) throw new Error(`ELOCALTARGET restic backup printed no summary with a snapshot id:\n${out.slice(-2000)}`);
  return { repository, passwordFile, snapshotId: summary.snapshot_id, snapshotTime, dataDir: data, host: BACKUP_HOST };
}

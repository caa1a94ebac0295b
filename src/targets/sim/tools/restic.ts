/**
 * Simulated restic (as restic 0.18 answers): `snapshots --json` (filters --host, --tag, --path,
 * --latest, ids), `restore <id> --target DIR --json` (writes the snapshot's files, including a
 * canary log whose newest record predates the snapshot, then status and summary lines), `check`
 * and `version`. Nightly snapshots of the paperless and mediabox volumes, dated from T0.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fakeSha, type SimWorld } from '../world.ts';
import { flag, type SimTool, type ToolInvocation } from './types.ts';

const DAY = 86_400_000;
/** restic runs 15 minutes before the Velero schedule. */
const LEAD_MS = 15 * 60_000;

interface SimSnapshot {
  id: string;
  short_id: string;
  time: string;
  tree: string;
  paths: string[];
  hostname: string;
  username: string;
  tags: string[];
  program_version: string;
}

export function simSnapshots(world: SimWorld): SimSnapshot[] {
  const snapshots: SimSnapshot[] = [];
  for (const [hostname, volume] of [
    ['paperless', '/data/paperless'],
    ['mediabox', '/data/mediabox'],
  ] as const) {
    for (const days of [2, 1, 0]) {
      const time = new Date(world.t0 - world.backupAgeMs - LEAD_MS - days * DAY);
      const id = fakeSha(`restic ${hostname} ${time.toISOString()}`) + fakeSha(`tree ${hostname}`).slice(0, 24);
      snapshots.push({
        id,
        short_id: id.slice(0, 8),
        // restic prints nanoseconds.
        time: time.toISOString().replace(/Z$/, '417263Z'),
        tree: fakeSha(`tree ${hostname} ${days}`) + fakeSha(`t ${days}`).slice(0, 24),
        paths: [volume],
        hostname,
        username: 'root',
        tags: ['nightly', hostname],
        program_version: 'restic 0.18.1',
      });
    }
  }
  return snapshots.sort((a, b) => a.time.localeCompare(b.time));
}

const VALUE_FLAGS = ['-r', '--repo', '--target', '-t', '--include', '-i', '--exclude', '-e', '--host', '-H', '--tag', '--path', '--latest', '--password-file', '-p', '--read-data-subset', '--cache-dir'];

export const restic: SimTool = async (call) => {
  const args = call.args;
  const positional: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (VALUE_FLAGS.includes(arg)) index++;
    else if (!arg.startsWith('-')) positional.push(arg);
  }
  const [command, ...rest] = positional;
  if (command === 'version') {
    call.out('restic 0.18.1 compiled with go1.24.9 on linux/amd64');
    return 0;
  }
  const repository = flag(args, '-r', '--repo') ?? call.env.RESTIC_REPOSITORY;
  if (!repository) {
    call.err('Fatal: Please specify repository location (-r or --repository-file)');
    return 1;
  }
  const password = await passwordOf(call);
  if (!password) {
    call.err('Fatal: an empty password is not a password');
    return 1;
  }
  if (call.fault === 'fail' && command !== 'check') {
    call.err('Fatal: wrong password or no key found');
    return 12;
  }
  switch (command) {
    case 'snapshots':
      return snapshots(call, rest);
    case 'restore':
      return restore(call, rest[0]);
    case 'check':
      return check(call, repository);
    default:
      call.err(`unknown command "${command ?? ''}" for "restic" (the simulated restic knows snapshots, restore, check, version)`);
      return 1;
  }
};

async function passwordOf(call: ToolInvocation): Promise<string> {
  if (call.env.RESTIC_PASSWORD) return call.env.RESTIC_PASSWORD;
  const file = flag(call.args, '--password-file', '-p') ?? call.env.RESTIC_PASSWORD_FILE;
  if (!file) return '';
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return '';
  }
}

function matching(call: ToolInvocation, ids: string[]): SimSnapshot[] {
  const hosts = values(call.args, '--host', '-H');
  const tagSets = values(call.args, '--tag').map((set) => set.split(','));
  const paths = values(call.args, '--path');
  return simSnapshots(call.world).filter(
    (snapshot) =>
      (hosts.length === 0 || hosts.includes(snapshot.hostname)) &&
      (tagSets.length === 0 || tagSets.some((set) => set.every((tag) => snapshot.tags.includes(tag)))) &&
      (paths.length === 0 || paths.every((p) => snapshot.paths.includes(p))) &&
      (ids.length === 0 || ids.some((id) => snapshot.id.startsWith(id))),
  );
}

function snapshots(call: ToolInvocation, ids: string[]): number {
  let found = matching(call, ids);
  for (const id of ids) if (!found.some((snapshot) => snapshot.id.startsWith(id))) call.err(`Ignoring "${id}": no matching ID found for prefix "${id}"`);
  const latest = flag(call.args, '--latest');
  if (latest) {
    const perGroup = new Map<string, SimSnapshot[]>();
    for (const snapshot of found) {
      const key = `${snapshot.hostname}|${snapshot.paths.join(',')}`;
      perGroup.set(key, [...(perGroup.get(key) ?? []), snapshot]);
    }
    found = [...perGroup.values()].flatMap((group) => group.slice(-Number(latest)));
  }
  call.out(JSON.stringify(found));
  return 0;
}

async function restore(call: ToolInvocation, id: string | undefined): Promise<number> {
  const { world } = call;
  const snapshot = id === 'latest' ? matching(call, []).at(-1) : id ? matching(call, [id])[0] : undefined;
  if (!snapshot) {
    call.err(`Fatal: failed to find snapshot: no matching ID found for prefix "${id ?? ''}"`);
    return 1;
  }
  const target = flag(call.args, '--target', '-t');
  if (!target) {
    call.err('Fatal: Please specify a directory to restore to (--target)');
    return 1;
  }
  const includes = values(call.args, '--include', '-i');
  const snapshotTime = Date.parse(snapshot.time.replace(/(\.\d{3})\d+/, '$1'));
  // The canary writer appends a record every 10 minutes; the newest one predates the snapshot.
  const canary = Array.from({ length: 6 }, (_, index) => new Date(snapshotTime - 60_000 - (5 - index) * 600_000).toISOString()).join('\n') + '\n';
  const files: [string, string][] = [
    [`${snapshot.paths[0]}/canary.log`, canary],
    [`${snapshot.paths[0]}/db/data.sqlite`, 'SQLite format 3\0simulated\n'.repeat(64)],
    [`${snapshot.paths[0]}/media/README`, `restored from restic snapshot ${snapshot.short_id}\n`],
  ];
  const selected = files.filter(([file]) => includes.length === 0 || includes.some((include) => file === include || file.startsWith(`${include.replace(/\/$/, '')}/`) || path.basename(file) === include));
  const totalBytes = selected.reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0);
  await world.work('restic/restore', call.fault, call.signal);
  for (const [file, content] of selected) {
    const full = path.join(target, file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  const seconds = world.duration('restic/restore', call.fault) / 1000;
  call.out(JSON.stringify({ message_type: 'status', seconds_elapsed: Math.round(seconds / 2), percent_done: 0.5, total_files: selected.length, files_restored: Math.floor(selected.length / 2), total_bytes: totalBytes, bytes_restored: Math.floor(totalBytes / 2) }));
  call.out(JSON.stringify({ message_type: 'summary', seconds_elapsed: Math.round(seconds), total_files: selected.length, files_restored: selected.length, files_skipped: 0, total_bytes: totalBytes, bytes_restored: totalBytes, bytes_skipped: 0 }));
  return 0;
}

async function check(call: ToolInvocation, repository: string): Promise<number> {
  call.out('using temporary cache in /tmp/restic-check-cache-sim');
  call.out('create exclusive lock for repository');
  call.out('load indexes');
  call.out('check all packs');
  call.out('check snapshots, trees and blobs');
  await call.world.work('restic/check', undefined, call.signal);
  if (call.fault === 'fail') {
    call.out(`error for tree ${fakeSha(repository).slice(0, 8)}:`);
    call.out('  tree 4bd1d4d3: file "db/data.sqlite" blob 0 size could not be found');
    call.err('Fatal: repository contains errors');
    return 1;
  }
  call.out(`[0:00] 100.00%  ${simSnapshots(call.world).length} / ${simSnapshots(call.world).length} snapshots`);
  call.out('no errors were found');
  return 0;
}

function values(args: string[], ...names: string[]): string[] {
  const found: string[] = [];
  args.forEach((arg, index) => {
    for (const name of names) {
      if (arg === name && args[index + 1] !== undefined) found.push(args[index + 1]!);
      else if (arg.startsWith(`${name}=`)) found.push(arg.slice(name.length + 1));
    }
  });
  return found;
}

/** What a local run may leave behind: dr-drill temp directories and the processes the local target starts. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLUSTER_PROGRAMS = new Set(['kwok', 'kwokctl', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'source-controller', 'kustomize-controller', 'cert-manager-controller', 'restic', 'tofu', 'velero', 'velero-plugin-for-aws']);

export interface Snapshot {
  tmp: Set<string>;
  pids: Set<string>;
}

export function snapshot(): Snapshot {
  return { tmp: new Set(readdirSync(os.tmpdir())), pids: new Set(readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) };
}

/**
 * Directories the run left in the temp dir (what the local target and cluster create, and with
 * `runId` the run's own directory: other dr-drill runs on the machine come and go), and processes
 * it started that still run.
 */
export function leftoversSince(before: Snapshot, runId?: string): { dirs: string[]; processes: string[] } {
  const ours = (name: string) => name.startsWith('dr-drill-local-') || (runId !== undefined && name.startsWith(`dr-drill-${runId}-`));
  const dirs = readdirSync(os.tmpdir()).filter((name) => ours(name) && !before.tmp.has(name));
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && !before.pids.has(entry))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const program = path.basename(argv[0] ?? '');
      // Only the programs the local target starts: other processes on the machine may come and go.
      const supervisor = argv.some((arg) => arg.endsWith('local-cluster.ts')) && argv.includes('serve');
      const s3 = argv.some((arg) => arg.endsWith('/moto_server')); // moto's S3 runs as python3 .../bin/moto_server
      if (CLUSTER_PROGRAMS.has(program) || supervisor || s3 || (program === 'git' && argv[1] === 'http-backend')) processes.push(`${pid}: ${argv.join(' ').slice(0, 160)}`);
    } catch {
      // exited meanwhile
    }
  }
  return { dirs, processes };
}

/**
 * Only what one run's cluster left (other agents or jobs on the machine may run local clusters of
 * their own): temp directories holding kwok's clusters/<name>, processes naming them or that
 * cluster, and cluster supervisors started for the run's workspace (drill-<run id>).
 */
export function leftoversOf(before: Snapshot, clusterName: string, runId: string): { dirs: string[]; processes: string[] } {
  const all = leftoversSince(before);
  const dirs = all.dirs.filter((name) => existsSync(path.join(os.tmpdir(), name, 'kwok', 'clusters', clusterName)));
  const processes = all.processes.filter((line) => {
    const pid = line.split(':')[0]!;
    if (line.includes(`/clusters/${clusterName}/`) || dirs.some((dir) => line.includes(dir))) return true;
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((entry) => entry.startsWith('DR_DRILL_CLUSTER_DIR=') && entry.endsWith(`/drill-${runId}`));
    } catch {
      return false;
    }
  });
  return { dirs, processes };
}

/**
 * A temp directory of one run's own, given to the CLI as TMPDIR: everything the local target makes
 * lives below it, so what the run left is what is still there, and the processes naming it in their
 * command line or environment (other runs on the machine, with their own temp dirs, never count).
 */
export function privateTmp(): { TMPDIR: string; leftovers: () => { dirs: string[]; processes: string[] }; remove: () => void } {
  const TMPDIR = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-run-tmp-'));
  const mentions = (pid: string): string | undefined => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg.includes(TMPDIR)) || readFileSync(`/proc/${pid}/environ`, 'utf8').includes(TMPDIR)) return `${pid}: ${argv.join(' ').slice(0, 160)}`;
    } catch {
      // exited meanwhile, or not ours to read
    }
    return undefined;
  };
  return {
    TMPDIR,
    leftovers: () => ({
      // Node keeps its own compile cache in TMPDIR: only what dr-drill makes counts.
      dirs: readdirSync(TMPDIR).filter((name) => name.startsWith('dr-drill-')),
      processes: readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
        .flatMap((pid) => mentions(pid) ?? []),
    }),
    remove: () => rmSync(TMPDIR, { recursive: true, force: true }),
  };
}

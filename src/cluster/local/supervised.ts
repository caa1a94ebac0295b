/**
 * A local cluster that outlives the process that asked for it: `up` starts a detached supervisor
 * process that runs startLocalCluster and keeps it running, `down` stops it and proves nothing is
 * left. This is how OpenTofu's local-exec provisioners (src/targets/local/terraform/) create and
 * remove the disposable drill cluster: `tofu apply` returns while the cluster keeps running.
 *
 * Everything about one cluster lives in its state directory:
 *   supervisor.pid  the supervisor's pid          supervisor.log  its log (and the cluster's)
 *   cluster.json    name, pids, dir (once up)     kubeconfig      0600, once up
 *   ready           written last: the cluster is up
 *   stopped.json    what the supervisor's stop found left behind
 */
// node:child_process: the supervisor is detached and unref'd so it outlives this process; execa's result promise would keep it tied to the caller.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { leftovers, startLocalCluster } from './local-cluster.ts';
import { logTail } from './processes.ts';
import { DrillError } from '../../util/errors.ts';

export interface SupervisedOptions {
  /** State directory of this cluster (created; one per Terraform workspace). */
  dir: string;
  gitUrl: string;
  gitBranch: string;
  /** Working clone of the GitOps repository: clusters/drill/ holds the Kustomizations Flux is bootstrapped with. */
  gitWorkDir: string;
  gitHead: string;
  /** The drill's age key file ('' for none): the cluster gets it as the sops-age Secret. */
  ageKeyFile?: string;
}

interface ClusterRecord {
  name: string;
  dir: string;
  pids: number[];
  kubeconfig: string;
}

const file = (dir: string, name: string): string => join(dir, name);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(file(dir, 'supervisor.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readRecord(dir: string): ClusterRecord | undefined {
  try {
    return JSON.parse(readFileSync(file(dir, 'cluster.json'), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

/** Whether a supervisor for this state directory is still running. */
export function supervisorRunning(dir: string): boolean {
  const pid = readPid(dir);
  return pid !== undefined && isAlive(pid);
}

/**
 * Starts the supervisor detached and waits until the cluster is up (the `ready` file) or the
 * supervisor gives up. Whatever an earlier attempt left in `dir` is removed first.
 */
export async function upSupervised(options: SupervisedOptions & { node: string; script: string; timeoutMs: number; log: (line: string) => void; signal?: AbortSignal }): Promise<ClusterRecord> {
  if (existsSync(options.dir)) {
    const stopped = await downSupervised(options.dir, options.log);
    if (stopped) options.log(`removed what an earlier attempt left in ${options.dir}`);
  }
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const logDescriptor = openSync(file(options.dir, 'supervisor.log'), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(options.node, [options.script, 'serve'], {
      env: {
        ...process.env,
        DR_DRILL_CLUSTER_DIR: options.dir,
        DR_DRILL_GIT_URL: options.gitUrl,
        DR_DRILL_GIT_BRANCH: options.gitBranch,
        DR_DRILL_GIT_WORK_DIR: options.gitWorkDir,
        DR_DRILL_GIT_HEAD: options.gitHead,
        DR_DRILL_AGE_KEY_FILE: options.ageKeyFile ?? '',
      },
      stdio: ['ignore', logDescriptor, logDescriptor],
      detached: true, // its own session: it outlives tofu and the provisioner that started it
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(logDescriptor);
  }
  if (pid === undefined) throw new DrillError('ELOCAL', `cannot start the cluster supervisor (${options.node} ${options.script})`, { details: 'check the node binary and script path' });
  writeFileSync(file(options.dir, 'supervisor.pid'), `${pid}\n`);
  options.log(`cluster supervisor started (pid ${pid}), log ${file(options.dir, 'supervisor.log')}`);
  const deadline = Date.now() + options.timeoutMs;
  while (!existsSync(file(options.dir, 'ready'))) {
    const failed = !isAlive(pid) ? 'the cluster supervisor exited before the cluster was up' : Date.now() > deadline ? `the cluster was not up within ${Math.round(options.timeoutMs / 1000)}s` : options.signal?.aborted ? 'interrupted' : undefined;
    if (failed !== undefined) {
      const tail = logTail(file(options.dir, 'supervisor.log'), 25);
      await downSupervised(options.dir, options.log).catch((error: unknown) => options.log(String(error)));
      throw new DrillError('ELOCAL', failed, { details: tail });
    }
    await sleep(250);
  }
  const record = readRecord(options.dir);
  if (!record) throw new DrillError('ELOCAL', `${file(options.dir, 'cluster.json')} missing after the cluster was up`, { details: `see ${file(options.dir, 'supervisor.log')}` });
  return record;
}

/**
 * Stops the supervisor (which stops the cluster and records what it left) and removes `dir`.
 * Resolves false when nothing was there. Throws ELOCAL naming leftover processes or directories.
 */
export async function downSupervised(dir: string, log: (line: string) => void, graceMs = 90_000): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const pid = readPid(dir);
  const record = readRecord(dir);
  const problems: string[] = [];
  if (pid !== undefined && isAlive(pid)) {
    log(`stopping the cluster supervisor (pid ${pid})${record ? ` of ${record.name}` : ''}`);
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) {
      problems.push(`the supervisor (pid ${pid}) did not stop within ${Math.round(graceMs / 1000)}s: killed`);
      killGroup(pid);
    }
  }
  let stopped: { pids: number[]; dirExists: boolean; error?: string } | undefined;
  try {
    stopped = JSON.parse(readFileSync(file(dir, 'stopped.json'), 'utf8')) as typeof stopped;
  } catch {
    stopped = undefined;
  }
  if (stopped?.error) problems.push(stopped.error);
  if (record && stopped === undefined) {
    // The supervisor died without stopping its cluster (killed): stop what it recorded.
    const alive = record.pids.filter(isAlive);
    for (const alivePid of alive) killGroup(alivePid);
    rmSync(record.dir, { recursive: true, force: true, maxRetries: 3 });
    if (alive.length > 0) log(`the supervisor was gone: killed the cluster's processes ${alive.join(', ')} and removed ${record.dir}`);
  }
  if (record) {
    await sleep(100);
    const left = { pids: record.pids.filter(isAlive), dirExists: existsSync(record.dir) };
    if (left.pids.length > 0) problems.push(`processes still running: ${left.pids.join(', ')}`);
    if (left.dirExists) problems.push(`directory ${record.dir} still exists`);
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  if (problems.length > 0) throw new DrillError('ELOCAL', `local cluster ${record?.name ?? dir} did not stop cleanly: ${problems.join('; ')}`, { details: 'remove what is left by hand (processes, the directory named)' });
  if (record) log(`local cluster ${record.name} removed: no process or directory left`);
  return true;
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The supervisor itself (`node scripts/local-cluster.ts serve`): options from the environment it was started with. */
export async function serveSupervised(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new DrillError('ELOCAL', `${name} is not set (the supervisor is started by upSupervised)`, { details: 'start the supervisor through upSupervised' });
    return value;
  };
  const dir = need('DR_DRILL_CLUSTER_DIR');
  const log = (line: string): void => {
    process.stdout.write(`[${new Date().toISOString()}] ${line}\n`);
  };
  // A stop asked for while the cluster is still starting waits for the start, then stops it.
  let stopRequested = false;
  let stop: () => Promise<void> = async () => {
    stopRequested = true;
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop());
  const cluster = await startLocalCluster({
    registerExitHandlers: false,
    log,
    env,
    ...(env['DR_DRILL_AGE_KEY_FILE'] ? { sopsAgeKeyFile: env['DR_DRILL_AGE_KEY_FILE'] } : {}),
    gitSource: {
      url: need('DR_DRILL_GIT_URL'),
      repo: { bareDir: '', workDir: need('DR_DRILL_GIT_WORK_DIR'), name: '', branch: need('DR_DRILL_GIT_BRANCH'), headSha: need('DR_DRILL_GIT_HEAD') },
    },
  });
  let stopping = false;
  stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    let error: string | undefined;
    try {
      await cluster.stop();
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const left = leftovers(cluster);
    writeFileSync(file(dir, 'stopped.json'), JSON.stringify({ ...left, ...(error ? { error } : {}) }));
    log(`stopped ${cluster.name}: ${left.pids.length} processes left, directory ${left.dirExists ? 'left' : 'removed'}`);
    process.exit(error || left.pids.length > 0 || left.dirExists ? 1 : 0);
  };
  const kubeconfig = file(dir, 'kubeconfig');
  copyFileSync(cluster.kubeconfigPath, kubeconfig);
  chmodSync(kubeconfig, 0o600);
  const record: ClusterRecord = { name: cluster.name, dir: cluster.dir, pids: cluster.pids(), kubeconfig };
  writeFileSync(file(dir, 'cluster.json.partial'), JSON.stringify(record));
  renameSync(file(dir, 'cluster.json.partial'), file(dir, 'cluster.json'));
  if (stopRequested) return stop();
  writeFileSync(file(dir, 'ready'), `${cluster.name}\n`);
  log(`cluster ${cluster.name} is up (${((cluster.timings['total'] ?? 0) / 1000).toFixed(1)}s)`);
  // Keep running until a signal stops the cluster.
  setInterval(() => undefined, 1 << 30);
}

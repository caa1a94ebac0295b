/**
 * A node-less Kubernetes control plane from kwokctl's binary runtime (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller as
 * local processes), plus one fake kwok node so Deployments become Available.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfraBinaries } from './infra-versions.ts';
import { runChecked, runCommand } from './processes.ts';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './fake-node-spec.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';

export interface KwokClusterOptions {
  /** Unique per run; kwokctl cluster names must be lowercase DNS labels. */
  name: string;
  /** Drill-owned directory; kwok's workdir, cache and the kubeconfig go below it. */
  dir: string;
  binaries: InfraBinaries;
  kubeVersion: string;
}

export interface KwokCluster {
  name: string;
  kubeconfigPath: string;
  /** kwok's working directory (KWOK_WORKDIR). */
  workDir: string;
  /** PIDs of the control-plane processes kwokctl forked, read right after creation. */
  pids: number[];
  /** `kwokctl delete cluster`, then SIGKILL for any process that survived. Idempotent. */
  delete: () => Promise<void>;
  /** Synchronous best effort for process-exit handlers. */
  killNow: () => void;
}

/** Binary name in test-infra/versions.json -> kwokctl configuration option. */
const BINARY_OPTIONS: Record<string, string> = {
  etcd: 'etcdBinary',
  'kube-apiserver': 'kubeApiserverBinary',
  'kube-controller-manager': 'kubeControllerManagerBinary',
  'kube-scheduler': 'kubeSchedulerBinary',
  kwok: 'kwokControllerBinary',
};

export function kwokctlConfig(options: KwokClusterOptions, cacheDir: string): string {
  const lines = [
    'apiVersion: config.kwok.x-k8s.io/v1alpha1',
    'kind: KwokctlConfiguration',
    'options:',
    '  runtime: binary',
    '  bindAddress: 127.0.0.1',
    `  kubeVersion: ${options.kubeVersion}`,
    '  quietPull: true',
    `  cacheDir: ${JSON.stringify(cacheDir)}`,
  ];
  for (const [bin, option] of Object.entries(BINARY_OPTIONS)) {
    const binaryPath = options.binaries[bin];
    if (binaryPath === undefined) throw new DrillError('ETESTINFRA', `binary ${bin} missing`, { details: 'run node scripts/build-test-infra.ts' });
    lines.push(`  ${option}: ${JSON.stringify(binaryPath)}`);
  }
  // kwokctl's binary runtime makes kwok-controller manage every node; only fake nodes should have
  // a kwok "kubelet" (as in kwokctl's kind runtime): a node without the annotation stays silent.
  lines.push(
    'componentsPatches:',
    '  - name: kwok-controller',
    '    extraArgs:',
    '      - { key: manage-all-nodes, value: "false", override: true }',
    `      - { key: manage-nodes-with-annotation-selector, value: "${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}" }`,
  );
  return lines.join('\n') + '\n';
}

/**
 * Environment for kwokctl and the control plane it forks: kwok's workdir, the
 * kubeconfig and HOME all point into the drill-owned directory (client-go would
 * otherwise keep an HTTP cache in ~/.kube/cache).
 */
export function kwokEnv(workDir: string, kubeconfigPath: string): NodeJS.ProcessEnv {
  return { ...process.env, KWOK_WORKDIR: workDir, KUBECONFIG: kubeconfigPath, HOME: join(workDir, 'home'), KUBECACHEDIR: join(workDir, 'home', 'kube-cache') };
}

function readPids(clusterDir: string): number[] {
  const dir = join(clusterDir, 'pids');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((fileName) => Number.parseInt(readFileSync(join(dir, fileName), 'utf8').trim(), 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * True while the process (any of its threads) can still hold resources. A
 * zombie thread-group leader counts as gone only once no other thread is left:
 * during exit_group the leader turns Z first while sibling threads still hold
 * the shared descriptor table, i.e. the listening sockets.
 */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const zombie = /^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!zombie) return true;
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false; // /proc entry gone: reaped
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  let alive = pids.filter(isPidAlive);
  while (alive.length > 0 && performance.now() < deadline) {
    await new Promise((result) => setTimeout(result, 50));
    alive = alive.filter(isPidAlive);
  }
  return alive;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export async function createKwokCluster(options: KwokClusterOptions): Promise<KwokCluster> {
  const workDir = join(options.dir, 'kwok');
  const kubeconfigPath = join(options.dir, 'kubeconfig.yaml');
  const configPath = join(options.dir, 'kwokctl.yaml');
  mkdirSync(join(workDir, 'home'), { recursive: true });
  writeFileSync(configPath, kwokctlConfig(options, join(workDir, 'cache')));
  writeFileSync(kubeconfigPath, '');
  const env = kwokEnv(workDir, kubeconfigPath);
  const kwokctl = options.binaries['kwokctl'];
  if (kwokctl === undefined) throw new DrillError('ETESTINFRA', 'kwokctl binary missing', { details: 'run node scripts/build-test-infra.ts' });
  const clusterDir = join(workDir, 'clusters', options.name);

  let pids: number[] = [];
  let deleted = false;
  const killNow = (): void => killAll([...pids, ...readPids(clusterDir)]);
  const del = async (): Promise<void> => {
    if (deleted) return;
    deleted = true;
    const known = [...new Set([...pids, ...readPids(clusterDir)])];
    await runCommand(kwokctl, ['--name', options.name, 'delete', 'cluster', '--kubeconfig', kubeconfigPath], { env, timeoutMs: 60_000 });
    // kwokctl sends SIGTERM; anything still alive after a grace period gets SIGKILL.
    await waitGone(known, 5000);
    killAll(known.filter(isPidAlive));
    const survivors = await waitGone(known, 5000);
    if (survivors.length > 0) throw new DrillError('ELOCAL', `processes of cluster ${options.name} survived SIGKILL: ${survivors.join(', ')}`, { details: 'kill the listed processes by pid' });
  };

  try {
    await runChecked(
      kwokctl,
      ['--name', options.name, 'create', 'cluster', '--config', configPath, '--kubeconfig', kubeconfigPath, '--timeout', '3m', '--wait', '2m'],
      { env, timeoutMs: 240_000 },
    );
    pids = readPids(clusterDir);
  } catch (error) {
    await del().catch(() => undefined);
    const logs = join(clusterDir, 'logs');
    const componentLogs = `component logs: ${logs}`;
    throw error instanceof DrillError ? new DrillError(error.code, error.message, { details: `${error.details ?? ''}\n${componentLogs}`.trim(), cause: error }) : new DrillError('ELOCAL', errorMessage(error), { details: componentLogs, cause: error });
  }
  return { name: options.name, kubeconfigPath, workDir, pids, delete: del, killNow };
}

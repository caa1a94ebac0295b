// Test helper: one local cluster (kwok control plane, real Flux, Velero CRDs,
// sample GitOps repo) per test file, torn down in after(); or an existing one
// reused through DR_DRILL_TEST_KUBECONFIG (then nothing is started or stopped).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  FLUX_NAMESPACE,
  GIT_REPOSITORY_NAME,
  SOURCE_GROUP,
  loadKubeConfig,
  startLocalCluster,
  type LocalCluster,
} from '../../src/cluster/local/index.ts';
import { runChecked } from '../../src/cluster/local/processes.ts';

export const REUSE_ENV = 'DR_DRILL_TEST_KUBECONFIG';

export interface TestCluster {
  kubeconfigPath: string;
  kubeConfig: () => KubeConfig;
  /** Set when this helper started the cluster; undefined when reused. */
  owned: LocalCluster | undefined;
  startMs: number;
  stop: () => Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const reuse = process.env[REUSE_ENV];
  if (reuse !== undefined && reuse !== '') {
    return { kubeconfigPath: reuse, kubeConfig: () => loadKubeConfig(reuse), owned: undefined, startMs: 0, stop: async () => undefined };
  }
  const t0 = performance.now();
  const cluster = await startLocalCluster({ log: (l) => process.stderr.write(`# local-cluster ${l}\n`) });
  return {
    kubeconfigPath: cluster.kubeconfigPath,
    kubeConfig: cluster.kubeConfig,
    owned: cluster,
    startMs: Math.round(performance.now() - t0),
    stop: cluster.stop,
  };
}

/** HEAD commit of the branch the cluster's GitRepository follows, asked from the Git server itself. */
export async function gitRepositoryHead(kc: KubeConfig): Promise<{ url: string; branch: string; sha: string }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const repo = (await api.getNamespacedCustomObject({
    group: SOURCE_GROUP,
    version: 'v1',
    namespace: FLUX_NAMESPACE,
    plural: 'gitrepositories',
    name: GIT_REPOSITORY_NAME,
  })) as { spec: { url: string; ref?: { branch?: string } } };
  const branch = repo.spec.ref?.branch ?? 'main';
  const out = await runChecked('git', ['ls-remote', repo.spec.url, `refs/heads/${branch}`], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' },
  });
  const sha = out.split(/\s+/)[0] ?? '';
  return { url: repo.spec.url, branch, sha };
}

export interface Listener {
  port: number;
  /** True when bound to 127.0.0.1 or ::1 (not a wildcard or external address). */
  loopback: boolean;
  address: string;
  inode?: string;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/**
 * Processes that listen on `port` now, with their command lines. Lets a test tell
 * a leftover of its own cluster from another cluster that reused a freed port.
 */
export function portListeners(port: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const pid of allPids()) {
    const mine = listeningSockets([pid]).some((l) => l.port === port);
    if (!mine) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      // exited meanwhile
    }
    out.push({ pid, cmdline });
  }
  return out;
}

const LOOPBACK_HEX = new Set(['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1] !== undefined) inodes.add(m[1]);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return inodes;
}

/** TCP sockets in LISTEN state owned by any of the given processes (from /proc). */
export function listeningSockets(pids: number[]): Listener[] {
  const inodes = socketInodes(pids);
  const out: Listener[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      const [, local, , state] = cols;
      const inode = cols[9];
      if (state === '0A' && inode !== undefined && inodes.has(inode) && local !== undefined) {
        const [addr = '', port = '0'] = local.split(':');
        out.push({ port: Number.parseInt(port, 16), loopback: LOOPBACK_HEX.has(addr), address: addr, inode });
      }
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

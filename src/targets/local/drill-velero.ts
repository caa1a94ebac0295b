/**
 * The drill cluster's own Velero server on the local target, started once the drill cluster exists
 * (after T0): the same bucket production wrote, through a ReadOnly BackupStorageLocation, so the
 * drill can read production's backups and never write them. It follows the drill cluster's
 * kubeconfig (a new cluster gets a new server, a removed one stops it), and the drill's calls to
 * Velero's API (velero.io) wait until the server is up and has synced the bucket's backups in, as
 * they would wait for Velero's Deployment on a real cluster.
 */
import { join } from 'node:path';
import type { Cluster } from '../../contract/cluster.ts';
import { loadKubeConfig } from '../../cluster/local/kube.ts';
import { waitForSyncedBackups } from '../../cluster/local/velero-backups.ts';
import { startVeleroServer, type VeleroServer } from '../../cluster/local/velero-server.ts';

export interface DrillVeleroOptions {
  dir: string;
  /** Production's bucket; without it (the drill does not restore with Velero) no server is started. */
  s3?: { url: string; bucket: string };
  /** Backups production made: the server has synced them in before the drill sees Velero's API. */
  backups?: string[];
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface DrillVelero {
  /** Start a server for this drill cluster (stopping the one of an earlier cluster); undefined: stop it. */
  follow: (kubeconfigPath: string | undefined) => void;
  /** The cluster, with its velero.io calls held until the server is ready (they fail with its start error). */
  gate: (cluster: Cluster) => Cluster;
  stop: () => Promise<void>;
  pids: () => number[];
}

export function drillVelero(options: DrillVeleroOptions): DrillVelero {
  let following: string | undefined;
  let starting: Promise<VeleroServer> | undefined;
  let generation = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let started: VeleroServer | undefined;
  // Aborts the start in progress: a drill that ends (or is cancelled) while the server still waits for its first sync stops at once.
  let abortStart = new AbortController();

  const stopCurrent = (): Promise<void> => {
    const previous = starting;
    starting = undefined;
    abortStart.abort(new Error('the drill cluster is gone: the velero server was stopped'));
    const stopped = chain.then(async () => {
      const server = await previous?.catch(() => undefined);
      await server?.stop();
      if (server === started) started = undefined;
    });
    chain = stopped.catch(() => undefined);
    return stopped;
  };

  const start = (kubeconfigPath: string, s3: { url: string; bucket: string }, backups: string[]): void => {
    generation += 1;
    const dir = join(options.dir, `velero-drill-${generation}`);
    const abort = new AbortController();
    abortStart = abort;
    const next = chain.then(async () => {
      abort.signal.throwIfAborted();
      options.log(`velero (drill): starting for ${kubeconfigPath}`);
      const server = await startVeleroServer({ kubeconfigPath, dir, s3, accessMode: 'ReadOnly', env: options.env, log: options.log, signal: abort.signal });
      started = server;
      try {
        await waitForSyncedBackups(loadKubeConfig(kubeconfigPath), server, backups, { signal: abort.signal });
      } catch (error) {
        await server.stop();
        throw error;
      }
      options.log(`velero (drill): synced production's backups ${backups.join(', ')} through the ReadOnly location`);
      return server;
    });
    next.catch(() => undefined); // awaited by the calls it gates; a start nobody waits for must not crash the run
    starting = next;
    chain = next.catch(() => undefined);
  };

  const ready = async (): Promise<void> => {
    if (starting) await starting;
  };

  return {
    follow(kubeconfigPath) {
      if (kubeconfigPath === following) return;
      following = kubeconfigPath;
      void stopCurrent();
      if (kubeconfigPath !== undefined && options.s3 !== undefined) start(kubeconfigPath, options.s3, options.backups ?? []);
    },
    gate: (cluster) => {
      const held = async <T>(apiVersion: string, call: () => Promise<T>): Promise<T> => {
        if (apiVersion.startsWith('velero.io/')) await ready();
        return call();
      };
      return {
        description: cluster.description,
        get: (ref) => held(ref.apiVersion, () => cluster.get(ref)),
        list: (apiVersion, kind, listOptions) => held(apiVersion, () => cluster.list(apiVersion, kind, listOptions)),
        create: (object) => held(object.apiVersion, () => cluster.create(object)),
        patch: (ref, patch) => held(ref.apiVersion, () => cluster.patch(ref, patch)),
        delete: (ref) => held(ref.apiVersion, () => cluster.delete(ref)),
        watch: (apiVersion, kind, watchOptions, onEvent, signal) => held(apiVersion, () => cluster.watch(apiVersion, kind, watchOptions, onEvent, signal)),
      };
    },
    async stop() {
      following = undefined;
      await stopCurrent();
    },
    pids: () => (started !== undefined && !started.process.exited() ? [started.process.pid] : []),
  };
}

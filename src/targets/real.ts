/**
 * Real targets: `proxmox-talos` (a disposable cluster the drill provisions with the user's own
 * Terraform or Taskfile) and `kubeconfig` (an existing cluster; restores go to scratch
 * namespaces). Real programs, the real API server, the system clock.
 */
import { DrillError } from '../util/errors.ts';
import { systemClock } from '../engine/clock.ts';
import type { Cluster } from '../contract/cluster.ts';
import type { TargetKind } from '../drill/schema.ts';
import { kubeCluster, loadKubeConfig } from '../kube/client.ts';
import { realHttp } from './real-http.ts';
import { realShell } from './real-shell.ts';
import { applyClusterAccess, type TargetSession } from '../contract/target.ts';

export function createRealTarget(kind: Exclude<TargetKind, 'sim'>, options: { kubeconfig?: string; context?: string } = {}): TargetSession {
  const shell = realShell();
  const http = realHttp();
  let cached: { path: string; cluster: Cluster } | undefined;
  const session: TargetSession = {
    kind,
    clock: systemClock(),
    facts: {},
    kubeconfigPath: options.kubeconfig,
    talosconfigPath: undefined,
    useClusterAccess(access) {
      applyClusterAccess(this, access);
    },
    shellFor: () => shell,
    httpFor: () => http,
    commandEnv: () => ({
      ...(session.kubeconfigPath ? { KUBECONFIG: session.kubeconfigPath } : {}),
      ...(session.talosconfigPath ? { TALOSCONFIG: session.talosconfigPath } : {}),
    }),
    async clusterFor() {
      const path = session.kubeconfigPath;
      if (!path) {
        throw new DrillError('ECLUSTER', 'no kubeconfig for the drill cluster yet', {
          details: kind === 'kubeconfig' ? 'set targets.kubeconfig.kubeconfig in the drill or export KUBECONFIG' : 'a provisioning step (terraform.apply, or command with kubeconfig:) must run before steps that use the cluster',
        });
      }
      if (cached?.path !== path) cached = { path, cluster: kubeCluster(loadKubeConfig(path, options.context)) };
      return cached.cluster;
    },
    declareDisaster: () => undefined,
    async close() {
      cached = undefined;
    },
  };
  return session;
}

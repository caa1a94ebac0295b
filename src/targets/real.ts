/**
 * Real targets: `proxmox-talos` (a disposable cluster the drill provisions with the user's own
 * Terraform or Taskfile) and `kubeconfig` (an existing cluster; restores go to scratch
 * namespaces). Real programs, the real API server, the system clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DrillError } from '../util/errors.ts';
import { systemClock } from '../engine/clock.ts';
import type { Cluster } from '../contract/cluster.ts';
import type { TargetKind } from '../drill/schema.ts';
import { kubeCluster, loadKubeConfig } from '../kube/client.ts';
import { realHttp } from './real-http.ts';
import { realShell } from './real-shell.ts';
import { applyClusterAccess, type TargetSession } from '../contract/target.ts';

export function createRealTarget(kind: Exclude<TargetKind, 'sim'>, options: { kubeconfig?: string; context?: string } = {}): TargetSession {
  const contextOverlay = options.kubeconfig && options.context ? writeContextOverlay(options.context) : undefined;
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
      // kubectl, flux and velero read the file's current-context; the overlay makes it the drill's context, as the API client uses.
      ...(session.kubeconfigPath ? { KUBECONFIG: contextOverlay && session.kubeconfigPath === options.kubeconfig ? `${contextOverlay.file}${path.delimiter}${session.kubeconfigPath}` : session.kubeconfigPath } : {}),
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
      if (contextOverlay) rmSync(contextOverlay.dir, { recursive: true, force: true });
    },
  };
  return session;
}

/**
 * A kubeconfig that sets only current-context. First in KUBECONFIG, it wins that field (client-go's
 * merge rule: the first file to set it) while clusters, users and relative paths come from the
 * user's own file, untouched.
 */
export function writeContextOverlay(context: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-kubecontext-'));
  const file = path.join(dir, 'current-context.yaml');
  writeFileSync(file, `apiVersion: v1\nkind: Config\ncurrent-context: ${JSON.stringify(context)}\n`, { mode: 0o600 });
  return { dir, file };
}

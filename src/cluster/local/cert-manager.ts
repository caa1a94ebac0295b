/**
 * cert-manager's controllers as a local process against the local cluster (out of cluster like
 * the Flux controllers: kwok runs no pods): only the issuer and certificate controllers the sample
 * tree's selfSigned/CA chain needs, no leader election, no webhook, /readyz on a 127.0.0.1 port.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { fatalError, waitFor } from './wait.ts';

/** Where the Secrets of ClusterIssuers live (cert-manager's --cluster-resource-namespace). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/**
 * The controllers cert-manager's own deployment runs for Issuers, ClusterIssuers, Certificates and
 * the CertificateRequests of selfSigned and CA issuers; without ACME, Vault, Venafi, the
 * ingress/gateway shims and CertificateSigningRequests.
 */
export const CERT_MANAGER_CONTROLLERS = [
  'issuers',
  'clusterissuers',
  'certificates-trigger',
  'certificates-key-manager',
  'certificates-request-manager',
  'certificates-issuing',
  'certificates-readiness',
  'certificates-revision-manager',
  'certificaterequests-approver',
  'certificaterequests-issuer-selfsigned',
  'certificaterequests-issuer-ca',
] as const;

export interface CertManagerArgsOptions {
  kubeconfigPath: string;
  /** host:port of /readyz and /livez. */
  healthAddress: string;
  clusterResourceNamespace?: string;
}

export function certManagerArgs(options: CertManagerArgsOptions): string[] {
  return [
    `--kubeconfig=${options.kubeconfigPath}`,
    `--cluster-resource-namespace=${options.clusterResourceNamespace ?? CERT_MANAGER_NAMESPACE}`,
    `--controllers=${CERT_MANAGER_CONTROLLERS.join(',')}`,
    `--health-addr=${options.healthAddress}`,
  ];
}

export interface CertManagerOptions {
  kubeconfigPath: string;
  /** The cert-manager-controller binary (test-infra/versions.json tools.cert-manager). */
  binary: string;
  /** Drill-owned directory for the log. */
  dir: string;
  timeoutMs?: number;
}

export interface CertManager {
  process: ManagedProcess;
  healthPort: number;
  stop: () => Promise<void>;
  killNow: () => void;
}

/** Starts the controller and waits until its informer caches have synced (/readyz 200). */
export async function startCertManager(options: CertManagerOptions): Promise<CertManager> {
  mkdirSync(options.dir, { recursive: true });
  const healthPort = await freePort();
  const managed = startProcess({
    name: 'cert-manager-controller',
    command: options.binary,
    args: certManagerArgs({ kubeconfigPath: options.kubeconfigPath, healthAddress: `${LOOPBACK}:${healthPort}` }),
    logFile: join(options.dir, 'cert-manager-controller.log'),
    // Out of cluster: no in-cluster config, no namespace from a service account.
    env: { ...process.env, KUBECONFIG: options.kubeconfigPath },
  });
  try {
    await waitFor(
      async () => {
        if (managed.exited()) throw fatalError(`cert-manager-controller exited:\n${managed.logTail(20)}`, `see ${managed.logFile}`);
        const response = await fetch(`http://${LOOPBACK}:${healthPort}/readyz`).catch(() => undefined);
        return response?.ok === true ? true : undefined;
      },
      { what: `cert-manager-controller ready (log: ${managed.logFile})`, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 250 },
    );
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { process: managed, healthPort, stop: () => managed.stop(), killNow: () => managed.killNow() };
}

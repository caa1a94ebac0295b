/**
 * Flux source-controller and kustomize-controller as local processes against
 * the local cluster; every listener on a free 127.0.0.1 port.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InfraBinaries } from './infra-versions.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { fatalError, waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export const FLUX_NAMESPACE = 'flux-system';

export interface FluxControllersOptions {
  kubeconfigPath: string;
  binaries: InfraBinaries;
  /** Drill-owned directory for storage and logs. */
  dir: string;
  /** How often kustomize-controller re-checks a not-ready dependsOn (Flux default 30s). */
  requeueDependency?: string;
}

export interface FluxControllers {
  processes: ManagedProcess[];
  /** Address (host:port) where source-controller serves artifacts. */
  storageAddress: string;
  ports: number[];
  logDir: string;
  stop: () => Promise<void>;
  killNow: () => void;
}

/**
 * SIGKILLs the running process named `name` (its whole process group) and waits until it exited:
 * what the OOM killer does to a controller. stop() later finds it gone and leaves nothing behind.
 */
export async function killProcessNamed(processes: readonly ManagedProcess[], name: string, timeoutMs = 10_000): Promise<ManagedProcess> {
  const target = processes.find((candidate) => candidate.name === name);
  if (!target) throw new DrillError('ELOCAL', `no process ${name} to kill`, { details: `the cluster runs: ${processes.map((candidate) => candidate.name).join(', ') || 'none'}` });
  if (target.exited()) throw new DrillError('ELOCAL', `${name} (pid ${target.pid}) had already exited`, { details: `see ${target.logFile}` });
  target.killNow();
  await waitFor(async () => (target.exited() ? true : undefined), { what: `${name} (pid ${target.pid}) gone after SIGKILL`, timeoutMs, intervalMs: 50 });
  return target;
}

async function waitHealthy(managedProcess: ManagedProcess, healthPort: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (managedProcess.exited()) throw fatalError(`${managedProcess.name} exited:\n${managedProcess.logTail(20)}`, `see ${managedProcess.logFile}`);
      const result = await fetch(`http://${LOOPBACK}:${healthPort}/readyz`).catch(() => undefined);
      return result?.ok === true ? true : undefined;
    },
    { what: `${managedProcess.name} ready (log: ${managedProcess.logFile})`, timeoutMs, intervalMs: 250 },
  );
}

export async function startFluxControllers(options: FluxControllersOptions): Promise<FluxControllers> {
  const logDir = join(options.dir, 'logs');
  const storagePath = join(options.dir, 'storage');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(storagePath, { recursive: true });
  const [storagePort, scMetrics, scHealth, kcMetrics, kcHealth] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const storageAddress = `${LOOPBACK}:${storagePort}`;
  // Flux's pflag command line does not expose controller-runtime's --kubeconfig flag
  // (`source-controller --help` has none), so the cluster is chosen through KUBECONFIG.
  const env = { ...process.env, KUBECONFIG: options.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
  const common = ['--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json'];
  const bin = (name: string): string => {
    const binaryPath = options.binaries[name];
    if (binaryPath === undefined) throw new DrillError('ETESTINFRA', `binary ${name} missing`, { details: 'run node scripts/build-test-infra.ts' });
    return binaryPath;
  };

  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((binaryPath) => binaryPath.stop()));
  };
  const killNow = (): void => processes.forEach((binaryPath) => binaryPath.killNow());
  try {
    const sc = startProcess({
      name: 'source-controller',
      command: bin('source-controller'),
      args: [
        ...common,
        `--storage-path=${storagePath}`,
        `--storage-addr=${storageAddress}`,
        `--storage-adv-addr=${storageAddress}`,
        `--metrics-addr=${LOOPBACK}:${scMetrics}`,
        `--health-addr=${LOOPBACK}:${scHealth}`,
      ],
      logFile: join(logDir, 'source-controller.log'),
      env,
    });
    processes.push(sc);
    const kubeConfig = startProcess({
      name: 'kustomize-controller',
      command: bin('kustomize-controller'),
      args: [
        ...common,
        `--metrics-addr=${LOOPBACK}:${kcMetrics}`,
        `--health-addr=${LOOPBACK}:${kcHealth}`,
        `--requeue-dependency=${options.requeueDependency ?? '5s'}`,
      ],
      logFile: join(logDir, 'kustomize-controller.log'),
      env,
    });
    processes.push(kubeConfig);
    await Promise.all([waitHealthy(sc, scHealth, 60_000), waitHealthy(kubeConfig, kcHealth, 60_000)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { processes, storageAddress, ports: [storagePort, scMetrics, scHealth, kcMetrics, kcHealth], logDir, stop, killNow };
}

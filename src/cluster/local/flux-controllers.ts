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

async function waitHealthy(proc: ManagedProcess, healthPort: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (proc.exited()) throw fatalError(`${proc.name} exited`, proc.logTail(20));
      const r = await fetch(`http://${LOOPBACK}:${healthPort}/readyz`).catch(() => undefined);
      return r?.ok === true ? true : undefined;
    },
    { what: `${proc.name} ready (log: ${proc.logFile})`, timeoutMs, intervalMs: 250 },
  );
}

export async function startFluxControllers(opts: FluxControllersOptions): Promise<FluxControllers> {
  const logDir = join(opts.dir, 'logs');
  const storagePath = join(opts.dir, 'storage');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(storagePath, { recursive: true });
  const [storagePort, scMetrics, scHealth, kcMetrics, kcHealth] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const storageAddress = `${LOOPBACK}:${storagePort}`;
  // Flux's pflag command line does not expose controller-runtime's --kubeconfig flag
  // (`source-controller --help` has none), so the cluster is chosen through KUBECONFIG.
  const env = { ...process.env, KUBECONFIG: opts.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
  const common = ['--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json'];
  const bin = (name: string): string => {
    const p = opts.binaries[name];
    if (p === undefined) throw new DrillError('ETESTINFRA', `binary ${name} missing`, { details: 'run node scripts/build-test-infra.ts' });
    return p;
  };

  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const killNow = (): void => processes.forEach((p) => p.killNow());
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
    const kc = startProcess({
      name: 'kustomize-controller',
      command: bin('kustomize-controller'),
      args: [
        ...common,
        `--metrics-addr=${LOOPBACK}:${kcMetrics}`,
        `--health-addr=${LOOPBACK}:${kcHealth}`,
        `--requeue-dependency=${opts.requeueDependency ?? '5s'}`,
      ],
      logFile: join(logDir, 'kustomize-controller.log'),
      env,
    });
    processes.push(kc);
    await Promise.all([waitHealthy(sc, scHealth, 60_000), waitHealthy(kc, kcHealth, 60_000)]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { processes, storageAddress, ports: [storagePort, scMetrics, scHealth, kcMetrics, kcHealth], logDir, stop, killNow };
}

/**
 * The local drill cluster: a kwokctl binary-runtime control plane with one or more fake
 * nodes, Flux, Velero and cert-manager CRDs, real Flux and cert-manager controllers, and a Git smart-HTTP server
 * with the sample GitOps repository. Everything lives in one mkdtemp directory,
 * listens on 127.0.0.1 only, and stop() removes all of it (idempotent).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { startCertManager, type CertManager } from './cert-manager.ts';
import { registerExitCleanup } from './exit-cleanup.ts';
import { createFakeNodes } from './fake-node.ts';
import { bootstrapFlux } from './flux-bootstrap.ts';
import { killProcessNamed, startFluxControllers, type FluxControllers } from './flux-controllers.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { installCrds } from './crds.ts';
import { loadInfraVersions, requireInfraBinaries, requireTool, type InfraVersions } from './infra-versions.ts';
import { loadKubeConfig } from './kube.ts';
import { createKwokCluster, isPidAlive, type KwokCluster } from './kwok-cluster.ts';
import { startLoadBalancerStatusLoop, type LbStatusLoop } from './lb-status.ts';
import { buildSampleRepo, type SampleRepo } from './sample-repo.ts';
import { createSopsAgeSecret, SOPS_AGE_SECRET } from './sops.ts';
import { createWorkspace, type Workspace } from './workspace.ts';
import { DrillError } from '../../util/errors.ts';

export interface LocalClusterOptions {
  /** kwokctl cluster name; default `dr-drill-<random>` (unique per run). */
  name?: string;
  /** Start Flux controllers, the Git server and the sample repo (default true). */
  flux?: boolean;
  /** Create the GitRepository and layer Kustomizations (default true; needs flux). */
  bootstrap?: boolean;
  /** Run cert-manager's controllers (default: as flux; the sample tree's configs layer holds its issuers). */
  certManager?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Register stop() for process exit and SIGINT/SIGTERM/SIGHUP (default true). */
  registerExitHandlers?: boolean;
  /** Environment used to locate the binaries (DR_DRILL_CACHE); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Bootstrap Flux from this repository instead of starting a Git server with the sample tree
   * (the local drill target serves "production's" Git before the disaster and keeps it after).
   */
  gitSource?: { url: string; repo: SampleRepo };
  /** The drill's age key: created as the sops-age Secret in flux-system before Flux is bootstrapped. */
  sopsAgeKeyFile?: string;
  /**
   * The Secret the decrypting Kustomizations read their keys from, when not sops-age: created in
   * flux-system from sopsAgeKeyFile as well (sops-age is still created as before).
   */
  decryptionSecret?: string;
  /** Bootstrap Flux from this branch of the repository (a drill's own, e.g. drill/<run id>); default the repository's branch. */
  gitBranch?: string;
  /** How many fake nodes join before Flux applies anything (kwok-node-0 … kwok-node-<n-1>); default 1. */
  nodes?: number;
  /** Every Flux Kustomization gets spec.prune set to this, whatever clusters/drill/ says (prune-disabled: false). */
  prune?: boolean;
}

export interface LocalGitOps {
  /** Clone URL of the sample repository, e.g. http://127.0.0.1:41234/gitops-sample.git */
  url: string;
  repo: SampleRepo;
  /** Layer Kustomization names in dependency order (empty when not bootstrapped). */
  layers: string[];
}

export interface LocalCluster {
  name: string;
  kubeconfigPath: string;
  /** The drill-owned temporary directory holding everything. */
  dir: string;
  kubeConfig: () => KubeConfig;
  gitops: LocalGitOps | undefined;
  /** PIDs of every process the cluster started (control plane, Flux, cert-manager). */
  pids: () => number[];
  /** 127.0.0.1 ports our own listeners use (Git server, Flux, cert-manager); kwokctl picks its own. */
  ports: () => number[];
  /** Milliseconds per start-up phase (monotonic clock). */
  timings: Record<string, number>;
  /** SIGKILL one controller (source-controller, kustomize-controller, cert-manager) as the OOM killer would; it stays down. */
  killController: (name: string) => Promise<{ pid: number }>;
  stop: () => Promise<void>;
}

export function uniqueClusterName(): string {
  return `dr-drill-${randomBytes(4).toString('hex')}`;
}

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const versions: InfraVersions = loadInfraVersions();
  const binaries = requireInfraBinaries(versions, env); // fails fast with the build command
  const certManagerBinary = (options.certManager ?? options.flux !== false) ? requireTool('cert-manager', 'cert-manager-controller', versions, env) : undefined;
  const kubeVersion = versions.components['kubernetes']?.version ?? '';
  const name = options.name ?? uniqueClusterName();
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const mark = (phase: string, since: number): void => {
    timings[phase] = Math.round(performance.now() - since);
    log(`${phase}: ${(timings[phase] / 1000).toFixed(1)}s`);
  };

  const workspace: Workspace = createWorkspace();
  let kwok: KwokCluster | undefined;
  let lb: LbStatusLoop | undefined;
  let git: GitServer | undefined;
  let flux: FluxControllers | undefined;
  let certManager: CertManager | undefined;
  let stopping: Promise<void> | undefined;
  let unregister = (): void => undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      unregister();
      const errors: string[] = [];
      const attempt = async (what: string, step: (() => Promise<void>) | undefined): Promise<void> => {
        if (step === undefined) return;
        try {
          await step();
        } catch (error) {
          errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      await attempt('cert-manager controller', certManager?.stop);
      await attempt('flux controllers', flux?.stop);
      await attempt('load-balancer status loop', lb?.stop);
      await attempt('git server', git?.stop);
      await attempt('kwokctl delete cluster', kwok?.delete);
      await attempt('remove temp dir', async () => workspace.remove());
      if (errors.length > 0) throw new DrillError('ELOCAL', `local cluster ${name} did not stop cleanly: ${errors.join('; ')}`, { details: 'remove what is left by hand (processes, the temp directory named)' });
      log(`stopped ${name}, removed ${workspace.root}`);
    })());

  if (options.registerExitHandlers !== false) {
    unregister = registerExitCleanup(stop, () => {
      certManager?.killNow();
      flux?.killNow();
      kwok?.killNow();
      workspace.remove();
    });
  }

  try {
    log(`creating kwok cluster ${name} in ${workspace.root}`);
    let phaseStart = performance.now();
    kwok = await createKwokCluster({ name, dir: workspace.root, binaries, kubeVersion });
    mark('controlPlane', phaseStart);
    const kubeConfig = loadKubeConfig(kwok.kubeconfigPath);

    phaseStart = performance.now();
    await createFakeNodes(kubeConfig, options.nodes ?? 1);
    lb = startLoadBalancerStatusLoop(kubeConfig);
    mark('node', phaseStart);

    phaseStart = performance.now();
    const crdPins = Object.values(versions.crds);
    const crds = await installCrds(kubeConfig, crdPins);
    mark('crds', phaseStart);
    log(`installed ${crds.length} CRDs`);

    if (certManagerBinary !== undefined) {
      phaseStart = performance.now();
      certManager = await startCertManager({ kubeconfigPath: kwok.kubeconfigPath, binary: certManagerBinary, dir: workspace.path('cert-manager') });
      mark('certManager', phaseStart);
    }

    let gitops: LocalGitOps | undefined;
    if (options.flux !== false) {
      phaseStart = performance.now();
      let repo: SampleRepo;
      let url: string;
      if (options.gitSource) {
        ({ repo, url } = options.gitSource);
      } else {
        repo = await buildSampleRepo(workspace.path('git'), workspace.path('git-work'));
        git = await startGitServer({ projectRoot: workspace.path('git') });
        url = `${git.baseUrl}/${repo.name}`;
        mark('gitServer', phaseStart);
      }
      if (options.sopsAgeKeyFile) {
        await createSopsAgeSecret(kubeConfig, options.sopsAgeKeyFile);
        log(`created Secret flux-system/${SOPS_AGE_SECRET} from the drill's age key`);
        if (options.decryptionSecret && options.decryptionSecret !== SOPS_AGE_SECRET) {
          await createSopsAgeSecret(kubeConfig, options.sopsAgeKeyFile, options.decryptionSecret);
          log(`created Secret flux-system/${options.decryptionSecret} from the same key: the decrypting Kustomizations read this one`);
        }
      }
      phaseStart = performance.now();
      flux = await startFluxControllers({ kubeconfigPath: kwok.kubeconfigPath, binaries, dir: workspace.path('flux') });
      mark('fluxControllers', phaseStart);
      let layers: string[] = [];
      if (options.bootstrap !== false) {
        layers = await bootstrapFlux(kubeConfig, { gitUrl: url, branch: options.gitBranch ?? repo.branch, clusterDir: join(repo.workDir, 'clusters', 'drill'), ...(options.decryptionSecret ? { decryptionSecret: options.decryptionSecret } : {}), ...(options.prune !== undefined ? { prune: options.prune } : {}) });
        if (options.prune !== undefined) log(`Kustomizations ${layers.join(', ')} created with prune: ${options.prune}`);
      }
      gitops = { url, repo, layers };
    }
    mark('total', t0);

    const kwokCluster = kwok;
    return {
      name,
      kubeconfigPath: kwokCluster.kubeconfigPath,
      dir: workspace.root,
      kubeConfig: () => loadKubeConfig(kwokCluster.kubeconfigPath),
      gitops,
      pids: () => [...kwokCluster.pids, ...(flux?.processes.map((p) => p.pid) ?? []), ...(certManager ? [certManager.process.pid] : [])],
      ports: () => [...(git !== undefined ? [git.port] : []), ...(flux?.ports ?? []), ...(certManager ? [certManager.healthPort] : [])],
      timings,
      killController: async (controller) => ({ pid: (await killProcessNamed([...(flux?.processes ?? []), ...(certManager ? [certManager.process] : [])], controller)).pid }),
      stop,
    };
  } catch (error) {
    await stop().catch((te: unknown) => log(String(te)));
    throw error;
  }
}

/** For tests: which of the given PIDs are still alive, and whether the dir still exists. */
export function leftovers(cluster: Pick<LocalCluster, 'pids' | 'dir'>): { pids: number[]; dirExists: boolean } {
  return { pids: cluster.pids().filter(isPidAlive), dirExists: existsSync(cluster.dir) };
}

/**
 * The `local` target: a real, node-less Kubernetes cluster on this machine (kwok control plane
 * with real etcd, kube-apiserver, scheduler and controller-manager, one or more fake nodes, real
 * Flux source- and kustomize-controller, cert-manager's controllers, a Velero server), built from
 * Go modules by `npm run build:test-infra`.
 *
 * What survives the disaster exists before T0 and outlives the cluster, as in runbooks 000/002:
 * "production's" Git repository (the GitOps tree, served over smart HTTP on 127.0.0.1), the S3
 * bucket with the real Velero backup a production cluster made from its daily Schedule, and a
 * restic repository with the sample apps' volume data (./production.ts); after T0 the drill
 * cluster gets its own Velero server reading that bucket ReadOnly (./drill-velero.ts). The cluster itself is created by
 * real OpenTofu (terraform.apply with the configuration in ./terraform/, whose provisioners start
 * and stop it; see ./tofu.ts) or by the `local.up` step, and removed by terraform.destroy or
 * `local.down`; the drill's Flux, Kubernetes, restic and data steps then run unchanged against the
 * real API server, Git server and restic.
 */
import { systemClock } from '../../engine/clock.ts';
import type { Cluster } from '../../contract/cluster.ts';
import type { Plan } from '../../drill/plan.ts';
import { localTargetSchema } from '../../drill/schema.ts';
import { leftovers, startLocalCluster, type LocalCluster } from '../../cluster/local/index.ts';
import { startGitServer, type GitServer } from '../../cluster/local/git-server.ts';
import { LB_IP_PREFIX } from '../../cluster/local/lb-status.ts';
import { buildSampleRepo, SAMPLE_FIXTURE_DIR } from '../../cluster/local/sample-repo.ts';
import { createWorkspace } from '../../cluster/local/workspace.ts';
import { requireInfraBinaries, loadInfraVersions } from '../../cluster/local/infra-versions.ts';
import { PERSISTED_PHASES } from '../../cluster/local/velero-backups.ts';
import { kubeCluster, loadKubeConfig } from '../../kube/client.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';
import { realHttp } from '../real-http.ts';
import { realShell, whichCommand } from '../real-shell.ts';
import type { Shell } from '../../contract/shell.ts';
import { applyClusterAccess, type LocalClusterControl, type TargetSession } from '../../contract/target.ts';
import { localFaults } from './faults.ts';
import { plantBeforeStep } from './plant-before.ts';
import { resolveAgeKeyFile, resolveGitopsDir, sealedSample, sopsBinary } from './gitops-source.ts';
import type { FaultName } from '../../drill/faults.ts';
import { drillVelero, type DrillVelero } from './drill-velero.ts';
import { stageProduction, type StagedProduction } from './production.ts';
import { stopLeftoverClusters, writeLocalTofuFiles } from './tofu.ts';
import { localToolPath, withLocalTools } from './tool-path.ts';

/** The first address the local load-balancer stand-in hands out: the sample's ingress Service gets it. */
export const LOCAL_INGRESS_IP = `${LB_IP_PREFIX}10`;

export async function createLocalTarget(plan: Plan, env: Record<string, string | undefined>, faults: ReadonlyMap<string, FaultName> = new Map()): Promise<TargetSession> {
  const planted = localFaults(faults, (stepId) => plan.steps.find((step) => step.id === stepId)?.kind);
  const options = localTargetSchema.parse(plan.drill.targets.local ?? {});
  const gitopsDir = resolveGitopsDir(plan, options.gitops, env);
  try {
    requireInfraBinaries(loadInfraVersions(), { ...process.env, ...env });
  } catch (error) {
    throw new DrillError('EPREFLIGHT', 'the local target needs the local control plane binaries', { details: `${errorMessage(error)}\nbuild them once with: npm run build:test-infra` });
  }

  const drillAgeKeyFile = resolveAgeKeyFile(plan, env);
  const ws = createWorkspace('dr-drill-local-target-');
  let git: GitServer | undefined;
  let cluster: LocalCluster | undefined;
  let production: StagedProduction | undefined;
  let velero: DrillVelero | undefined;
  let closed = false;
  // Assigned below, before any step can call up or down.
  let session!: TargetSession;
  // up, down and close run one after another: a local.down or close that comes while a
  // (timed-out) local.up is still starting waits for it and then removes what it started.
  let chain: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };
  // The cluster logs to the step that is working on it: local.up while starting, local.down while stopping.
  let stepLog: (line: string) => void = () => undefined;
  const stopCluster = async (log: (line: string) => void): Promise<{ name: string } | undefined> => {
    const started = cluster;
    cluster = undefined;
    session.kubeconfigPath = undefined;
    await velero?.stop();
    if (!started) return undefined;
    stepLog = log;
    await started.stop();
    const left = leftovers(started);
    if (left.pids.length > 0 || left.dirExists) {
      throw new DrillError('ELOCAL', `local cluster ${started.name} left things behind`, {
        details: `${left.pids.length > 0 ? `processes still running: ${left.pids.join(', ')}` : ''}${left.dirExists ? ` directory ${started.dir} still exists` : ''}`.trim(),
      });
    }
    log(`local cluster ${started.name} removed: no process or directory left`);
    return { name: started.name };
  };

  try {
    // The key the tree is sealed for, and the key the cluster gets: one key unless a wrong-age-key fault is planted.
    const { sealWith: ageKeyFile, cluster: clusterAgeKeyFile } = await planted.ageKeys(drillAgeKeyFile, ws.path('age'));
    const tree = ageKeyFile && gitopsDir === SAMPLE_FIXTURE_DIR ? await sealedSample(ws.path('gitops-sealed'), ageKeyFile, env) : gitopsDir;
    const repo = await buildSampleRepo(ws.path('git'), ws.path('git-work'), await planted.gitopsTree(tree, ws.path('gitops-planted'), () => sopsBinary(env)));
    // Drills may push their own branches (drill/<run id>); the branch "production" syncs refuses every push.
    git = await startGitServer({ projectRoot: ws.path('git'), pushableBranchPrefix: 'drill/', protectedBranches: [repo.branch] });
    const gitUrl = `${git.baseUrl}/${repo.name}`;
    const restoresWithVelero = plan.steps.some((step) => step.kind === 'velero.restore' && !step.notApplicable);
    // Production decrypts with the key its tree is sealed for; only the drill cluster may get a wrong one.
    production = await stageProduction({ dir: ws.path('production'), gitSource: { url: gitUrl, repo }, ...(ageKeyFile ? { sopsAgeKeyFile: ageKeyFile } : {}), velero: restoresWithVelero, backup: planted.backup, env: { ...process.env, ...env } }).catch((error: unknown) => {
      throw error instanceof DrillError && error.code === 'ETESTINFRA' ? new DrillError('EPREFLIGHT', 'the local target stages production with Velero and moto, which are not built', { details: `${errorMessage(error)}\nbuild them once with: npm run build:test-infra` }) : error;
    });
    const backup = production.restic;
    const staged = production.velero;
    planted.spoilBackup(backup);
    if (staged) await planted.spoilVeleroBackup(staged.s3, staged.bucket, staged.backup.name);
    const drillVeleroServer = drillVelero({ dir: ws.path('velero'), ...(staged ? { s3: { url: staged.s3.url, bucket: staged.bucket }, backups: PERSISTED_PHASES.has(staged.backup.status.phase ?? '') ? [staged.backup.name] : [] } : {}), env: { ...process.env, ...env }, log: (line) => stepLog(line) });
    velero = drillVeleroServer;
    const tofu = writeLocalTofuFiles(ws.path('tofu'), { url: gitUrl, repo }, clusterAgeKeyFile);

    const control: LocalClusterControl = {
      up: (log, shape = {}) =>
        serially(async () => {
          if (closed) throw new DrillError('ELOCAL', 'the local target is closed: no cluster is started any more');
          // A retry after a failed attempt: remove whatever that attempt left first.
          await stopCluster(log);
          stepLog = log;
          const started = await startLocalCluster({ gitSource: { url: gitUrl, repo }, ...(clusterAgeKeyFile ? { sopsAgeKeyFile: clusterAgeKeyFile } : {}), registerExitHandlers: false, log: (line) => stepLog(line), env: { ...process.env, ...env }, ...planted.clusterOptions, ...shape });
          cluster = started;
          session.kubeconfigPath = started.kubeconfigPath;
          drillVeleroServer.follow(started.kubeconfigPath);
          return { kubeconfigPath: started.kubeconfigPath, name: started.name, timings: started.timings };
        }),
      down: (log) => serially(() => stopCluster(log)),
      joiningNode: (stepId, name, labels) => planted.joiningNode(stepId, name, labels),
    };

    // Programs by name as the drill's steps and preflight see them: the pinned tofu first.
    const toolPath = localToolPath(env);
    const real = realShell();
    const shell: Shell = {
      which: (command) => whichCommand(command, toolPath),
      // Whatever PATH the command gets (the drill's environment), the pinned tools come first.
      run: (command, args, runOptions = {}) => real.run(command, args, { ...runOptions, env: { ...runOptions.env, PATH: withLocalTools(runOptions.env?.['PATH'] ?? env['PATH'] ?? process.env['PATH'], env) } }),
    };
    const http = realHttp();
    let cached: { path: string; cluster: Cluster } | undefined;
    session = {
      kind: 'local',
      clock: systemClock(),
      facts: {
        gitUrl,
        gitBranch: repo.branch,
        ingressIp: LOCAL_INGRESS_IP,
        resticRepository: backup.repository,
        resticPasswordFile: backup.passwordFile,
        backupHost: backup.host,
        backupDataDir: backup.dataDir,
        terraformDir: tofu.dir,
        terraformBackendConfig: tofu.backendConfig,
        terraformVarFile: tofu.varFile,
      },
      kubeconfigPath: undefined,
      talosconfigPath: undefined,
      useClusterAccess(access) {
        applyClusterAccess(this, access);
        drillVeleroServer.follow(session.kubeconfigPath);
      },
      localCluster: control,
      shellFor: () => shell,
      httpFor: () => http,
      commandEnv: () => ({ ...(session.kubeconfigPath ? { KUBECONFIG: session.kubeconfigPath } : {}) }),
      async clusterFor() {
        const kubeconfig = session.kubeconfigPath;
        if (!kubeconfig) {
          throw new DrillError('ECLUSTER', 'no kubeconfig for the drill cluster yet', { details: 'on the local target a local.up step must run before steps that use the cluster' });
        }
        drillVeleroServer.follow(kubeconfig);
        if (cached?.path !== kubeconfig) cached = { path: kubeconfig, cluster: drillVeleroServer.gate(kubeCluster(loadKubeConfig(kubeconfig))) };
        return cached.cluster;
      },
      declareDisaster: () => undefined,
      secretValues: () => planted.identities(),
      plantBefore: (step, log, signal) => plantBeforeStep(faults, { step, log, signal, localCluster: cluster, kubeConfig: cluster ? cluster.kubeConfig : undefined }),
      async close() {
        cached = undefined;
        const errors: string[] = [];
        await serially(async () => {
          closed = true;
          await stopCluster(() => undefined);
        }).catch((error: unknown) => errors.push(errorMessage(error)));
        // A cluster Tofu started and no destroy removed (a failed destroy, an interrupted apply).
        await stopLeftoverClusters(tofu.clustersDir, () => undefined)
          .then((left) => {
            if (left.length > 0) errors.push(`the cluster of workspace ${left.join(', ')} was still running after the drill: stopped by the target (terraform destroy did not remove it)`);
          })
          .catch((error: unknown) => errors.push(errorMessage(error)));
        await drillVeleroServer.stop().catch((error: unknown) => errors.push(`velero server: ${errorMessage(error)}`));
        await production?.stop().catch((error: unknown) => errors.push(`S3 service: ${errorMessage(error)}`));
        await git?.stop().catch((error: unknown) => errors.push(`git server: ${errorMessage(error)}`));
        ws.remove();
        if (errors.length > 0) throw new DrillError('ELOCAL', 'the local target did not stop cleanly', { details: errors.join('\n') });
      },
    };
    return session;
  } catch (error) {
    await production?.stop().catch(() => undefined);
    await git?.stop().catch(() => undefined);
    ws.remove();
    throw error;
  }
}

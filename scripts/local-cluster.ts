// The local drill cluster (kwok + real Flux + the sample GitOps repo) from the command line.
//
//   node scripts/local-cluster.ts          start one in the foreground until Ctrl-C, so test runs can reuse it:
//                                          DR_DRILL_TEST_KUBECONFIG=<printed path> npm run test:cluster
//   node scripts/local-cluster.ts up       start a detached one for a state directory and return once it is up
//   node scripts/local-cluster.ts down     stop it and prove nothing is left (exit 1 names what is)
//   node scripts/local-cluster.ts serve    the detached supervisor `up` starts (not for direct use)
//
// up/down are what OpenTofu's local-exec provisioners run (src/targets/local/terraform/main.tf);
// they take their options from the environment: DR_DRILL_CLUSTER_DIR (state directory), and for
// up DR_DRILL_GIT_URL, DR_DRILL_GIT_BRANCH, DR_DRILL_GIT_WORK_DIR, DR_DRILL_GIT_HEAD,
// DR_DRILL_UP_TIMEOUT (seconds, default 240), DR_DRILL_AGE_KEY_FILE (the drill's age key: the
// cluster gets it as the sops-age Secret kustomize-controller decrypts with; empty for none).
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '../src/cluster/local/index.ts';
import { downSupervised, serveSupervised, upSupervised } from '../src/cluster/local/supervised.ts';
import { DrillError, formatError } from '../src/util/errors.ts';

const command = process.argv[2] ?? 'foreground';
const log = (line: string): void => {
  process.stderr.write(`[local-cluster] ${line}\n`);
};
const need = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    log(`${name} is not set: \`${command}\` takes its options from the environment (see scripts/local-cluster.ts)`);
    process.exit(2);
  }
  return value;
};

async function main(): Promise<void> {
  switch (command) {
    case 'up': {
      const abort = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
      const started = Date.now();
      const record = await upSupervised({
        dir: need('DR_DRILL_CLUSTER_DIR'),
        gitUrl: need('DR_DRILL_GIT_URL'),
        gitBranch: need('DR_DRILL_GIT_BRANCH'),
        gitWorkDir: need('DR_DRILL_GIT_WORK_DIR'),
        gitHead: need('DR_DRILL_GIT_HEAD'),
        ageKeyFile: process.env['DR_DRILL_AGE_KEY_FILE'] ?? '',
        node: process.execPath,
        script: fileURLToPath(import.meta.url),
        timeoutMs: Number(process.env['DR_DRILL_UP_TIMEOUT'] ?? '240') * 1000,
        log,
        signal: abort.signal,
      });
      log(`cluster ${record.name} is up after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return;
    }
    case 'down': {
      const removed = await downSupervised(need('DR_DRILL_CLUSTER_DIR'), log);
      if (!removed) log('no cluster in this state directory: nothing to stop');
      return;
    }
    case 'serve':
      return serveSupervised();
    case 'foreground': {
      const cluster = await startLocalCluster({ log });
      process.stdout.write(
        [
          `cluster ${cluster.name} is up (${(cluster.timings['total'] ?? 0) / 1000}s)`,
          `  export DR_DRILL_TEST_KUBECONFIG=${cluster.kubeconfigPath}`,
          `  export KUBECONFIG=${cluster.kubeconfigPath}`,
          `  sample repo: ${cluster.gitops?.url ?? '(none)'} at ${cluster.gitops?.repo.headSha ?? '-'}`,
          'Ctrl-C stops it and removes everything.',
          '',
        ].join('\n'),
      );
      // Keep the event loop alive; SIGINT/SIGTERM run cluster.stop() (registered by startLocalCluster).
      setInterval(() => undefined, 1 << 30);
      return;
    }
    default:
      log(`unknown command "${command}": use up, down or no argument (see scripts/local-cluster.ts)`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  log(error instanceof DrillError ? formatError(error) : error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

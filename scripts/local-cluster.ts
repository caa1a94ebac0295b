// Starts the local drill cluster (kwok + real Flux + sample GitOps repo) and keeps
// it running until Ctrl-C, so test runs can reuse it:
//
//   node scripts/local-cluster.ts
//   DR_DRILL_TEST_KUBECONFIG=<printed path> npm run test:cluster
import { startLocalCluster } from '../src/cluster/local/index.ts';

const cluster = await startLocalCluster({ log: (l) => process.stderr.write(`[local-cluster] ${l}\n`) });
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

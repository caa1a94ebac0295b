/** Public API of the local drill cluster (kwok + real Flux and cert-manager + Velero CRDs). */
export { startLocalCluster, uniqueClusterName, leftovers } from './local-cluster.ts';
export type { LocalCluster, LocalClusterOptions, LocalGitOps } from './local-cluster.ts';
export {
  bootstrapFlux,
  dependencyOrder,
  getKustomizationStatus,
  readKustomizations,
  waitKustomizationReady,
  FLUX_API_VERSION,
  GIT_REPOSITORY_NAME,
  KUSTOMIZE_GROUP,
  SOURCE_GROUP,
} from './flux-bootstrap.ts';
export type { KustomizationStatus } from './flux-bootstrap.ts';
export { FLUX_NAMESPACE } from './flux-controllers.ts';
export { commitFiles, SAMPLE_BRANCH, SAMPLE_FIXTURE_DIR } from './sample-repo.ts';
export type { SampleRepo } from './sample-repo.ts';
export { binDir, cacheRoot, loadInfraVersions, requireInfraBinaries } from './infra-versions.ts';
export { LB_IP_PREFIX } from './lb-status.ts';
export { loadKubeConfig } from './kube.ts';
export { CERT_MANAGER_NAMESPACE } from './cert-manager.ts';

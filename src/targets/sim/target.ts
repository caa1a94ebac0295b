/**
 * The `sim` target: every boundary (shell, cluster API, HTTP, clock) answered by the simulated
 * world, so the real step implementations run unchanged and nothing outside is touched.
 */
import { DrillError } from '../../util/errors.ts';
import { virtualClock } from '../../engine/virtual-clock.ts';
import type { SimTargetOptions } from '../../drill/schema.ts';
import { parseDuration } from '../../util/duration.ts';
import { applyClusterAccess, type TargetSession } from '../../contract/target.ts';
import type { Cluster } from '../../contract/cluster.ts';
import { simHttp } from './http.ts';
import { simShell } from './shell.ts';
import { provisionCluster } from './provision.ts';
import { SimWorld, type Fault } from './world.ts';
import { evict } from './workloads.ts';
import { productionAgeKey } from './production-key.ts';

export interface SimTargetSession extends TargetSession {
  readonly world: SimWorld;
}

export function createSimTarget(options: SimTargetOptions, faults: Map<string, Fault>, overrides: { timeScale?: number } = {}): SimTargetSession {
  const pace = overrides.timeScale ?? options.timeScale;
  const clock = virtualClock(pace !== undefined ? { pace } : {});
  const sealed = options.sops ? productionAgeKey(new Date(clock.now()).toISOString()) : undefined;
  const world = new SimWorld({
    ...(sealed ? { sopsKey: sealed.key } : {}),
    clock,
    durations: options.durations,
    faults,
    backupAgeMs: parseDuration(options.backupAge),
    configAgeMs: parseDuration(options.configAge),
    backupLocationAccessMode: options.backupLocationAccessMode,
  });
  const session: SimTargetSession = {
    kind: 'sim',
    clock,
    facts: sealed ? { ageKeyFile: sealed.file } : {},
    world,
    kubeconfigPath: undefined,
    talosconfigPath: undefined,
    useClusterAccess(access) {
      applyClusterAccess(this, access);
    },
    shellFor: (stepId) => simShell(world, stepId),
    httpFor: (stepId) => simHttp(world, stepId),
    commandEnv: () => ({
      ...(session.kubeconfigPath ? { KUBECONFIG: session.kubeconfigPath } : {}),
      ...(session.talosconfigPath ? { TALOSCONFIG: session.talosconfigPath } : {}),
    }),
    async clusterFor(stepId) {
      if (!session.kubeconfigPath) {
        throw new DrillError('ECLUSTER', 'no kubeconfig for the drill cluster yet', {
          details: 'a provisioning step (terraform.apply or command with a kubeconfig output) must run before steps that use the cluster',
        });
      }
      if (world.provisioned.size === 0) {
        throw new DrillError('ECLUSTER', 'connect ECONNREFUSED 10.99.0.10:6443: the drill cluster is not running');
      }
      const fault = world.faultOfStep(stepId);
      // A hung API connection: requests are sent and never answered.
      if (fault === 'hang') return hungCluster();
      const cluster = world.store.asCluster({
        onAccess: (ref) => {
          if (fault) world.markObject(ref, fault);
        },
        onCreate: (object) => {
          if (fault) world.markObject({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace }, fault);
          return object;
        },
      });
      // Eviction is a subresource of the pod (POST .../pods/<name>/eviction), not an object of its own.
      return {
        ...cluster,
        create: async (object) => {
          if (object.apiVersion === 'policy/v1' && object.kind === 'Eviction') {
            evict(world, object.metadata.name, object.metadata.namespace ?? 'default', fault);
            return object;
          }
          return cluster.create(object);
        },
      };
    },
    declareDisaster: (t0) => world.declareDisaster(t0),
    async close() {
      world.stop();
      sealed?.remove();
    },
  };
  if (options.cluster === 'existing') {
    provisionCluster(world, 'existing');
    session.kubeconfigPath = EXISTING_CLUSTER_KUBECONFIG;
  }
  return session;
}

/** The simulated existing cluster has no kubeconfig file; this names it in logs. */
export const EXISTING_CLUSTER_KUBECONFIG = '(simulated existing cluster)';

function hungCluster(): Cluster {
  const never = () => new Promise<never>(() => undefined);
  return { description: 'simulated cluster (API not answering)', get: never, list: never, create: never, patch: never, delete: never, watch: never };
}

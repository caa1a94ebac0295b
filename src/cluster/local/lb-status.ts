/**
 * Stand-in for a load-balancer controller (MetalLB, a cloud controller): the
 * local cluster has none, so Services of type LoadBalancer would stay pending
 * and Flux's health checks (wait: true) would never pass. This loop writes a
 * TEST-NET-1 address (RFC 5737, never routed) into status.loadBalancer.ingress,
 * the way such a controller does. It is the one stand-in of the local harness.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export const LB_IP_PREFIX = '192.0.2.';

export interface LbStatusLoop {
  stop: () => Promise<void>;
  /** Services that received an address: `namespace/name` -> ip. */
  assigned: Map<string, string>;
}

export function startLoadBalancerStatusLoop(kubeConfig: KubeConfig, intervalMs = 1000): LbStatusLoop {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const assigned = new Map<string, string>();
  let stopped = false;
  let next = 10;
  const tick = async (): Promise<void> => {
    const list = await api.listServiceForAllNamespaces();
    for (const svc of list.items) {
      if (svc.spec?.type !== 'LoadBalancer' || (svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) continue;
      const name = svc.metadata?.name ?? '';
      const namespace = svc.metadata?.namespace ?? '';
      const key = `${namespace}/${name}`;
      const ip = assigned.get(key) ?? `${LB_IP_PREFIX}${next++}`;
      await api.patchNamespacedServiceStatus(
        { name, namespace, body: { status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      assigned.set(key, ip);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined); // API not reachable yet or object gone: retry next tick
      await new Promise((result) => setTimeout(result, intervalMs));
    }
  })();
  return {
    assigned,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

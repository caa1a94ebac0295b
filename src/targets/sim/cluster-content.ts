/**
 * What the simulated drill cluster holds: the nodes Terraform creates, what Flux's bootstrap
 * puts in flux-system, what each Flux layer applies (runbook 000: CNI/ingress/CSI, then
 * certificates and configs, then apps), and the Velero backups that survived the disaster.
 */
import type { KubeObject } from '../../contract/cluster.ts';

export const SIM_INGRESS_IP = '198.51.100.50';
export const SIM_APPS = [
  { namespace: 'paperless', deployment: 'paperless-ngx', host: 'paperless.drill.sim.dr-drill.invalid', pvc: 'paperless-data', body: '<title>Paperless-ngx</title>' },
  { namespace: 'mediabox', deployment: 'jellyfin', host: 'jellyfin.drill.sim.dr-drill.invalid', pvc: 'jellyfin-config', body: '<title>Jellyfin</title>' },
  { namespace: 'gitlab', deployment: 'gitlab-webservice-default', host: 'gitlab.drill.sim.dr-drill.invalid', pvc: 'repo-data-gitlab-gitaly-0', body: '{"status":"ok","master_check":[{"status":"ok"}]}' },
] as const;
export const SIM_LAYERS = ['infrastructure-controllers', 'infrastructure-configs', 'apps'] as const;

export const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });

export function nodes(workspace: string): KubeObject[] {
  const roles = ['control-plane', 'control-plane', 'control-plane', 'worker', 'worker'];
  return roles.map((role, index) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(`${workspace}-${role === 'worker' ? 'w' : 'cp'}${index + 1}`, undefined, role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    // Talos taints control-plane nodes unless allowSchedulingOnControlPlanes is set.
    spec: role === 'control-plane' ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    status: {
      addresses: [{ type: 'InternalIP', address: `10.99.0.${11 + index}` }],
      nodeInfo: { osImage: 'Talos (v1.11.5)', kubeletVersion: 'v1.34.2', containerRuntimeVersion: 'containerd://2.1.5' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  }));
}

/** Where Flux bootstraps from: the drill's branch and the path that holds its Kustomizations. */
export interface FluxSource {
  url: string;
  branch: string;
  path: string;
}

/** The Kustomizations of the layers (runbook 000 Phase 2), as clusters/drill/ in the GitOps tree holds them. */
export function layerKustomizations(decryption?: Record<string, unknown>): KubeObject[] {
  return [
    kustomization('infrastructure-controllers', './infrastructure/controllers', []),
    kustomization('infrastructure-configs', './infrastructure/configs', ['infrastructure-controllers']),
    // In a sealed tree the apps layer holds the encrypted Secrets: it decrypts.
    kustomization('apps', './apps/production', ['infrastructure-configs'], decryption),
  ];
}

export function kustomization(name: string, path: string, dependsOn: string[], decryption?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: meta(name, 'flux-system'),
    spec: {
      interval: '10m',
      retryInterval: '1m',
      timeout: '15m',
      path,
      prune: true,
      wait: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((dep) => ({ name: dep })) } : {}),
      ...(decryption ? { decryption } : {}),
    },
  };
}

/** What each Flux layer applies once reconciled. */
export function layerContent(layer: string): KubeObject[] {
  switch (layer) {
    case 'infrastructure-controllers':
      return [
        { apiVersion: 'v1', kind: 'Namespace', metadata: meta('ingress-nginx') },
        { apiVersion: 'v1', kind: 'Service', metadata: meta('ingress-nginx-controller', 'ingress-nginx'), spec: { type: 'LoadBalancer', loadBalancerIP: SIM_INGRESS_IP, ports: [{ name: 'https', port: 443 }] }, status: { loadBalancer: {} } },
        deployment('cert-manager', 'cert-manager'),
        deployment('ingress-nginx', 'ingress-nginx-controller', 2),
        // Keep one ingress controller running through a node drain.
        { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('ingress-nginx-controller', 'ingress-nginx'), spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx-controller' } } } },
      ];
    case 'infrastructure-configs':
      return [
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'ClusterIssuer',
          metadata: meta('letsencrypt-staging'),
          spec: { acme: { server: 'https://acme-staging-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: 'letsencrypt-staging' } } },
          status: {},
        },
      ];
    case 'apps':
      return SIM_APPS.flatMap((app) => [
        { apiVersion: 'v1', kind: 'Namespace', metadata: meta(app.namespace) } as KubeObject,
        deployment(app.namespace, app.deployment),
        ...(app.namespace === 'gitlab' ? [deployment('gitlab', 'gitlab-toolbox'), deployment('gitlab', 'gitlab-sidekiq-all-in-1-v2')] : []),
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(app.pvc, app.namespace), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } }, status: { phase: 'Bound' } } as KubeObject,
      ]);
    default:
      return [];
  }
}

function deployment(namespace: string, name: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, namespace, { 'app.kubernetes.io/name': name }),
    spec: { replicas, selector: { matchLabels: { 'app.kubernetes.io/name': name } } },
    status: { replicas: 1, readyReplicas: 0, availableReplicas: 0, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }] },
  };
}

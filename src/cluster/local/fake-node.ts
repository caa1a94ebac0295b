/**
 * Fake nodes managed by kwok-controller (kwokctl's default annotation
 * selector), so the scheduler places pods and kwok marks them Running/Ready.
 */
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { findCondition } from './kube.ts';
import { waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function fakeNode(name: string, labels: Record<string, string> = {}): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/role': 'agent',
        type: 'kwok',
        ...labels,
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
    },
  };
}

export async function createFakeNode(kubeConfig: KubeConfig, name = 'kwok-node-0', timeoutMs = 60_000, labels: Record<string, string> = {}): Promise<string> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  await api.createNode({ body: fakeNode(name, labels) });
  await waitFor(
    async () => (findCondition(await api.readNode({ name }), 'Ready')?.status === 'True' ? true : undefined),
    { what: `fake node ${name} Ready (kwok-controller)`, timeoutMs },
  );
  return name;
}

/** The names of a local cluster's first `count` nodes: kwok-node-0 … kwok-node-<count-1>. */
export function fakeNodeNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1) throw new DrillError('ELOCAL', `a local cluster needs at least one node, not ${count}`, { details: 'give nodes: 1 or more' });
  return Array.from({ length: count }, (_, index) => `kwok-node-${index}`);
}

/** Creates the first `count` fake nodes and waits until each is Ready. */
export async function createFakeNodes(kubeConfig: KubeConfig, count: number, timeoutMs = 60_000): Promise<string[]> {
  const names = fakeNodeNames(count);
  const api = kubeConfig.makeApiClient(CoreV1Api);
  for (const name of names) await api.createNode({ body: fakeNode(name) });
  for (const name of names) {
    await waitFor(async () => (findCondition(await api.readNode({ name }), 'Ready')?.status === 'True' ? true : undefined), { what: `fake node ${name} Ready (kwok-controller)`, timeoutMs });
  }
  return names;
}

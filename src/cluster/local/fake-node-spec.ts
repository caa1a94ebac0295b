/**
 * What a kwok fake node is: its Node object (the annotation kwok-controller manages) and the names
 * of a local cluster's nodes. No Kubernetes client here, so step kinds can import it cheaply.
 */
import type { V1Node } from '@kubernetes/client-node';
import { DrillError } from '../../util/errors.ts';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/** The annotation's value on every node kwok-controller manages (its selector: annotation=value). */
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

export function fakeNode(name: string, labels: Record<string, string> = {}): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE, 'node.alpha.kubernetes.io/ttl': '0' },
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

/** The names of a local cluster's first `count` nodes: kwok-node-0 … kwok-node-<count-1>. */
export function fakeNodeNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1) throw new DrillError('ELOCAL', `a local cluster needs at least one node, not ${count}`, { details: 'give nodes: 1 or more' });
  return Array.from({ length: count }, (_, index) => `kwok-node-${index}`);
}

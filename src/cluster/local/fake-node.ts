/**
 * Fake nodes managed by kwok-controller (kwok-cluster.ts makes it manage only nodes with this
 * annotation), so the scheduler places pods and kwok marks them Running/Ready.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { fakeNode, fakeNodeNames } from './fake-node-spec.ts';
import { findCondition } from './kube.ts';
import { waitFor } from './wait.ts';

export { fakeNode, fakeNodeNames, KWOK_NODE_ANNOTATION } from './fake-node-spec.ts';

export async function createFakeNode(kubeConfig: KubeConfig, name = 'kwok-node-0', timeoutMs = 60_000, labels: Record<string, string> = {}): Promise<string> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  await api.createNode({ body: fakeNode(name, labels) });
  await waitFor(
    async () => (findCondition(await api.readNode({ name }), 'Ready')?.status === 'True' ? true : undefined),
    { what: `fake node ${name} Ready (kwok-controller)`, timeoutMs },
  );
  return name;
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

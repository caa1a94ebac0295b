/** @kubernetes/client-node helpers shared by the local cluster modules. */
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';

export const FIELD_MANAGER = 'dr-drill';

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return kubeConfig;
}

/** Server-side apply of any object (create or update), owned by dr-drill. */
export async function applyObject<T extends KubernetesObject>(kubeConfig: KubeConfig, object: T): Promise<T> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  return api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function findCondition(object: unknown, type: string): Condition | undefined {
  const conditions = (object as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions;
  return conditions?.find((condition) => condition.type === type);
}

/** Status code of a client-node ApiException, if it is one. */
export function httpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

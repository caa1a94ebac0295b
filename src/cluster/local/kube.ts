/** @kubernetes/client-node helpers shared by the local cluster modules. */
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';

export const FIELD_MANAGER = 'dr-drill';

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

/** Server-side apply of any object (create or update), owned by dr-drill. */
export async function applyObject<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return api.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function findCondition(obj: unknown, type: string): Condition | undefined {
  const conds = (obj as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions;
  return conds?.find((c) => c.type === type);
}

/** Status code of a client-node ApiException, if it is one. */
export function httpCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

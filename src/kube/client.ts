/** The real Cluster: @kubernetes/client-node against an API server, from a kubeconfig file. */
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { DrillError, errorMessage } from '../util/errors.ts';
import { describeRef, WatchExpiredError, type Cluster, type KubeObject, type ObjectRef } from '../contract/cluster.ts';

/** Exposes the API discovery the object API already does and caches (kind -> plural, namespaced). */
class DiscoveringObjectApi extends KubernetesObjectApi {
  async describe(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new DrillError('ECLUSTER', `the API server has no ${kind} in ${apiVersion}`, { details: `is the CRD installed? check with: kubectl api-resources --api-group=${apiVersion.split('/')[0]}` });
    return { plural: resource.name, namespaced: resource.namespaced };
  }
}

export function loadKubeConfig(file: string, context?: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new DrillError('ECLUSTER', `cannot load kubeconfig ${file}`, { details: errorMessage(error), cause: error });
  }
  if (context) {
    if (!config.getContexts().some((candidate) => candidate.name === context)) {
      throw new DrillError('EUSAGE', `kubeconfig ${file} has no context "${context}"`, { details: `contexts: ${config.getContexts().map((candidate) => candidate.name).join(', ')}` });
    }
    config.setCurrentContext(context);
  }
  return config;
}

export function kubeCluster(config: KubeConfig): Cluster {
  const api = config.makeApiClient(DiscoveringObjectApi);
  const watcher = new Watch(config);
  const core = config.makeApiClient(CoreV1Api);
  const server = config.getCurrentCluster()?.server ?? 'unknown server';
  const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
  const wrap = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new DrillError('ECLUSTER', `${what} failed: ${apiMessage(error)}`, { cause: error });
    }
  };
  return {
    description: server,
    async get(ref) {
      try {
        return (await api.read(header(ref))) as unknown as KubeObject;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw new DrillError('ECLUSTER', `reading ${describeRef(ref)} failed: ${apiMessage(error)}`, { cause: error });
      }
    },
    list: (apiVersion, kind, options = {}) =>
      wrap(`listing ${kind}`, async () => {
        const listed = await api.list(apiVersion, kind, options.namespace, undefined, undefined, undefined, undefined, options.labelSelector);
        const items = listed.items.map((item) => ({ ...item, apiVersion, kind }) as unknown as KubeObject);
        return { items, resourceVersion: listed.metadata?.resourceVersion ?? '' };
      }),
    create: (object) =>
      // An Eviction is posted to the pod's eviction subresource (what kubectl drain does), not created as an object.
      object.apiVersion === 'policy/v1' && object.kind === 'Eviction'
        ? wrap(`evicting pod ${object.metadata.namespace}/${object.metadata.name}`, async () => (await core.createNamespacedPodEviction({ name: object.metadata.name, namespace: object.metadata.namespace ?? 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: object.metadata.name, namespace: object.metadata.namespace ?? 'default' } } })) as unknown as KubeObject)
        : wrap(`creating ${describeRef({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind })}`, async () => (await api.create(object as KubernetesObject)) as unknown as KubeObject),
    patch: (ref, patch) =>
      wrap(`patching ${describeRef(ref)}`, async () => {
        const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...((patch.metadata as object | undefined) ?? {}), name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
        return (await api.patch(body as KubernetesObject, undefined, undefined, 'dr-drill', undefined, PatchStrategy.MergePatch)) as unknown as KubeObject;
      }),
    delete: (ref) =>
      wrap(`deleting ${describeRef(ref)}`, async () => {
        try {
          // Background: dependents (a Job's pods) go too; the API's default for Jobs would orphan them.
          await api.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }),
    async watch(apiVersion, kind, options, onEvent, signal) {
      const { plural, namespaced } = await api.describe(apiVersion, kind);
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const path = `${base}${namespaced && options.namespace ? `/namespaces/${options.namespace}` : ''}/${plural}`;
      const query: Record<string, string | number | boolean | undefined> = {
        allowWatchBookmarks: true,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.name ? `metadata.name=${options.name}` : undefined,
        // The server ends the watch after this; the caller lists and watches again.
        timeoutSeconds: 300,
      };
      await new Promise<void>((resolve, reject) => {
        let expired = false;
        let controller: AbortController | undefined;
        const onAbort = () => controller?.abort();
        watcher
          .watch(
            path,
            query,
            (phase, object: KubeObject) => {
              if (phase === 'ERROR') {
                if ((object as unknown as { code?: number }).code === 410) expired = true;
                controller?.abort();
                return;
              }
              if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') onEvent(phase, { ...object, apiVersion, kind });
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onAbort);
              if (expired || statusOf(error) === 410) reject(new WatchExpiredError());
              else if (error && !signal.aborted && (error as { name?: string }).name !== 'AbortError') reject(new DrillError('ECLUSTER', `watching ${kind} failed: ${apiMessage(error)}`, { cause: error }));
              else resolve();
            },
          )
          .then((created) => {
            controller = created;
            if (signal.aborted) created.abort();
            else signal.addEventListener('abort', onAbort, { once: true });
          })
          .catch((error: unknown) => reject(new DrillError('ECLUSTER', `watching ${kind} failed: ${apiMessage(error)}`, { cause: error })));
      });
    },
  };
}

function statusOf(error: unknown): number | undefined {
  const candidate = error as { code?: unknown; statusCode?: unknown };
  if (typeof candidate?.code === 'number') return candidate.code;
  if (typeof candidate?.statusCode === 'number') return candidate.statusCode;
  return undefined;
}

function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // not JSON: fall through
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return errorMessage(error);
}

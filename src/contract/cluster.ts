/**
 * The boundary to a Kubernetes API server. Real targets implement it with
 * @kubernetes/client-node; the simulated target implements it in memory with simulated
 * controllers. Steps only use this interface.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  creationTimestamp?: string;
  uid?: string;
  generation?: number;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown> & Record<string, any>;
  status?: Record<string, any>;
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchOptions extends ListOptions {
  /** Only this object (a field selector on metadata.name). */
  name?: string;
  resourceVersion?: string;
}

export interface Cluster {
  /** A short description for logs, never containing credentials (e.g. the server URL). */
  readonly description: string;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  create(object: KubeObject): Promise<KubeObject>;
  /** JSON merge patch (RFC 7386). */
  patch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  delete(ref: ObjectRef): Promise<void>;
  /**
   * Stream changes until the signal aborts or the server ends the watch. Resolves when the watch
   * ends normally; rejects with a `WatchExpiredError` when the resource version is too old (410).
   */
  watch(
    apiVersion: string,
    kind: string,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** HTTP 410 Gone on a watch: the caller must list again and watch from the new version. */
export class WatchExpiredError extends Error {
  constructor(message = 'watch resource version expired (410 Gone)') {
    super(message);
    this.name = 'WatchExpiredError';
  }
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export function conditionOf(object: KubeObject | undefined, type: string): Condition | undefined {
  const conditions = object?.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((condition: Condition) => condition?.type === type);
}

/**
 * An in-memory Kubernetes API: objects keyed by apiVersion/kind/namespace/name, resource
 * versions, creation timestamps and watches. Simulated controllers change objects here the way
 * the real controllers change them on a real API server.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, KubeObject, ListOptions, ObjectRef, WatchEventType, WatchOptions } from '../../contract/cluster.ts';
import { describeRef } from '../../contract/cluster.ts';
import type { Clock } from '../../contract/clock.ts';

type Watcher = { apiVersion: string; kind: string; options: WatchOptions; onEvent: (type: WatchEventType, object: KubeObject) => void };

export class NotFoundError extends Error {
  readonly statusCode = 404;
}
export class ConflictError extends Error {
  readonly statusCode = 409;
}

export class ObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  readonly #watchers = new Set<Watcher>();
  readonly #clock: Clock;
  #resourceVersion = 1000;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const object = this.#objects.get(keyOf(ref));
    return object ? structuredClone(object) : undefined;
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): KubeObject[] {
    return [...this.#objects.values()].filter((object) => matches(object, apiVersion, kind, options)).map((object) => structuredClone(object));
  }

  get resourceVersion(): string {
    return String(this.#resourceVersion);
  }

  create(object: KubeObject): KubeObject {
    const key = keyOf({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace });
    if (this.#objects.has(key)) throw new ConflictError(`${describeRef({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind })} already exists`);
    const stored: KubeObject = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: randomUUID(),
      creationTimestamp: new Date(this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resourceVersion: this.#nextVersion(),
      generation: 1,
    };
    this.#objects.set(key, stored);
    this.#notify('ADDED', stored);
    return structuredClone(stored);
  }

  /** Create, or replace spec/metadata/status of an existing object. */
  upsert(object: KubeObject): KubeObject {
    const ref = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace };
    const existing = this.#objects.get(keyOf(ref));
    if (!existing) return this.create(object);
    return this.patch(ref, { ...object, metadata: { labels: object.metadata.labels, annotations: object.metadata.annotations } });
  }

  patch(ref: ObjectRef, patch: Record<string, unknown>): KubeObject {
    const key = keyOf(ref);
    const existing = this.#objects.get(key);
    if (!existing) throw new NotFoundError(`${describeRef(ref)} not found`);
    const merged = mergePatch(structuredClone(existing), patch) as KubeObject;
    merged.metadata.resourceVersion = this.#nextVersion();
    if (JSON.stringify(merged.spec) !== JSON.stringify(existing.spec)) merged.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    this.#objects.set(key, merged);
    this.#notify('MODIFIED', merged);
    return structuredClone(merged);
  }

  delete(ref: ObjectRef): void {
    const key = keyOf(ref);
    const existing = this.#objects.get(key);
    if (!existing) throw new NotFoundError(`${describeRef(ref)} not found`);
    this.#objects.delete(key);
    existing.metadata.resourceVersion = this.#nextVersion();
    this.#notify('DELETED', existing);
  }

  watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: Watcher['onEvent']): () => void {
    const watcher: Watcher = { apiVersion, kind, options, onEvent };
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** A Cluster view of this store; `hooks` let the simulated target see which step does what. */
  asCluster(hooks: { onAccess?: (ref: ObjectRef) => void; onCreate?: (object: KubeObject) => KubeObject } = {}): Cluster {
    return {
      description: 'simulated cluster (in-memory API)',
      get: async (ref) => {
        hooks.onAccess?.(ref);
        return this.get(ref);
      },
      list: async (apiVersion, kind, options) => {
        const items = this.list(apiVersion, kind, options);
        for (const item of items) hooks.onAccess?.({ apiVersion, kind, name: item.metadata.name, namespace: item.metadata.namespace });
        return { items, resourceVersion: this.resourceVersion };
      },
      create: async (object) => this.create(hooks.onCreate ? hooks.onCreate(object) : object),
      patch: async (ref, patch) => this.patch(ref, patch),
      delete: async (ref) => this.delete(ref),
      watch: (apiVersion, kind, options, onEvent, signal) =>
        new Promise<void>((resolve) => {
          if (options.name) hooks.onAccess?.({ apiVersion, kind, name: options.name, namespace: options.namespace });
          const stop = this.watch(apiVersion, kind, options, (type, object) => {
            // Deliver asynchronously, like a real watch stream.
            queueMicrotask(() => {
              if (!signal.aborted) onEvent(type, structuredClone(object));
            });
          });
          const end = () => {
            stop();
            resolve();
          };
          if (signal.aborted) end();
          else signal.addEventListener('abort', end, { once: true });
        }),
    };
  }

  #nextVersion(): string {
    this.#resourceVersion += 1;
    return String(this.#resourceVersion);
  }

  #notify(type: WatchEventType, object: KubeObject): void {
    for (const watcher of this.#watchers) {
      if (!matches(object, watcher.apiVersion, watcher.kind, watcher.options)) continue;
      if (watcher.options.name && watcher.options.name !== object.metadata.name) continue;
      watcher.onEvent(type, structuredClone(object));
    }
  }
}

function keyOf(ref: { apiVersion: string; kind: string; name: string; namespace?: string | undefined }): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

function matches(object: KubeObject, apiVersion: string, kind: string, options: ListOptions): boolean {
  if (object.apiVersion !== apiVersion || object.kind !== kind) return false;
  if (options.namespace && object.metadata.namespace !== options.namespace) return false;
  if (options.labelSelector) {
    for (const term of options.labelSelector.split(',')) {
      const [key, value] = term.split('=');
      if (!key) continue;
      if (value === undefined ? !(key in (object.metadata.labels ?? {})) : object.metadata.labels?.[key] !== value) return false;
    }
  }
  return true;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = mergePatch(result[key], value);
  }
  return result;
}

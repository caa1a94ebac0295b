/**
 * Wait on Kubernetes objects through list + watch, the way controllers do: list, watch from the
 * list's resourceVersion, list again on 410 Gone, and restart a watch that ends or stays idle
 * (a half-open connection delivers nothing, forever).
 */
import type { Clock } from '../contract/clock.ts';
import { WatchExpiredError, type Cluster, type KubeObject } from '../contract/cluster.ts';
import { backoffDelay } from '../util/backoff.ts';
import { errorMessage } from '../util/errors.ts';
import type { Logger } from '../contract/step.ts';

export interface ObjectQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
}

export interface WaitOptions {
  signal: AbortSignal;
  clock: Clock;
  log?: Logger;
  /** Restart a watch that delivered nothing for this long (drill milliseconds). */
  idleRestartMs?: number;
}

export type ObjectView = ReadonlyMap<string, KubeObject>;
const DEFAULT_IDLE_RESTART_MS = 5 * 60_000;

/** Resolves with the first value other than undefined that `check` returns for the current objects. */
export async function waitForObjects<T>(cluster: Cluster, query: ObjectQuery, check: (view: ObjectView) => T | undefined, options: WaitOptions): Promise<T> {
  const { signal, clock } = options;
  const view = new Map<string, KubeObject>();
  const keyOf = (object: KubeObject) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  let failures = 0;
  for (;;) {
    signal.throwIfAborted();
    let resourceVersion: string;
    try {
      const listed = await cluster.list(query.apiVersion, query.kind, withoutUndefined({ namespace: query.namespace, labelSelector: query.labelSelector }));
      view.clear();
      for (const item of listed.items) if (!query.name || item.metadata.name === query.name) view.set(keyOf(item), item);
      resourceVersion = listed.resourceVersion;
      failures = 0;
    } catch (error) {
      signal.throwIfAborted();
      failures += 1;
      if (failures >= 5) throw error;
      options.log?.warn(`listing ${query.kind} failed (${errorMessage(error)}); retrying`);
      await clock.sleep(backoffDelay(4_000, failures, 30_000), signal);
      continue;
    }
    const initial = check(view);
    if (initial !== undefined) return initial;

    const watchController = new AbortController();
    const watchSignal = AbortSignal.any([signal, watchController.signal]);
    let result: T | undefined;
    let idle = new AbortController();
    const armIdleTimer = () => {
      idle.abort();
      idle = new AbortController();
      clock
        .sleep(options.idleRestartMs ?? DEFAULT_IDLE_RESTART_MS, AbortSignal.any([idle.signal, watchSignal]))
        .then(() => {
          options.log?.debug(`watch on ${query.kind} idle; restarting it`);
          watchController.abort(new Error('idle'));
        })
        .catch(() => undefined);
    };
    armIdleTimer();
    try {
      let watchError: unknown;
      const watching = cluster.watch(
        query.apiVersion,
        query.kind,
        withoutUndefined({ namespace: query.namespace, labelSelector: query.labelSelector, name: query.name, resourceVersion }),
        (type, object) => {
          if (result !== undefined) return;
          armIdleTimer();
          if (query.name && object.metadata.name !== query.name) return;
          if (type === 'DELETED') view.delete(keyOf(object));
          else view.set(keyOf(object), object);
          const value = check(view);
          if (value !== undefined) {
            result = value;
            watchController.abort(new Error('done'));
          }
        },
        watchSignal,
      ).catch((error: unknown) => {
        watchError = error ?? new Error('watch failed');
      });
      // Do not depend on the watch honouring the abort promptly.
      await Promise.race([watching, untilAborted(watchSignal)]);
      if (watchError !== undefined) throw watchError;
    } catch (error) {
      signal.throwIfAborted();
      if (!(error instanceof WatchExpiredError) && result === undefined && !watchController.signal.aborted) {
        options.log?.warn(`watch on ${query.kind} broke (${errorMessage(error)}); listing again`);
        await clock.sleep(2_000, signal);
      }
    } finally {
      idle.abort();
    }
    if (result !== undefined) return result;
    // The watch ended (server timeout, idle restart, 410): list again and carry on.
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualClock } from '../../../src/engine/virtual-clock.ts';
import { WatchExpiredError, type Cluster, type KubeObject, type WatchEventType } from '../../../src/contract/cluster.ts';
import { waitForObjects } from '../../../src/kube/wait.ts';

const object = (name: string, phase: string, resourceVersion: string): KubeObject => ({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: 'velero', resourceVersion }, status: { phase } });

type Script = (onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal, call: number) => Promise<void>;

/** A Cluster whose list returns `listed()` and whose n-th watch runs `watches[n]`. */
function scriptedCluster(listed: () => KubeObject[], watches: Script[]): Cluster & { lists: number; watchCalls: { resourceVersion: string | undefined }[] } {
  const cluster = {
    lists: 0,
    watchCalls: [] as { resourceVersion: string | undefined }[],
    description: 'scripted',
    get: async () => undefined,
    create: async (value: KubeObject) => value,
    patch: async () => assert.fail('patch'),
    delete: async () => undefined,
    async list() {
      cluster.lists += 1;
      return { items: listed(), resourceVersion: String(100 + cluster.lists) };
    },
    async watch(_apiVersion: string, _kind: string, options: { resourceVersion?: string }, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal) {
      cluster.watchCalls.push({ resourceVersion: options.resourceVersion });
      const script = watches[cluster.watchCalls.length - 1];
      if (!script) return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return script(onEvent, signal, cluster.watchCalls.length);
    },
  };
  return cluster;
}

const done = (view: ReadonlyMap<string, KubeObject>) => ([...view.values()].some((item) => item.status?.phase === 'Completed') ? 'done' : undefined);
const options = () => ({ signal: new AbortController().signal, clock: virtualClock() });

test('410 Gone on a watch means list again and watch from the new resource version', async () => {
  let state = 'InProgress';
  const cluster = scriptedCluster(
    () => [object('r', state, '7')],
    [
      async () => {
        state = 'Completed'; // the change happened while the watch was expired
        throw new WatchExpiredError();
      },
    ],
  );
  assert.equal(await waitForObjects(cluster, { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: 'velero' }, done, options()), 'done');
  assert.equal(cluster.lists, 2);
  assert.deepEqual(cluster.watchCalls, [{ resourceVersion: '101' }]);
});

test('events on the watch resolve the wait', async () => {
  const cluster = scriptedCluster(
    () => [object('r', 'New', '1')],
    [
      async (onEvent, signal) => {
        onEvent('MODIFIED', object('r', 'InProgress', '2'));
        onEvent('MODIFIED', object('r', 'Completed', '3'));
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    ],
  );
  assert.equal(await waitForObjects(cluster, { apiVersion: 'velero.io/v1', kind: 'Restore', name: 'r' }, done, options()), 'done');
  assert.equal(cluster.lists, 1);
});

test('an idle (half-open) watch is restarted after the idle timeout', async () => {
  let state = 'InProgress';
  const clock = virtualClock();
  void clock.sleep(200_000).then(() => (state = 'Completed'));
  const cluster = scriptedCluster(() => [object('r', state, '1')], []); // every watch stays silent
  const result = await waitForObjects(cluster, { apiVersion: 'velero.io/v1', kind: 'Restore' }, done, { signal: new AbortController().signal, clock, idleRestartMs: 500_000 });
  assert.equal(result, 'done');
  // Listed at 0, the silent watch restarted at 500 s, listed again and found Completed.
  assert.deepEqual([cluster.lists, cluster.watchCalls.length, clock.monotonic()], [2, 1, 500_000]);
});

test('a broken list is retried, then its error surfaces', async () => {
  let calls = 0;
  const cluster = scriptedCluster(() => [], []);
  cluster.list = async () => {
    calls += 1;
    throw new Error('connection refused');
  };
  await assert.rejects(waitForObjects(cluster, { apiVersion: 'v1', kind: 'Service' }, () => undefined, options()), { message: 'connection refused' });
  assert.equal(calls, 5);
});

test('the abort signal ends the wait with its reason', async () => {
  const controller = new AbortController();
  const cluster = scriptedCluster(() => [object('r', 'InProgress', '1')], []);
  const clock = virtualClock();
  void clock.sleep(20_000).then(() => controller.abort(new Error('step timed out')));
  await assert.rejects(waitForObjects(cluster, { apiVersion: 'velero.io/v1', kind: 'Restore' }, done, { signal: controller.signal, clock }), { message: 'step timed out' });
});

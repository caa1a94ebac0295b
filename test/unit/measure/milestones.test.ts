// A milestone measured `from` a step counts from when the step's event happened by the awaited
// object's own record (a condition's lastTransitionTime), not from when the drill saw it: through
// the engine, the real k8s.wait and flux.wait, and the result, on a virtual clock whose wall time
// the objects' timestamps are written in. Hand-computed figures throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, KubeObject, WatchEventType } from '../../../src/contract/cluster.ts';
import { runEngine } from '../../../src/engine/run.ts';
import { buildResult } from '../../../src/measure/build-result.ts';
import { measureMilestones } from '../../../src/measure/milestones.ts';
import type { DrillResult } from '../../../src/result/model.ts';
import { Masker } from '../../../src/util/mask.ts';
import { engineSession } from '../../helpers/engine-session.ts';
import { drillYaml, planFrom, testRegistry } from '../../helpers/drill-fixtures.ts';

const S = 1000;

interface Scripted {
  /** What the list shows when the wait starts. */
  before: (wall: (ms: number) => string) => KubeObject[];
  /** At this drill time after T0 the watch delivers `after`. */
  changeAtMs?: number;
  after?: (wall: (ms: number) => string) => KubeObject[];
}

/** Runs `yaml` on a virtual clock against a cluster that changes once, as scripted; `wall(ms)` is the RFC 3339 wall time of drill time ms after T0. */
async function runScripted(yaml: string, script: Scripted): Promise<DrillResult> {
  const session = engineSession();
  const clock = session.clock;
  const wallStart = clock.now();
  const wall = (ms: number) => new Date(wallStart + ms).toISOString();
  let current = script.before(wall);
  const cluster: Cluster = {
    description: 'scripted',
    get: async () => undefined,
    create: async (value) => value,
    patch: async () => assert.fail('no patch'),
    delete: async () => undefined,
    list: async () => ({ items: current, resourceVersion: '1' }),
    watch: async (_apiVersion: string, _kind: string, _options: unknown, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal) => {
      if (script.changeAtMs !== undefined && script.after) {
        await clock.sleep(script.changeAtMs - (clock.now() - wallStart), signal).catch(() => undefined);
        if (!signal.aborted) {
          current = script.after(wall);
          for (const object of current) onEvent('MODIFIED', object);
        }
      }
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
  const plan = planFrom(drillYaml(yaml), testRegistry);
  const outcome = await runEngine({
    plan,
    registry: testRegistry,
    session: { ...session, clusterFor: async () => cluster },
    clock,
    runId: 'r1',
    workDir: '/tmp',
    env: {},
    masker: new Masker(),
    cancelSignal: new AbortController().signal,
    onEvent: () => undefined,
  });
  assert.equal(outcome.t0, wallStart, 'T0 is the wall time the objects are dated against');
  return buildResult(plan, outcome, { runId: 'r1', toolVersion: 't', clock: 'virtual', timeScale: 0, logFiles: new Map() }, new Masker());
}

const kustomization = (name: string, ready: { status: string; lastTransitionTime?: string }, revision = 'main@sha1:bad'): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system', generation: 2 },
  status: { observedGeneration: 2, lastAppliedRevision: revision, conditions: [{ type: 'Ready', reason: ready.status === 'True' ? 'ReconciliationSucceeded' : 'Progressing', message: 'm', ...ready }] },
});

/** A wait on `apps` Ready that sees it at 600 s after T0, then recovery work for 300 s. */
const drill = (wait: string) => `milestones:
  recovered: { from: applied, after: [recovered] }
phases:
  - name: p
    steps:
      - id: applied
        kind: k8s.wait
        timeout: 20m
        with: { apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, namespace: flux-system, ${wait} }
      - id: recovered
        kind: test.work
        with: { ms: 300000 }
`;
const readyAt = (lastTransitionTime: ((wall: (ms: number) => string) => string | undefined)): Scripted => ({
  before: () => [kustomization('apps', { status: 'Unknown' })],
  changeAtMs: 600 * S,
  after: (wall) => {
    const time = lastTransitionTime(wall);
    return [kustomization('apps', { status: 'True', ...(time === undefined ? {} : { lastTransitionTime: time }) })];
  },
});

const milestone = (result: DrillResult) => result.milestones.find((entry) => entry.name === 'recovered')!;
const step = (result: DrillResult, id: string) => result.steps.find((entry) => entry.id === id)!;

test('the from-step ends at T0+600 s, its condition changed at T0+587 s: the RTO counts from 587 s exactly', async () => {
  const result = await runScripted(drill('name: apps, condition: { type: Ready }'), readyAt((wall) => wall(587 * S)));
  assert.equal(result.status, 'passed', result.reason);
  assert.deepEqual([step(result, 'applied').startMs, step(result, 'applied').endMs, step(result, 'recovered').endMs], [0, 600 * S, 900 * S]);
  assert.equal(step(result, 'applied').observedSinceMs, 587 * S);
  assert.equal(step(result, 'applied').observedSinceSource, 'Kustomization flux-system/apps Ready lastTransitionTime');
  const recovered = milestone(result);
  assert.equal(recovered.fromMs, 587 * S);
  assert.equal(recovered.fromSource, 'Kustomization flux-system/apps Ready lastTransitionTime');
  assert.equal(recovered.rtoMs, 900 * S - 587 * S);
});

test('an instant later than the step\'s end (an API server clock ahead of ours) is clamped to the end', async () => {
  const result = await runScripted(drill('name: apps, condition: { type: Ready }'), readyAt((wall) => wall(605 * S)));
  assert.equal(step(result, 'applied').observedSinceMs, 605 * S, 'the step keeps what the object said');
  const recovered = milestone(result);
  assert.equal(recovered.fromMs, 600 * S);
  assert.equal(recovered.fromSource, undefined, 'the start is the step\'s end, nothing else to name');
  assert.equal(recovered.rtoMs, 300 * S);
});

test('a missing or unparseable lastTransitionTime: no instant, the RTO counts from the step\'s end', async () => {
  for (const time of [undefined, 'not a time', '2026-12-01T10:09:47']) {
    const result = await runScripted(drill('name: apps, condition: { type: Ready }'), readyAt(() => time));
    assert.equal(step(result, 'applied').observedSinceMs, undefined, String(time));
    assert.equal(milestone(result).fromMs, 600 * S);
    assert.equal(milestone(result).fromSource, undefined);
    assert.equal(milestone(result).rtoMs, 300 * S);
  }
});

test('a jsonPath-only wait records no instant: the step\'s end stays the start', async () => {
  const result = await runScripted(drill('name: apps, jsonPath: .status.lastAppliedRevision, matches: "sha1:bad$"'), {
    before: (wall) => [kustomization('apps', { status: 'True', lastTransitionTime: wall(-60 * S) }, 'main@sha1:good')],
    changeAtMs: 600 * S,
    after: (wall) => [kustomization('apps', { status: 'True', lastTransitionTime: wall(587 * S) })],
  });
  assert.equal(step(result, 'applied').outputs.value, 'main@sha1:bad');
  assert.equal(step(result, 'applied').observedSinceMs, undefined);
  assert.deepEqual([milestone(result).fromMs, milestone(result).fromSource, milestone(result).rtoMs], [600 * S, undefined, 300 * S]);
});

test('condition and jsonPath together: the condition\'s time (Flux marks Ready as it sets lastAppliedRevision)', async () => {
  const result = await runScripted(drill('name: apps, condition: { type: Ready }, jsonPath: .status.lastAppliedRevision, matches: "sha1:bad$"'), {
    before: (wall) => [kustomization('apps', { status: 'True', lastTransitionTime: wall(-60 * S) }, 'main@sha1:good')],
    changeAtMs: 600 * S,
    after: (wall) => [kustomization('apps', { status: 'True', lastTransitionTime: wall(599_400) })],
  });
  assert.deepEqual([milestone(result).fromMs, milestone(result).rtoMs], [599_400, 900 * S - 599_400]);
});

test('several matched objects: the state "all Ready" began with the latest of their times', async () => {
  const result = await runScripted(drill('condition: { type: Ready }'), {
    before: (wall) => [kustomization('configs', { status: 'True', lastTransitionTime: wall(550 * S) }), kustomization('apps', { status: 'Unknown' })],
    changeAtMs: 600 * S,
    after: (wall) => [kustomization('configs', { status: 'True', lastTransitionTime: wall(550 * S) }), kustomization('apps', { status: 'True', lastTransitionTime: wall(587 * S) })],
  });
  assert.equal(milestone(result).fromMs, 587 * S);
  assert.equal(milestone(result).fromSource, 'Kustomization flux-system/apps Ready lastTransitionTime (latest of 2)');
});

test('a state that already held before the from-step began counts from when it began, even before the step\'s start', async () => {
  const result = await runScripted(
    `milestones:
  recovered: { from: applied, after: [recovered] }
phases:
  - name: p
    steps:
      - { id: first, kind: test.work, with: { ms: 100000 } }
      - id: applied
        kind: k8s.wait
        with: { apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, namespace: flux-system, name: apps, condition: { type: Ready } }
      - { id: recovered, kind: test.work, with: { ms: 300000 } }
`,
    { before: (wall) => [kustomization('apps', { status: 'True', lastTransitionTime: wall(40 * S) })] },
  );
  assert.deepEqual([step(result, 'applied').startMs, step(result, 'applied').endMs], [100 * S, 100 * S]);
  assert.deepEqual([milestone(result).fromMs, milestone(result).rtoMs], [40 * S, 400 * S - 40 * S]);
});

test('flux.wait reports when every Kustomization was Ready: the latest Ready lastTransitionTime', async () => {
  const result = await runScripted(
    `milestones:
  recovered: { from: applied, after: [recovered] }
phases:
  - name: p
    steps:
      - { id: applied, kind: flux.wait, timeout: 20m }
      - { id: recovered, kind: test.work, with: { ms: 300000 } }
`,
    {
      before: (wall) => [kustomization('infrastructure', { status: 'True', lastTransitionTime: wall(500 * S) }), kustomization('apps', { status: 'Unknown' })],
      changeAtMs: 600 * S,
      after: (wall) => [kustomization('infrastructure', { status: 'True', lastTransitionTime: wall(500 * S) }), kustomization('apps', { status: 'True', lastTransitionTime: wall(587 * S) })],
    },
  );
  assert.equal(result.status, 'passed', result.reason);
  assert.equal(step(result, 'applied').observedSinceSource, 'Kustomization flux-system/apps Ready lastTransitionTime (latest of 2)');
  assert.deepEqual([milestone(result).fromMs, milestone(result).rtoMs], [587 * S, 900 * S - 587 * S]);
});

test('measureMilestones alone: min(step end, the recorded instant), the source only when the instant is the start', () => {
  const records = (observed: number | undefined) =>
    new Map([
      ['a', { step: { id: 'a', dependsOn: [] }, status: 'passed', startMs: 500 * S, endMs: 600 * S, attempts: [], outputs: {}, ...(observed === undefined ? {} : { observedSince: { ms: observed, source: 'X Ready lastTransitionTime' } }) }],
      ['b', { step: { id: 'b', dependsOn: ['a'] }, status: 'passed', startMs: 600 * S, endMs: 900 * S, attempts: [], outputs: {} }],
    ]) as unknown as Parameters<typeof measureMilestones>[1];
  const measure = (observed: number | undefined, fromTime: 'event' | 'step-end' = 'event') => measureMilestones([{ name: 'm', description: undefined, after: ['b'], from: 'a', fromTime, objectiveMs: undefined }], records(observed), 'sim')[0]!;
  assert.deepEqual([measure(587 * S).fromMs, measure(587 * S).fromSource, measure(587 * S).rtoMs], [587 * S, 'X Ready lastTransitionTime', 313 * S]);
  assert.deepEqual([measure(600 * S).fromMs, measure(600 * S).fromSource], [600 * S, undefined]);
  assert.deepEqual([measure(601 * S).fromMs, measure(601 * S).fromSource, measure(601 * S).rtoMs], [600 * S, undefined, 300 * S]);
  assert.deepEqual([measure(undefined).fromMs, measure(undefined).rtoMs], [600 * S, 300 * S]);
  // fromTime step-end: a baseline check before the drill's own failure counts from its end, whatever its objects recorded.
  assert.deepEqual([measure(587 * S, 'step-end').fromMs, measure(587 * S, 'step-end').fromSource, measure(587 * S, 'step-end').rtoMs], [600 * S, undefined, 300 * S]);
});

// The simulated Flux controllers write conditions as fluxcd/pkg runtime/conditions.Set does: a
// condition keeps its lastTransitionTime while its status, reason and message stay the same, and
// gets the current time when one of them changes (Ready: Unknown on every reconcile, then True
// with the applied revision in its message), so that time says when the state began.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionOf } from '../../../../../src/contract/cluster.ts';
import { virtualClock } from '../../../../../src/engine/virtual-clock.ts';
import { condition, FLUX_KS, patchStatus } from '../../../../../src/targets/sim/flux/resources.ts';
import { SimWorld } from '../../../../../src/targets/sim/world.ts';

test('patchStatus keeps the lastTransitionTime of a condition whose state did not change, and moves it when it did', async () => {
  const clock = virtualClock({ wallStart: Date.UTC(2026, 11, 1, 10, 0, 0) });
  const world = new SimWorld({ clock, backupAgeMs: 0, configAgeMs: 0 });
  const ref = { ...FLUX_KS, name: 'apps', namespace: 'flux-system' };
  world.store.create({ ...FLUX_KS, metadata: { name: 'apps', namespace: 'flux-system' }, spec: {} });
  const ready = () => conditionOf(world.store.get(ref), 'Ready');
  const waiting = () => condition('Ready', 'False', 'DependencyNotReady', "dependency 'flux-system/configs' is not ready", world);

  patchStatus(world, ref, { conditions: [waiting()] });
  assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:00:00Z');
  await clock.sleep(30_000);
  patchStatus(world, ref, { conditions: [waiting()] });
  assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:00:00Z', 'the same state requeued: not a transition');

  await clock.sleep(30_000);
  patchStatus(world, ref, { lastAppliedRevision: 'main@sha1:aaa', conditions: [condition('Ready', 'True', 'ReconciliationSucceeded', 'Applied revision: main@sha1:aaa', world)] });
  assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:01:00Z');
  await clock.sleep(60_000);
  patchStatus(world, ref, { lastAppliedRevision: 'main@sha1:bbb', conditions: [condition('Ready', 'True', 'ReconciliationSucceeded', 'Applied revision: main@sha1:bbb', world)] });
  assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:02:00Z', 'a new revision in the message: a new time, as Flux sets it');
  assert.equal(world.store.get(ref)?.status?.lastAppliedRevision, 'main@sha1:bbb');
});

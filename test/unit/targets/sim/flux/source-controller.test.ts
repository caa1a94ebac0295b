// The simulated source-controller sets the GitRepository's Ready as source-controller does
// ("stored artifact for revision '<branch>@sha1:<sha>'", through fluxcd/pkg conditions.Set): a new
// revision changes the message, so Ready's lastTransitionTime moves to when that artifact was
// stored; an interval fetch that finds the same revision keeps it. gitops-drift's RTO counts from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionOf } from '../../../../../src/contract/cluster.ts';
import { virtualClock } from '../../../../../src/engine/virtual-clock.ts';
import { GIT_REPOSITORY } from '../../../../../src/targets/sim/flux/resources.ts';
import { runGitRepository } from '../../../../../src/targets/sim/flux/source-controller.ts';
import { commitSha } from '../../../../../src/targets/sim/git-remote.ts';
import { fluxBootstrap } from '../../../../../src/targets/sim/world-content.ts';
import { SimWorld } from '../../../../../src/targets/sim/world.ts';

test('GitRepository Ready: its lastTransitionTime moves when a new revision is stored, not on a fetch that finds the same one', async () => {
  const clock = virtualClock({ wallStart: Date.UTC(2026, 11, 1, 10, 0, 0) });
  const world = new SimWorld({ clock, backupAgeMs: 0, configAgeMs: 0 });
  const ref = { ...GIT_REPOSITORY, name: 'flux-system', namespace: 'flux-system' };
  for (const object of fluxBootstrap(world)) world.store.upsert(object);
  const ready = () => conditionOf(world.store.get(ref), 'Ready');
  const running = runGitRepository(world, ref).catch(() => undefined);
  try {
    const base = world.git.head;
    assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:00:00Z');

    await clock.sleep(90_000);
    assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:00:00Z', 'the interval fetch at 10:01:00 found the same revision');

    const parent = world.remote.commit(base)!;
    const commit = { parents: [base], time: '2026-12-01T10:01:30Z', author: 'drill <drill@sim.dr-drill.invalid>', message: 'apps: remove paperless', tree: new Map([...parent.tree].filter(([file]) => !file.includes('paperless'))) };
    const sha = commitSha(commit);
    world.remote.store([{ ...commit, sha }]);
    assert.deepEqual(world.remote.push('main', sha), { ok: true, from: base });

    // The next interval fetch (10:02:00) takes 3s: stored at 10:02:03.
    await clock.sleep(35_000);
    assert.equal(world.store.get(ref)?.status?.artifact?.revision, `main@sha1:${sha}`);
    assert.deepEqual({ ...ready(), observedGeneration: undefined }, { type: 'Ready', status: 'True', reason: 'Succeeded', message: `stored artifact for revision 'main@sha1:${sha}'`, lastTransitionTime: '2026-12-01T10:02:03Z', observedGeneration: undefined });

    await clock.sleep(120_000);
    assert.equal(ready()?.lastTransitionTime, '2026-12-01T10:02:03Z', 'later fetches of the same revision keep the time');
  } finally {
    world.stop();
    await running;
  }
});

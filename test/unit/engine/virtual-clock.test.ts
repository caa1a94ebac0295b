import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { virtualClock } from '../../../src/engine/virtual-clock.ts';
import { sleepReal } from '../../../src/engine/clock.ts';
import { runDrill } from '../../../src/run-drill.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

test('drill time jumps from timer to timer, in due order, and only when nothing else is pending', async () => {
  const clock = virtualClock();
  const order: string[] = [];
  const a = clock.sleep(300_000).then(() => order.push(`a@${clock.monotonic()}`));
  const b = clock.sleep(60_000).then(async () => {
    order.push(`b@${clock.monotonic()}`);
    // Real I/O in between costs no drill time.
    await readFile(path.join(REPO, 'package.json'));
    await clock.sleep(60_000);
    order.push(`b2@${clock.monotonic()}`);
  });
  await Promise.all([a, b]);
  assert.deepEqual(order, ['b@60000', 'b2@120000', 'a@300000']);
});

test('file I/O costs no drill time, even with a timer always due (every stage of writeFile: open, write, close)', async () => {
  const clock = virtualClock();
  const dir = await tempDir();
  let stop = false;
  const ticker = (async () => {
    while (!stop) await clock.sleep(1000);
  })();
  const moved: number[] = [];
  for (let index = 0; index < 200; index++) {
    const before = clock.monotonic();
    await writeFile(path.join(dir, `f${index % 5}`), 'x'.repeat(1000), { mode: 0o600 });
    await readFile(path.join(dir, `f${index % 5}`));
    if (clock.monotonic() !== before) moved.push(index);
  }
  stop = true;
  await ticker;
  assert.deepEqual(moved, [], 'drill time moved while a file was being written or read');
});

test('an aborted sleep rejects with the reason and never moves time', async () => {
  const clock = virtualClock();
  const controller = new AbortController();
  const long = clock.sleep(10 * 3_600_000, controller.signal);
  const short = clock.sleep(1000).then(() => controller.abort(new Error('stop')));
  await assert.rejects(long, { message: 'stop' });
  await short;
  await clock.sleep(0);
  assert.equal(clock.monotonic(), 1000);
});

test('a real sleep longer than the 2^31 ms timer limit waits instead of firing at once', async () => {
  const controller = new AbortController();
  let settled = false;
  const sleeping = sleepReal(2 ** 31 + 5, controller.signal).then(
    () => (settled = true),
    () => 'aborted',
  );
  await sleepReal(50);
  assert.equal(settled, false, 'a 24.9-day sleep did not end after 50 ms');
  controller.abort(new Error('done'));
  assert.equal(await sleeping, 'aborted');
});

// Parallel phases, a timeout, teardown: every figure worked out by hand.
const HAND_COMPUTED = `apiVersion: dr-drill.io/v1
kind: Drill
name: hand-computed
scenario: cold-start
target: sim
objectives:
  rto: { both-restores: 1h }
milestones:
  both-restores: { after: [left-restore, right-restore] }
phases:
  - name: start
    steps:
      - { id: begin, kind: command, timeout: 2h, with: { run: [task, begin] } }
  - name: left
    dependsOn: [start]
    steps:
      - { id: left-restore, kind: command, timeout: 2h, with: { run: [task, left] } }
  - name: right
    dependsOn: [start]
    steps:
      - { id: right-restore, kind: command, timeout: 2h, with: { run: [task, right] } }
  - name: late
    dependsOn: [left, right]
    steps:
      - { id: stuck, kind: command, timeout: 5m, with: { run: [task, stuck] } }
finally:
  - { id: cleanup, kind: command, timeout: 2h, with: { run: [task, cleanup] } }
targets:
  sim:
    durations: { task/begin: 10m, task/left: 20m, task/right: 45m, task/stuck: 1h, task/cleanup: 2m }
`;

async function handComputedFigures(): Promise<unknown> {
  const dir = await tempDir();
  const file = path.join(dir, 'hand.yaml');
  await writeFile(file, HAND_COMPUTED);
  const { result } = await runDrill({ file, target: 'sim', outDir: path.join(dir, 'out'), env: {} });
  return {
    steps: result.steps.map((step) => [step.id, step.status, step.startMs, step.durationMs]),
    milestones: result.milestones.map((milestone) => [milestone.name, milestone.rtoMs]),
    durationMs: result.run.durationMs,
  };
}

const EXPECTED = {
  steps: [
    ['begin', 'passed', 0, 600_000],
    // Left: 20m, from 10m to 30m.
    ['left-restore', 'passed', 600_000, 1_200_000],
    // Right: 45m, from 10m to 55m: the milestone is reached when the slower branch ends.
    ['right-restore', 'passed', 600_000, 2_700_000],
    // Times out after exactly 5m (the simulated task stops at once when aborted).
    ['stuck', 'timed-out', 3_300_000, 300_000],
    ['cleanup', 'passed', 3_600_000, 120_000],
  ],
  milestones: [['both-restores', 3_300_000]],
  durationMs: 3_720_000,
};

test('hand-computed figures come out to the millisecond, also with the other core busy', async () => {
  assert.deepEqual(await handComputedFigures(), EXPECTED);
  const burner = new Worker('const end = Date.now() + 60000; while (Date.now() < end) {}', { eval: true });
  try {
    for (let run = 0; run < 3; run++) assert.deepEqual(await handComputedFigures(), EXPECTED, `run ${run + 1} under load`);
  } finally {
    await burner.terminate();
  }
});

test('a pace only slows the replay down; the figures stay the same', async () => {
  const dir = await tempDir();
  const fast = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: path.join(dir, 'fast'), env: {} });
  const paced = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: path.join(dir, 'paced'), env: {}, timeScale: 60_000 });
  const figures = (result: typeof fast.result) => ({ status: result.status, rto: result.milestones.map((m) => m.rtoMs), rpo: result.rpo.map((r) => r.achievedMs), steps: result.steps.map((s) => [s.id, s.startMs, s.durationMs]) });
  assert.equal(fast.result.status, 'passed');
  assert.deepEqual(figures(paced.result), figures(fast.result));
});

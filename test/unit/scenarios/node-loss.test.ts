import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { nodes } from '../../../src/targets/sim/cluster-content.ts';
import { ObjectStore } from '../../../src/targets/sim/store.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import { drillYaml, planFrom, tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';
import { simWithWebWorkload, webPod } from '../../helpers/sim-web-workload.ts';
import { realSession, runPlan } from '../../fakes/real-session.ts';

const DRILL = path.join(REPO, 'drills/node-loss.yaml');

test('node-loss on sim: drain moves the workloads to the healthy worker, the node is reset, reprovisioned and back; RTOs from the failure', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {} });
  assert.equal(result.status, 'passed', result.reason);
  const step = (id: string) => result.steps.find((candidate) => candidate.id === id)!;
  const milestone = (name: string) => result.milestones.find((candidate) => candidate.name === name)!;
  // The drain evicts the pods on taskfile-w4 (least-loaded placement put four there); they are gone
  // after the 5s termination, their replacements on taskfile-w5 Ready 30s after the eviction.
  assert.equal(step('drain').durationMs, 5_000);
  assert.equal((step('drain').outputs.evicted as string[]).length, 4);
  assert.equal(milestone('workloads-rescheduled').rtoMs, 30_000);
  // + talosctl reset 2m + task talos:apply-node 2m + boot 1m30s; uncordon and the last check are immediate.
  assert.equal(milestone('node-replaced').rtoMs, 30_000 + 120_000 + 120_000 + 90_000);
  assert.equal(milestone('node-replaced').fromMs, step('baseline').endMs);
  // node-ready, uncordon and workloads-ready end at the same instant: the path ends at the first of them.
  assert.deepEqual(milestone('node-replaced').criticalPath, ['drain', 'rescheduled', 'talos-reset', 'reprovision', 'node-ready']);
  assert.equal(step('cluster-destroy').status, 'passed');
});

test('node-loss: a reprovisioned node that never becomes Ready turns the drill red; teardown still runs; controls are detected', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {}, faults: new Map([['node-ready', 'fail']]) });
  assert.equal(result.status, 'failed');
  assert.equal(result.steps.find((step) => step.id === 'node-ready')!.status, 'timed-out');
  assert.equal(result.milestones.find((milestone) => milestone.name === 'node-replaced')!.verdict, 'not-reached');
  assert.equal(result.steps.find((step) => step.id === 'cluster-destroy')!.status, 'passed');
  const controls = await runDrill({ file: DRILL, target: 'sim', outDir: path.join(out, 'c'), env: {}, controls: true });
  assert.deepEqual(controls.result.controls!.map((control) => [control.name, control.status]), [
    ['workloads-stranded', 'detected'],
    ['node-never-ready', 'detected'],
  ]);
});

const drainPlan = (withInputs: string) =>
  planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - id: drain\n        kind: k8s.drain\n        timeout: 10m\n        with: ${withInputs}\n`));

test('k8s.drain respects a PodDisruptionBudget: 429 is retried until the first replacement is Ready', async () => {
  const session = simWithWebWorkload({ replicas: 2, minAvailable: 1 });
  const { world } = session;
  // Both replicas on the node to drain: the second may go only once the first is replaced.
  world.store.create(webPod('web-0123456789-aaaaa', 't-w4'));
  world.store.create(webPod('web-0123456789-bbbbb', 't-w4'));
  const dir = await tempDir();
  const { outcome } = await runPlan(drainPlan('{ node: t-w4 }'), { session, env: {}, workDir: dir });
  const record = outcome.records.get('drain')!;
  assert.equal(record.status, 'passed', record.error?.message);
  // Refused at 0, 5, ..., 25s; the replacement on t-w5 is Ready at 30s, the retry then passes, the pod is gone at 35s.
  assert.equal(record.outputs.disruptionBudgetRefusals, 6);
  assert.equal(record.endMs! - record.startMs!, 35_000);
  const left = world.store.list('v1', 'Pod').map((item) => item.spec?.nodeName);
  assert.deepEqual(left, ['t-w5', 't-w5']);
  assert.equal(world.store.get({ apiVersion: 'v1', kind: 'Node', name: 't-w4' })!.spec?.unschedulable, true);
  await session.close();
});

test('k8s.drain on an existing cluster refuses nodes the run did not create unless named with allowUnowned; never a control-plane node by default', async () => {
  const dir = await tempDir();
  const run = async (inputs: string, label?: string) => {
    const store = new ObjectStore(systemClock());
    for (const node of nodes('prod')) store.upsert(label && node.metadata.name === 'prod-w4' ? { ...node, metadata: { ...node.metadata, labels: { ...node.metadata.labels, 'dr-drill.io/run': label } } } : node);
    const session = realSession();
    session.clusterFor = async () => store.asCluster();
    const { outcome } = await runPlan(drainPlan(inputs), { session, env: {}, workDir: dir });
    return { record: outcome.records.get('drain')!, store };
  };
  const named = await run('{ node: prod-w4 }');
  assert.equal(named.record.error?.code, 'EPRODTARGET');
  assert.match(named.record.error!.message, /refusing to drain node prod-w4: this drill run did not create it/);
  assert.equal(named.store.get({ apiVersion: 'v1', kind: 'Node', name: 'prod-w4' })!.spec?.unschedulable, undefined, 'nothing was cordoned');
  assert.equal((await run('{ labelSelector: "kubernetes.io/hostname", allowUnowned: true }')).record.error?.code, 'EINPUT');
  const bySelector = await run('{ labelSelector: "dr-drill.io/run=other" }', 'other');
  assert.match(bySelector.record.error!.message, /refusing to drain node prod-w4/);
  assert.equal((await run('{ node: prod-w4, allowUnowned: true }')).record.status, 'passed');
  assert.equal((await run('{ labelSelector: "dr-drill.io/run=r1" }', 'r1')).record.status, 'passed');
  const controlPlane = await run('{ node: prod-cp1, allowUnowned: true }');
  assert.match(controlPlane.record.error!.message, /refusing to drain control-plane node prod-cp1/);
});

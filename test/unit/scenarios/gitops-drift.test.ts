import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { drillYaml, planFrom, tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

const DRILL = path.join(REPO, 'drills/gitops-drift.yaml');

test('gitops-drift on sim: the bad revision is fetched, applied and detected, the revert is reconciled, RTO counted from the bad revision stored by Flux\'s source, RPO from the content returned to', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {}, runId: 'drift-test1' });
  assert.equal(result.status, 'passed', result.reason);
  const step = (id: string) => result.steps.find((candidate) => candidate.id === id)!;
  const recovered = result.milestones.find((milestone) => milestone.name === 'recovered-from-drift')!;
  assert.equal(recovered.from, 'bad-revision-fetched');
  // The GitRepository's Ready message names the revision it stored, so its lastTransitionTime moved
  // when the source stored the bad one: the first 1m interval fetch after the push (the
  // GitRepository was created by flux bootstrap after its 5s clone and 1m install; fetches every
  // minute since), plus the 3s fetch. The sim's watch sees it at that very (whole) second, so the
  // start is the step's end here.
  const fetched = step('bad-revision-fetched');
  const bad = String(step('bad-commit').outputs.revision);
  assert.equal(fetched.outputs.value, `drill/drift-test1@sha1:${bad}`);
  assert.equal(fetched.observedSinceSource, 'GitRepository flux-system/flux-system Ready lastTransitionTime');
  const created = step('flux-bootstrap').startMs! + 5_000 + 60_000;
  const tick = created + Math.ceil((step('bad-commit').endMs! - created) / 60_000) * 60_000;
  assert.equal(fetched.observedSinceMs, tick + 3_000);
  assert.equal(fetched.observedSinceMs, fetched.endMs);
  assert.equal(recovered.fromMs, fetched.observedSinceMs);
  assert.equal(recovered.fromSource, undefined);
  // The apps Kustomization's Ready (Unknown, then True as Flux applied it) comes later: one 30s
  // dependsOn requeue while infrastructure-configs re-applies, then its own 15s apply and prune.
  // Counting from it would leave those 45s, the damage itself, out of the RTO.
  const applied = step('bad-revision-applied');
  assert.equal(applied.observedSinceSource, 'Kustomization flux-system/apps Ready lastTransitionTime');
  assert.equal(applied.observedSinceMs, applied.endMs);
  assert.equal(applied.observedSinceMs! - recovered.fromMs!, 30_000 + 15_000);
  assert.ok(fetched.observedSinceMs! > step('bad-commit').startMs! && step('flux-ready').observedSinceMs! < step('bad-commit').startMs!, JSON.stringify([step('flux-ready').observedSinceMs, fetched.observedSinceMs]));
  // the bad revision applied (45s) + damage check 150ms + revert (clone 5s, push 2s) + reconcile: the source fetches the revert (3s),
  // infrastructure-configs waits one 30s requeue for infrastructure-controllers (15s apply), apps one
  // more for configs (15s), then apps applies and waits for the re-created Deployment (2m) +
  // flux get ks (0) + the app check (150ms).
  assert.equal(step('reconcile').durationMs, 3_000 + 30_000 + 30_000 + 120_000);
  assert.equal(recovered.rtoMs, 45_000 + 150 + 7_000 + 183_000 + 150);
  assert.deepEqual(recovered.criticalPath, ['bad-revision-applied', 'damage-detected', 'revert', 'reconcile', 'flux-status', 'app-recovered']);
  assert.equal(recovered.verdict, 'met');
  // The revert returned to production's HEAD at T0 (configAge 20m before T0), not to the revert commit's time.
  assert.equal(step('revert').outputs.contentRevision, step('git-head').outputs.revision);
  const rpo = result.rpo.find((entry) => entry.dataClass === 'cluster-config')!;
  assert.equal(rpo.achievedMs, 20 * 60_000);
  assert.match(rpo.samples[0]!.source, /^git commit [0-9a-f]{12} committer time/);
  // The destructive commit went to the drill's branch, which teardown deletes again.
  assert.equal(step('bad-commit').outputs.parent, step('git-head').outputs.revision);
  assert.deepEqual(step('delete-drill-branch').outputs, { deleted: true, revision: step('revert').outputs.revision });
});

test('gitops-drift: a Flux that cannot apply the revert turns the drill red, teardown still runs', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {}, faults: new Map([['reconcile', 'fail']]) });
  assert.equal(result.status, 'failed');
  const reconcile = result.steps.find((step) => step.id === 'reconcile')!;
  // HealthCheckFailed is a failure Flux retries by itself: flux.wait waits it out until its timeout, then names it.
  assert.equal(reconcile.status, 'timed-out');
  assert.match(reconcile.error!.message, /HealthCheckFailed/);
  assert.equal(result.milestones.find((milestone) => milestone.name === 'recovered-from-drift')!.verdict, 'not-reached');
  assert.equal(result.rpo[0]!.verdict, 'not-reached');
  assert.deepEqual(result.steps.filter((step) => step.finally).map((step) => [step.id, step.status]), [['cluster-destroy', 'passed'], ['delete-drill-branch', 'passed']]);
});

test('gitops-drift: every negative control is detected on sim', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {}, controls: true });
  assert.equal(result.status, 'passed', result.reason);
  assert.deepEqual(result.controls!.map((control) => [control.name, control.status]), [
    ['revert-not-applied', 'detected'],
    ['app-still-broken', 'detected'],
    ['damage-not-visible', 'detected'],
  ]);
});

test('Git steps refuse a branch that is not the run\'s own: a destructive commit never reaches a shared branch', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'shared.yaml');
  await writeFile(file, drillYaml(`phases:
  - name: p
    steps:
      - id: bad
        kind: git.commit
        with: { url: "https://git.sim.dr-drill.invalid/homelab/gitops.git", branch: main, remove: [README.md], message: oops }
`));
  const { result } = await runDrill({ file, target: 'sim', outDir: path.join(dir, 'out'), env: {}, runId: 'shared-1' });
  const bad = result.steps[0]!;
  assert.equal(bad.status, 'failed');
  assert.equal(bad.error!.code, 'EPRODTARGET');
  assert.match(bad.error!.message, /refusing to change branch "main": it is not this drill run's branch/);
});

test('a milestone measured from a step: the step must exist, not be a finally step, and end before every after step', () => {
  const phases = `phases:
  - name: p
    steps:
      - { id: a, kind: command, with: { run: ["true"] } }
      - { id: b, kind: command, with: { run: ["true"] } }
finally:
  - { id: z, kind: command, with: { run: ["true"] } }
`;
  assert.throws(() => planFrom(drillYaml(`milestones:\n  m: { after: [a], from: b }\n${phases}`)), /milestone "m" is measured from step "b", which does not finish before a/);
  assert.throws(() => planFrom(drillYaml(`milestones:\n  m: { after: [b], from: nope }\n${phases}`)), /milestone "m" is measured from unknown step "nope"/);
  assert.throws(() => planFrom(drillYaml(`milestones:\n  m: { after: [b], from: z }\n${phases}`)), /measured from finally step "z"/);
  assert.equal(planFrom(drillYaml(`milestones:\n  m: { after: [b], from: a }\n${phases}`)).milestones[0]!.from, 'a');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { runControls, withControls } from '../../../src/controls/run-controls.ts';
import { readResult } from '../../../src/result/io.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

test('negative controls of the cold-start drill: each faulted run turns red where it should, and every report says so', async () => {
  const out = await tempDir();
  const { result } = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: out, env: {}, controls: true });
  assert.equal(result.status, 'passed', result.reason);
  assert.deepEqual(
    result.controls!.map((control) => [control.name, control.status, control.failedSteps.includes(Object.keys(control.faults)[0]!)]),
    [
      ['corrupted-velero-backup', 'detected', true],
      ['corrupted-volume-data', 'not-applicable', false],
      ['missing-canary', 'not-applicable', false],
      ['wrong-age-key', 'not-applicable', false],
      ['broken-gitlab-backup', 'detected', true],
      ['apps-layer-unhealthy', 'detected', true],
    ],
  );
  // The sim target's own faults, with the drill file's reason for the ones it cannot inject.
  assert.deepEqual(result.controls![0]!.faults, { 'velero-restore': 'fail' });
  assert.equal(result.controls!.find((control) => control.name === 'missing-canary')!.reason, 'not applicable on sim: the simulated backups hold no canary records (the data RPO comes from the Velero backup\'s start time)');
  const saved = await readResult(path.join(out, 'result.json'));
  assert.deepEqual(saved.controls, result.controls);
  const faulted = await readResult(path.join(out, 'controls', 'corrupted-velero-backup', 'result.json'));
  assert.equal(faulted.status, 'failed');
  assert.equal(faulted.run.id, `${result.run.id}-c1`);
  assert.equal(faulted.steps.find((step) => step.id === 'terraform-destroy')!.status, 'passed', 'the faulted run tears down too');
  // The faulted run's own reports say it was red on purpose.
  assert.deepEqual(faulted.run.faults, { 'velero-restore': 'fail' });
  assert.equal(saved.run.faults, undefined);
  assert.match(await readFile(path.join(out, 'controls', 'corrupted-velero-backup', 'summary.md'), 'utf8'), /^> Faults injected on purpose: velero-restore=fail\.$/m);
  assert.match(await readFile(path.join(out, 'controls', 'corrupted-velero-backup', 'junit.xml'), 'utf8'), /<property name="fault.velero-restore" value="fail"\/>/);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="cold-start \/ \d+ negative-controls"[^>]* failures="0"/);
  assert.match(junit, /control corrupted-velero-backup: the Velero backup cannot be restored" time="0">\s*<system-out>detected: turned red as expected: [^<]*\nfaults: velero-restore=fail\nreports: controls\/corrupted-velero-backup</);
  assert.match(junit, /control missing-canary: [^"]* \(not applicable\)"[^>]*>\s*<skipped message="not applicable on sim: /);
  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  assert.match(summary, /\| corrupted-velero-backup \| the Velero backup cannot be restored \(velero-restore=fail\) \| ✅ detected: turned red as expected/);
  assert.match(summary, /\| wrong-age-key \| .* \| ➖ not-applicable: not applicable on sim: /);
});

test('a control is detected by the objective it names (rpo:<class>, rto:<milestone>), and not by one that was met', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'objectives.yaml');
  await writeFile(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: objectives
scenario: namespace-restore
targets: { sim: { cluster: existing } }
objectives: { rto: { restored: 4h }, rpo: { data: 24h } }
milestones: { restored: { after: [restore] } }
phases:
  - name: p
    steps:
      - { id: restore, kind: velero.restore, timeout: 12h, rpo: data, with: { schedule: daily, includedNamespaces: [paperless] } }
controls:
  - { name: by-rpo, faults: { restore: fail }, detectedBy: ["rpo:data"] }
  - { name: by-rto, faults: { restore: slow }, detectedBy: ["rto:restored"] }
  - { name: slow-but-fresh, faults: { restore: slow }, detectedBy: ["rpo:data"] }
`,
  );
  const { result } = await runDrill({ file, target: 'sim', outDir: path.join(dir, 'out'), env: {}, controls: true });
  const [byRpo, byRto, fresh] = result.controls!;
  assert.equal(byRpo!.status, 'detected', byRpo!.reason);
  assert.equal(byRto!.status, 'detected', byRto!.reason);
  // Ten times slower misses the RTO, but the restored data is as fresh as ever: the RPO caught nothing.
  assert.equal(fresh!.status, 'not-detected');
  assert.match(fresh!.reason, /^the faulted run failed, but not in rpo:data \(failed: rto:restored; /);
  assert.equal(result.status, 'failed');
  assert.match(result.reason, /^negative control slow-but-fresh not-detected: /);
});

test('a control the drill fails to detect fails the drill, with the reason in result, JUnit and summary', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'blind.yaml');
  await writeFile(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: blind
scenario: cold-start
phases:
  - name: p
    steps:
      - { id: restore, kind: command, timeout: 2h, with: { run: [task, restore] } }
      - { id: check, kind: command, with: { run: ["true"] } }
controls:
  - name: slow-restore-unnoticed
    description: a restore ten times slower than usual, which no objective guards
    faults: { restore: slow }
  - name: wrong-step-fails
    faults: { restore: fail }
    detectedBy: [check]
`,
  );
  const out = path.join(dir, 'out');
  const { result } = await runDrill({ file, target: 'sim', outDir: out, env: {}, controls: true });
  assert.equal(result.status, 'failed');
  assert.equal(result.exitCode, 1);
  assert.match(result.reason, /^negative controls slow-restore-unnoticed not-detected, wrong-step-fails not-detected: /);
  const [slow, wrong] = result.controls!;
  assert.match(slow!.reason, /^the faulted run ended passed/);
  assert.match(wrong!.reason, /^the faulted run failed, but not in check \(failed: restore;/);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<failure message="not detected: the faulted run ended passed/);
});

test('controls name only steps the drill has', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.yaml');
  await writeFile(file, `apiVersion: dr-drill.io/v1\nkind: Drill\nname: bad\nscenario: cold-start\nphases:\n  - name: p\n    steps: [{ id: a, kind: command, with: { run: ["true"] } }]\ncontrols:\n  - name: c\n    faults: { ab: fail }\n`);
  await assert.rejects(runDrill({ file, target: 'sim', outDir: path.join(dir, 'out'), env: {}, controls: true }), (error: Error & { errors?: Error[] }) => {
    assert.match(String(error.message), /control "c" names unknown step "ab"/);
    return true;
  });
});

test('a control whose faulted run cannot start (the fault could not be planted) is not detected, and fails a drill that passed', async () => {
  const dir = await tempDir();
  const { result: main } = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: path.join(dir, 'main'), env: {} });
  const control = { name: 'unplantable', description: undefined, faults: { 'velero-restore': 'tampered-backup' as const }, detectedBy: undefined, notApplicable: undefined, problems: [] };
  const controls = await runControls(main, [control], {
    outDir: dir,
    runFaulted: async () => {
      throw new Error('no pack file to tamper with');
    },
  });
  assert.deepEqual(controls.map((item) => [item.status, item.reason]), [['not-detected', 'the faulted run did not start: no pack file to tamper with']]);
  const judged = withControls(main, controls);
  assert.equal(judged.status, 'failed');
  assert.equal(judged.exitCode, 1);
});

test('a faulted run whose fault was never planted (EPLANT) is not detected, even where the control looks', async () => {
  const dir = await tempDir();
  const { result: main } = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: path.join(dir, 'main'), env: {} });
  const control = { name: 'full-nodes', description: undefined, faults: { 'velero-restore': 'no-spare-capacity' as const }, detectedBy: ['velero-restore'], notApplicable: undefined, problems: [] };
  const controls = await runControls(main, [control], {
    outDir: dir,
    runFaulted: async (_control, _faults, _runId, reportDir) => {
      const steps = main.steps.map((step) => (step.id === 'velero-restore' ? { ...step, status: 'failed' as const, error: { code: 'EPLANT', message: "the control's fault could not be planted before velero-restore: no node to fill" } } : step));
      return { result: { ...main, status: 'failed', reason: 'step velero-restore failed', steps }, reportDir };
    },
  });
  assert.equal(controls[0]!.status, 'not-detected');
  assert.match(controls[0]!.reason!, /the fault was never in place: .*no node to fill/);
});

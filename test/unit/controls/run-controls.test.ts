import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
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
      ['broken-gitlab-backup', 'detected', true],
      ['apps-layer-unhealthy', 'detected', true],
    ],
  );
  const saved = await readResult(path.join(out, 'result.json'));
  assert.deepEqual(saved.controls, result.controls);
  const faulted = await readResult(path.join(out, 'controls', 'corrupted-velero-backup', 'result.json'));
  assert.equal(faulted.status, 'failed');
  assert.equal(faulted.run.id, `${result.run.id}-c1`);
  assert.equal(faulted.steps.find((step) => step.id === 'terraform-destroy')!.status, 'passed', 'the faulted run tears down too');
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="cold-start \/ \d+ negative-controls"[^>]* failures="0"/);
  assert.match(junit, /control corrupted-velero-backup: the Velero backup/);
  assert.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /\| corrupted-velero-backup \| .* \| ✅ detected: turned red as expected/);
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

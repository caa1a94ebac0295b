// --skip-preflight is the only way past isolation, and every report of such a run says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const drill = `apiVersion: dr-drill.io/v1
kind: Drill
name: skipped
scenario: namespace-restore
target: sim
targets:
  sim: { cluster: existing }
production: { terraformWorkspaces: [prod] }
phases:
  - name: p
    steps:
      - { id: ns, kind: k8s.wait, with: { apiVersion: v1, kind: Namespace, name: velero, jsonPath: .status.phase, equals: Active } }
`;

test('a run with --skip-preflight says so in result.json, summary.md (a caution block) and junit.xml; a normal run says passed', async () => {
  const dir = await tempDir('dr-drill-skip-');
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, drill);
  const skipped = await runDrill({ file, outDir: path.join(dir, 'skipped'), env: {}, skipPreflight: true });
  assert.equal(skipped.result.run.preflight, 'skipped');
  const summary = await readFile(path.join(dir, 'skipped', 'summary.md'), 'utf8');
  assert.match(summary.split('\n').slice(0, 6).join('\n'), /> \[!CAUTION\]\n> \*\*PREFLIGHT SKIPPED \(--skip-preflight\): nothing proved this drill isolated from production/);
  const junit = await readFile(path.join(dir, 'skipped', 'junit.xml'), 'utf8');
  assert.match(junit, /<property name="preflight" value="skipped"\/>/);
  // A skipped case with the reason in its message and body (what every JUnit consumer shows for a skip).
  assert.match(junit, /<testcase classname="skipped\.preflight" name="preflight: skipped \(--skip-preflight\)"[^>]*>\s*<skipped message="PREFLIGHT SKIPPED[^"]*">PREFLIGHT SKIPPED/);
  assert.equal(JSON.parse(await readFile(path.join(dir, 'skipped', 'result.json'), 'utf8')).run.preflight, 'skipped');

  const checked = await runDrill({ file, outDir: path.join(dir, 'checked'), env: {} });
  assert.equal(checked.result.run.preflight, 'passed');
  assert.doesNotMatch(await readFile(path.join(dir, 'checked', 'summary.md'), 'utf8'), /PREFLIGHT SKIPPED/);
  assert.match(await readFile(path.join(dir, 'checked', 'junit.xml'), 'utf8'), /<property name="preflight" value="passed"\/>/);
});

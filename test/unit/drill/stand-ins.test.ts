// No silent stand-ins: a step a target replaces (another kind, or a declared standIn) or marks not
// applicable is listed with what it stands for in plan, console, result.json, summary.md and JUnit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const GIT = 'https://git.sim.dr-drill.invalid/homelab/gitops.git';
const DRILL = `apiVersion: dr-drill.io/v1
kind: Drill
name: stand-ins
scenario: cold-start
target: sim
targets:
  sim:
    steps:
      declared: { standIn: "the production Git mirror's HEAD; here the simulated remote", with: { url: "${GIT}", branch: main } }
      swapped: { kind: git.head, with: { url: "${GIT}", branch: main } }
      skipped: { notApplicable: nothing to check on sim }
phases:
  - name: p
    steps:
      - { id: declared, kind: git.head, with: { url: "${GIT}", branch: main } }
      - { id: swapped, kind: http.check, with: { url: "https://paperless.example.invalid/" } }
      - { id: skipped, kind: git.head, with: { url: "${GIT}", branch: main } }
      - { id: real, kind: git.head, with: { url: "${GIT}", branch: main } }
`;

const EXPECTED = {
  declared: "the production Git mirror's HEAD; here the simulated remote",
  swapped: 'http.check step "swapped", replaced by git.head',
  skipped: 'git.head step "skipped": not run on this target',
};

test('plan, console, result.json, summary.md and junit.xml list every stand-in with what it stands for', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, DRILL);

  const plan = await runCli(['plan', file]);
  assert.equal(plan.code, 0, plan.stderr);
  for (const text of Object.values(EXPECTED)) assert.ok(plan.stdout.includes(`stand-in for: ${text}`), plan.stdout);
  assert.equal(plan.stdout.match(/stand-in for:/g)?.length, 3);

  const out = path.join(dir, 'reports');
  const run = await runCli(['run', file, '--out', out]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /▶ declared \[stand-in for: the production Git mirror's HEAD; here the simulated remote\]/);
  assert.match(run.stdout, /▶ swapped \[stand-in for: http\.check step "swapped", replaced by git\.head\]/);
  assert.doesNotMatch(run.stdout, /▶ real \[stand-in/);

  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  assert.deepEqual(Object.fromEntries(result.steps.filter((step) => step.standIn).map((step) => [step.id, step.standIn])), EXPECTED);

  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  assert.match(summary, /### Stand-ins on sim/);
  assert.ok(summary.includes(`- 🔁 **declared** (git.head): ${EXPECTED.declared}`), summary);
  assert.ok(summary.includes(`- 🔁 **skipped** (not run): ${EXPECTED.skipped}`), summary);
  assert.doesNotMatch(summary, /\*\*real\*\* \(/);

  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  for (const text of Object.values(EXPECTED)) assert.ok(junit.includes(`stand-in for: ${text.replace(/'/g, '&apos;').replace(/"/g, '&quot;')}`) || junit.includes(`stand-in for: ${text}`), `${text} not in junit.xml`);
});

test('the local cold-start drill declares every step it replaces or does not run', async () => {
  const plan = await runCli(['plan', 'drills/cold-start.yaml', '--target', 'local']);
  assert.equal(plan.code, 0, plan.stderr);
  const lines = plan.stdout.split('\n');
  const standIns = lines.flatMap((line, index) => (line.trim().startsWith('stand-in for:') ? [lines[index - 1]!.trim().split(/\s+/)[0]] : []));
  assert.deepEqual(standIns, ['talos-health', 'flux-bootstrap', 'cluster-issuer', 'gitlab-db-restore', 'paperless-check', 'jellyfin-check', 'gitlab-check']);
});

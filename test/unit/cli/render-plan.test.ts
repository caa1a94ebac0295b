// `dr-drill plan`: what --controls will inject on the chosen target, and where an RTO counts from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.ts';

test('plan lists each negative control as it runs on the target: its faults and detectors, or why it does not apply', async () => {
  const local = await runCli(['plan', 'drills/cold-start.yaml', '--target', 'local']);
  assert.equal(local.code, 0, local.stderr);
  const section = local.stdout.slice(local.stdout.indexOf('negative controls (--controls) on local'));
  assert.match(section, /^ {2}corrupted-velero-backup +velero-restore=tampered-backup, detected by velero-restore$/m);
  assert.match(section, /^ {2}corrupted-volume-data +paperless-check=tampered-backup, detected by paperless-check$/m);
  assert.match(section, /^ {2}missing-canary +paperless-check=missing-canary, detected by rpo:data$/m);
  assert.match(section, /^ {2}broken-gitlab-backup +not applicable: the sample GitOps tree has no GitLab$/m);
  const sim = await runCli(['plan', 'drills/cold-start.yaml', '--target', 'sim']);
  assert.match(sim.stdout, /^ {2}corrupted-velero-backup +velero-restore=fail, detected by velero-restore$/m);
});

test('plan says which step an RTO counts from, and the instant that step reports as its event', async () => {
  const run = await runCli(['plan', 'drills/gitops-drift.yaml', '--target', 'sim']);
  assert.match(run.stdout, /^ {2}RTO recovered-from-drift +<= 30m 00s after [^\n]*, from bad-revision-fetched \(GitRepository flux-system\/flux-system Ready lastTransitionTime\)$/m);
  assert.match(run.stdout, /^ {2}RTO drift-applied +none after [^\n]*[^,]\w$/m);
});

test('plan marks a control the target cannot inject as refused by --controls there', async () => {
  const { writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const { tempDir } = await import('../../helpers/drill-fixtures.ts');
  const file = path.join(await tempDir(), 'drill.yaml');
  await writeFile(file, 'apiVersion: dr-drill.io/v1\nkind: Drill\nname: c\nscenario: cold-start\ntarget: local\nphases:\n  - name: p\n    steps: [{ id: up, kind: local.up }]\ncontrols:\n  - { name: forced, faults: { up: fail } }\n');
  const run = await runCli(['plan', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ {2}forced +cannot run on local \(--controls refuses it\): control "forced": the local target cannot inject "fail" into step "up"$/m);
});

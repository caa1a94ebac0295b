// The negative-control rules of a plan: per-target overrides, faults each target can inject (and
// into which step kinds), detectors that exist, refusals that name file, field and fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadPlan, runDrill } from '../../../src/run-drill.ts';
import { DrillErrors } from '../../../src/util/errors.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

const STEPS = `phases:
  - name: p
    steps:
      - { id: up, kind: local.up }
      - { id: restore, kind: restic.restore, rpo: data, with: { repository: /backups/restic, passwordFile: /backups/pw } }
      - { id: check, kind: data.check, rpo: data, with: { file: canary.log } }
objectives: { rpo: { data: 24h } }
`;

async function drillFile(body: string): Promise<string> {
  const file = path.join(await tempDir(), 'drill.yaml');
  await writeFile(file, `apiVersion: dr-drill.io/v1\nkind: Drill\nname: c\nscenario: cold-start\ntarget: local\n${body}`);
  return file;
}

/** The messages of a refused drill, each with its field and fix: by the plan, or (faults the target cannot inject) by run --controls before anything runs. */
async function refusal(file: string, target: 'sim' | 'local' = 'local', how: 'plan' | 'run --controls' = 'plan'): Promise<string[]> {
  try {
    if (how === 'plan') await loadPlan(file, target);
    else await runDrill({ file, target, outDir: path.join(path.dirname(file), 'out'), env: {}, controls: true });
  } catch (error) {
    assert.ok(error instanceof DrillErrors, String(error));
    return error.errors.map((item) => `${item.code} ${item.message} [${item.location?.field}] ${item.details}`);
  }
  assert.fail(`${how} did not refuse the drill`);
}

test('on local a control resolves to the faults the local target plants, with each target\'s overrides and reasons', async () => {
  const local = await loadPlan(path.join(REPO, 'drills/cold-start.yaml'), 'local');
  assert.deepEqual(
    local.controls.map((control) => [control.name, control.notApplicable ? 'n/a' : control.faults, control.detectedBy]),
    [
      ['corrupted-velero-backup', { 'velero-restore': 'tampered-backup' }, ['velero-restore']],
      ['corrupted-volume-data', { 'paperless-check': 'tampered-backup' }, ['paperless-check']],
      ['missing-canary', { 'paperless-check': 'missing-canary' }, ['rpo:data']],
      ['wrong-age-key', { 'terraform-apply': 'wrong-age-key' }, ['flux-apps']],
      ['broken-gitlab-backup', 'n/a', ['gitlab-db-restore']],
      ['apps-layer-unhealthy', 'n/a', ['flux-apps']],
    ],
  );
  const sim = await loadPlan(path.join(REPO, 'drills/cold-start.yaml'), 'sim');
  assert.deepEqual(sim.controls[0]!.faults, { 'velero-restore': 'fail' });
  assert.match(sim.controls.find((control) => control.name === 'missing-canary')!.notApplicable!, /no canary records/);
});

test('run --controls refuses a fault the target cannot inject, at its field, naming what the target injects; without --controls the drill runs there', async () => {
  const file = await drillFile(`${STEPS}controls:\n  - { name: forced, faults: { restore: fail } }\n`);
  const plan = await loadPlan(file, 'local');
  assert.match(plan.controls[0]!.problems[0]!.message, /the local target cannot inject "fail"/);
  const [problem, ...rest] = await refusal(file, 'local', 'run --controls');
  assert.deepEqual(rest, []);
  assert.equal(
    problem,
    'EUSAGE control "forced": the local target cannot inject "fail" into step "restore" [controls[0].faults.restore] on local a fault is one of: tampered-backup (into velero.restore or restic.restore or data.check), missing-canary (into restic.restore or data.check), wrong-age-key (into terraform.apply or local.up), no-spare-capacity (into k8s.drain), node-without-kubelet (into local.node-join), prune-disabled (into local.up), source-controller-down (into flux.reconcile or git.revert), quota-exhausted (into git.revert or flux.reconcile), stale-decryption-secret (into local.up), foreign-sops-file (into sops.rotate); or give it targets.local.controls.forced with faults: this target injects, or notApplicable: why not',
  );
});

test('a planted fault attached to a step of the wrong kind is refused, naming the kinds it goes into', async () => {
  const file = await drillFile(`${STEPS}controls:\n  - { name: tampered, faults: { up: tampered-backup } }\n  - { name: key, faults: { restore: wrong-age-key } }\n`);
  const problems = await refusal(file, 'local', 'run --controls');
  assert.match(problems[0]!, /^EUSAGE control "tampered": the local target injects "tampered-backup" only into velero.restore or restic.restore or data.check steps; "up" is local.up here \[controls\[0\]\.faults\.up\] attach tampered-backup to the velero.restore or restic.restore or data.check step/);
  assert.match(problems[1]!, /^EUSAGE control "key": the local target injects "wrong-age-key" only into terraform.apply or local.up steps; "restore" is restic.restore here \[controls\[1\]\.faults\.restore\]/);
});

test('the sim target refuses planted faults, and a target override is checked at its own field', async () => {
  const file = await drillFile(`${STEPS}targets:\n  sim: { cluster: existing, controls: { stale: { faults: { restore: missing-canary } } } }\n  local: {}\ncontrols:\n  - { name: stale, faults: { restore: missing-canary }, detectedBy: ["rpo:data"] }\n`);
  const problems = await refusal(file, 'sim', 'run --controls');
  assert.match(problems[0]!, /^EUSAGE control "stale": the sim target cannot inject "missing-canary" into step "restore" \[targets\.sim\.controls\.stale\.faults\.restore\] on sim a fault is one of: fail \(into any step\), hang \(into any step\), slow \(into any step\)/);
});

test('detectors name steps, milestones (rto:) and data classes (rpo:) the drill has; overrides name controls it has', async () => {
  const file = await drillFile(`${STEPS}targets:\n  local: { controls: { tampred: { notApplicable: typo } } }\ncontrols:\n  - { name: tampered, faults: { restore: tampered-backup }, detectedBy: [restor, "rto:restored", "rpo:config"] }\n  - { name: tampered, faults: { restore: missing-canary } }\n`);
  const problems = await refusal(file);
  assert.deepEqual(problems.map((problem) => problem.split(' [')[0]), [
    'EUNKNOWNREF targets.local.controls names unknown control "tampred"',
    'EUNKNOWNREF control "tampered" names unknown step "restor"',
    'EUNKNOWNREF control "tampered" is detected by unknown milestone "restored"',
    'EUNKNOWNREF control "tampered" is detected by data class "config", which has no RPO objective',
    'EDRILLSCHEMA duplicate control name "tampered"',
  ]);
  assert.match(problems[0]!, /override one of: tampered$/);
  assert.match(problems[3]!, /\[controls\[0\]\.detectedBy\[2\]\] use rpo:<data class> with one of: data$/);
});

test('a detector that is neither a step id nor rto:/rpo: is a schema error', async () => {
  const file = await drillFile(`${STEPS}controls:\n  - { name: c, faults: { restore: tampered-backup }, detectedBy: ["objective:data"] }\n`);
  await assert.rejects(loadPlan(file, 'local'), /a step id, or rto:<milestone> or rpo:<data class>/);
});

test('--controls on a target that injects no faults, and --fault with a fault the target lacks, are refused before anything runs', async () => {
  const file = await drillFile(`${STEPS}controls:\n  - { name: c, faults: { restore: tampered-backup } }\ntargets: { kubeconfig: { kubeconfig: /nonexistent } }\n`);
  const out = path.join(path.dirname(file), 'out');
  await assert.rejects(runDrill({ file, target: 'kubeconfig', outDir: out, env: {}, controls: true }), (error: Error & { details?: string }) => {
    assert.equal(error.message, '--controls: the kubeconfig target injects no faults, so no control can run there');
    assert.equal(error.details, 'run the controls with --target sim or --target local, or drop --controls');
    return true;
  });
  await assert.rejects(runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: out, env: {}, faults: new Map([['velero-restore', 'tampered-backup']]) }), (error: Error & { details?: string }) => {
    assert.equal(error.message, '--fault velero-restore=tampered-backup: the sim target cannot inject "tampered-backup" into step "velero-restore"');
    assert.match(error.details!, /^on sim a fault is one of: fail/);
    return true;
  });
});

test('a control whose faulted steps do not run on the target does not apply there, with their reasons; a mix is refused', async () => {
  const skipped = await drillFile(`${STEPS}targets:\n  local: { steps: { restore: { notApplicable: no backup here } } }\ncontrols:\n  - { name: skipped, faults: { restore: fail } }\n`);
  assert.equal((await loadPlan(skipped, 'local')).controls[0]!.notApplicable, 'the step it faults does not run on local: restore (no backup here)');
  const file = await drillFile(`${STEPS}targets:\n  local: { steps: { check: { notApplicable: no canary here } } }\ncontrols:\n  - { name: both, faults: { check: tampered-backup, restore: tampered-backup } }\n`);
  const [problem] = await refusal(file, 'local', 'run --controls');
  assert.match(problem!, /^EUSAGE control "both": it injects "tampered-backup" into step "check", which is not applicable on local \[controls\[0\]\.faults\.check\]/);
});

test('gitops-drift on local plants its faults in the world the drill meets; on sim the steps themselves fail', async () => {
  const local = await loadPlan(path.join(REPO, 'drills/gitops-drift.yaml'), 'local');
  assert.deepEqual(
    local.controls.map((control) => [control.name, control.notApplicable ?? control.faults, control.detectedBy, control.problems]),
    [
      ['revert-not-applied', { reconcile: 'source-controller-down' }, ['reconcile'], []],
      ['app-still-broken', { revert: 'quota-exhausted' }, ['reconcile'], []],
      ['damage-not-visible', { cluster: 'prune-disabled' }, ['damage-detected'], []],
    ],
  );
  assert.deepEqual(
    local.controls.map((control) => Object.keys(control.faults).map((id) => local.steps.find((step) => step.id === id)!.kind)),
    [['flux.reconcile'], ['git.revert'], ['local.up']],
  );
  const sim = await loadPlan(path.join(REPO, 'drills/gitops-drift.yaml'), 'sim');
  assert.deepEqual(sim.controls.map((control) => [control.name, control.faults, control.detectedBy]), [
    ['revert-not-applied', { reconcile: 'fail' }, ['reconcile']],
    ['app-still-broken', { 'app-recovered': 'fail' }, ['app-recovered']],
    ['damage-not-visible', { 'damage-detected': 'fail' }, ['damage-detected']],
  ]);
});

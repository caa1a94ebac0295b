// The local target's pieces that need no cluster: what the shipped drill runs there, the backup
// it stages before T0 (real restic), and local.up / local.down refusing other targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPlan } from '../../../../src/run-drill.ts';
import { canaryLog, resticTimeArgument, stageBackup } from '../../../../src/targets/local/backup.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { runCli } from '../../../helpers/cli.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { requireTools } from '../../../helpers/tools.ts';

/** The pinned restic, built from the Go module proxy on first use; stageBackup runs `restic` from this process's PATH. */
const restic = await requireTools(['restic']);
process.env.PATH = restic.PATH;

const COLD_START = new URL('../../../../drills/cold-start.yaml', import.meta.url).pathname;

test('on the local target the cold-start drill provisions with real tofu and restores with the real velero.restore, each stand-in declared', async () => {
  const plan = await loadPlan(COLD_START, 'local');
  const kinds = Object.fromEntries([...plan.steps, ...plan.finallySteps].map((step) => [step.id, step.notApplicable ? `n/a: ${step.notApplicable}` : step.kind]));
  assert.deepEqual(kinds, {
    'git-head': 'git.head',
    'terraform-apply': 'terraform.apply',
    'talos-health': 'k8s.wait',
    'flux-bootstrap': 'k8s.wait',
    'flux-controllers': 'flux.wait',
    'ingress-ip': 'k8s.wait',
    'flux-configs': 'flux.wait',
    'cluster-issuer': 'k8s.wait',
    'flux-apps': 'flux.wait',
    'velero-restore': 'velero.restore',
    'gitlab-db-restore': 'n/a: the sample GitOps tree has no GitLab',
    'paperless-check': 'data.check',
    'jellyfin-check': 'k8s.wait',
    'gitlab-check': 'n/a: the sample GitOps tree has no GitLab',
    'terraform-destroy': 'terraform.destroy',
  });
  const apply = plan.steps.find((step) => step.id === 'terraform-apply')!;
  assert.deepEqual([apply.spec.with.binary, apply.spec.with.dir, apply.spec.with.backendConfig], ['tofu', '${target.terraformDir}', ['${target.terraformBackendConfig}']]);
  assert.equal(apply.standIn, undefined, 'real OpenTofu is no stand-in');
  const velero = plan.steps.find((step) => step.id === 'velero-restore')!;
  assert.equal(velero.standIn, undefined, 'the real Velero restore is no stand-in');
  assert.deepEqual(velero.spec.with, { schedule: 'daily', includedNamespaces: ['paperless', 'mediabox'] });
  const paperless = plan.steps.find((step) => step.id === 'paperless-check')!;
  assert.equal(paperless.rpoClass, 'data', 'a target override can count a step towards a data class');
  assert.deepEqual((paperless.spec.with.command as string[]).slice(0, 2), ['restic', '--repo'], 'restic restores the volume data the check reads');
  assert.deepEqual(plan.variables.GIT_URL, '${target.gitUrl}');
  // The sim plan of the same file is untouched by the local overrides.
  const sim = await loadPlan(COLD_START, 'sim');
  assert.equal(sim.steps.find((step) => step.id === 'terraform-apply')!.kind, 'terraform.apply');
  assert.equal(sim.steps.find((step) => step.id === 'paperless-check')!.rpoClass, undefined);
});

test('dr-drill validate checks every target a drill configures, not just the default', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'drill.yaml');
  // The local override's tofu inputs are checked against the kind it names, like the default target's.
  writeFileSync(file, readFileSync(COLD_START, 'utf8').replace('          talosconfigOutput: ""   # no Talos here', '          talosconfig: ""'));
  const run = await runCli(['validate', file]);
  assert.equal(run.code, 3, run.stdout);
  assert.match(run.stderr, /EINPUT unknown input "talosconfig" \(field targets\.local\.steps\.terraform-apply\.with\.talosconfig\)/);
  const good = await runCli(['validate', COLD_START]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /valid for sim, local \(/);
});

test('dr-drill plan shows what a target does not run, and why', async () => {
  const run = await runCli(['plan', COLD_START, '--target', 'local']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ {2}gitlab-db-restore +- +not applicable on local: the sample GitOps tree has no GitLab$/m);
  assert.match(run.stdout, /^ {2}terraform-apply +terraform\.apply +timeout 5m 00s/m);
  assert.match(run.stdout, /^ {2}gitlab-db-restore .*\n {27}stand-in for: GitLab's backup-utility database restore \(not run\)$/m);
});

test('the staged backup is a real restic snapshot dated backupAge before it was made; its canary ends at that moment', { skip: restic.skip }, async () => {
  const dir = await tempDir();
  const now = Date.parse('2026-11-26T12:00:00.400Z');
  const backup = await stageBackup(dir, { ageMs: 5 * 3_600_000, now });
  assert.equal(backup.snapshotTime, Date.parse('2026-11-26T07:00:00Z'));
  const env = { ...process.env, RESTIC_PASSWORD_FILE: backup.passwordFile, RESTIC_CACHE_DIR: path.join(dir, 'cache') };
  const snapshots = JSON.parse(execFileSync(restic.paths.restic!, ['-r', backup.repository, 'snapshots', '--json'], { env, encoding: 'utf8' })) as { time: string; hostname: string; paths: string[]; tags: string[]; short_id: string }[];
  assert.equal(snapshots.length, 1);
  assert.equal(Date.parse(snapshots[0]!.time), backup.snapshotTime);
  assert.deepEqual([snapshots[0]!.hostname, snapshots[0]!.paths, snapshots[0]!.tags], [backup.host, [backup.dataDir], ['daily']]);
  assert.ok(backup.snapshotId.startsWith(snapshots[0]!.short_id));
  const canary = readFileSync(path.join(backup.dataDir, 'paperless', 'data', 'canary.log'), 'utf8').trim().split('\n');
  assert.equal(canary.length, 96);
  assert.equal(canary.at(-1), '2026-11-26T07:00:00.000Z canary ok');
  assert.equal(canary[0], '2026-11-25T07:15:00.000Z canary ok');
  assert.equal(resticTimeArgument(Date.parse('2026-01-02T03:04:05.678Z')), '2026-01-02 03:04:05');
  assert.equal(canaryLog(Date.parse('2026-01-02T03:04:05.678Z')).split('\n').at(-2), '2026-01-02T03:04:05.000Z canary ok');
});

test('local.up and local.down refuse to run on any other target, naming the fix', async () => {
  const dir = await tempDir();
  const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - { id: up, kind: local.up }\nfinally:\n  - { id: down, kind: local.down }\n`), undefined, path.join(dir, 'drill.yaml'));
  const { outcome } = await runPlan(plan, { session: realSession(), env: { PATH: process.env.PATH }, workDir: dir });
  for (const [id, kind] of [['up', 'local.up'], ['down', 'local.down']] as const) {
    const record = outcome.records.get(id)!;
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'EINPUT');
    assert.match(record.error!.message, new RegExp(`^${kind.replace('.', '\\.')} runs only on the local target, not kubeconfig$`));
  }
});

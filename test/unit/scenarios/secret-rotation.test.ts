// drills/secret-rotation.yaml on sim (runbook 002 scenario 4): through the CLI as users run it,
// with its figures; a scan of the run's reports for both private keys in every form a leak could
// take; a fault (the new key never put in the cluster) turns it red with Flux's decryption reason
// and teardown recorded; the negative controls are detected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import type { DrillResult } from '../../../src/result/model.ts';
import { recipientOf } from '../../../src/targets/sim/sops-format.ts';
import { Masker } from '../../../src/util/mask.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const DRILL = path.join(REPO, 'drills/secret-rotation.yaml');
const step = (result: DrillResult, id: string) => result.steps.find((candidate) => candidate.id === id)!;
const milestone = (result: DrillResult, name: string) => result.milestones.find((candidate) => candidate.name === name)!;

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

test('secret-rotation on sim through the CLI: rotated, the cluster on the new key, the old key revoked; figures exact', async () => {
  const out = path.join(await tempDir(), 'reports');
  const cli = await runCli(['run', DRILL, '--target', 'sim', '--out', out, '--run-id', 'rot-cli-1']);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  assert.equal(result.status, 'passed');
  // From flux-ready: age-keygen (0) + rotate: clone 5s, 2 files x (updatekeys 1s + rotate 1s), push 2s
  // + verify: clone 5s, 2 files x (old key 1s + new key 1s).
  assert.equal(step(result, 'rotate').durationMs, 5_000 + 4_000 + 2_000);
  assert.equal(step(result, 'old-key-revoked').durationMs, 5_000 + 4_000);
  const rotated = milestone(result, 'secrets-rotated');
  assert.equal(rotated.from, 'flux-ready');
  assert.equal(rotated.verdict, 'met');
  assert.equal(rotated.rtoMs, step(result, 'old-key-revoked').endMs! - step(result, 'flux-ready').endMs!);
  // reconcile: source fetch 3s; apps waits one 30s requeue for infrastructure-configs (on the new
  // revision), applies it (15s), then handles the reconcile request with one more apply (15s).
  assert.equal(step(result, 'reconcile').durationMs, 3_000 + 30_000 + 15_000 + 15_000);
  const onNewKey = milestone(result, 'cluster-on-new-key');
  assert.equal(onNewKey.verdict, 'met');
  assert.deepEqual(onNewKey.criticalPath, ['new-key', 'rotate', 'new-key-in-cluster', 'reconcile']);
  assert.equal(onNewKey.rtoMs, 11_000 + step(result, 'reconcile').durationMs!);
  assert.deepEqual(milestone(result, 'tokens-rotated').notApplicable, ['rotate-1password-token', 'rotate-talos-secrets']);
  assert.equal(milestone(result, 'tokens-rotated').reached, false);
  assert.deepEqual(step(result, 'rotate').outputs.files, ['apps/production/mediabox/secret-jellyfin-api.sops.yaml', 'apps/production/paperless/secret-paperless-secrets.sops.yaml']);
  assert.deepEqual(step(result, 'new-key-in-cluster').outputs, { secret: 'flux-system/sops-age', keys: ['age.agekey'], removed: [], created: false });
  // The token and Talos secret rotations are declared stand-ins, never silent.
  for (const id of ['rotate-1password-token', 'rotate-talos-secrets']) assert.equal(step(result, id).status, 'not-applicable');
  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  assert.match(summary, /secrets-rotated/);
  assert.match(summary, /op connect token create/);
  assert.deepEqual(result.steps.filter((entry) => entry.finally).map((entry) => [entry.id, entry.status]), [['revoke-1password-token', 'not-applicable'], ['cluster-destroy', 'passed'], ['delete-drill-branch', 'passed']]);
});

/** Records every value registered as a secret, so the test knows the keys the sim target generated. */
class RecordingMasker extends Masker {
  readonly registered: string[] = [];
  override add(value: string | undefined | null, options?: { wholeOnly?: boolean }): void {
    if (value) this.registered.push(value);
    super.add(value, options);
  }
}

test('neither private key reaches the run\'s reports or logs in any form', async () => {
  const out = path.join(await tempDir(), 'reports');
  const masker = new RecordingMasker();
  const { result, workDir } = await runDrill({ file: DRILL, target: 'sim', outDir: out, env: {}, runId: 'rot-scan-1', masker, keepWorkDir: true });
  assert.equal(result.status, 'passed', result.reason);
  const newKeyText = await readFile(path.join(workDir, 'new-key.agekey'), 'utf8');
  const newKey = newKeyText.match(/AGE-SECRET-KEY-1\S+/)![0];
  assert.equal(recipientOf(newKey), step(result, 'new-key').outputs.recipient);
  // The old key: the one registered that is the private key of the recipient the files were sealed for.
  const oldRecipient = (step(result, 'rotate').outputs.previousRecipients as string[])[0];
  const oldKey = masker.registered.find((value) => value.startsWith('AGE-SECRET-KEY-1') && recipientOf(value) === oldRecipient);
  assert.ok(oldKey, 'the old key was registered as a secret');
  assert.ok(masker.registered.includes(newKey), 'the new key was registered as a secret');
  const forms = (key: string, file?: string) => [key, key.toLowerCase(), Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex'), JSON.stringify(key), ...(file ? [Buffer.from(file).toString('base64')] : [])];
  const files = await filesBelow(out);
  assert.ok(files.some((file) => file.endsWith('result.json')) && files.some((file) => file.endsWith('new-key-in-cluster.log')));
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const form of [...forms(oldKey), ...forms(newKey, newKeyText)]) assert.ok(!text.includes(form), `${path.relative(out, file)} holds a private key (${form.slice(0, 12)}...)`);
    // Nor what the keys decrypt.
    assert.doesNotMatch(text, /sim-paperless-secret-key-not-real|sim-jellyfin-api-key-not-real/, path.relative(out, file));
  }
});

test('the new key never put in the cluster: the reconcile fails with Flux\'s decryption reason, teardown still runs', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'secret-rotation.yaml');
  const drill = (await readFile(DRILL, 'utf8')).replace('    steps:\n      rotate-1password-token:', '    steps:\n      new-key-in-cluster: { notApplicable: "fault: the operator forgot to put the new key in the cluster" }\n      rotate-1password-token:');
  assert.ok(drill.includes('fault: the operator forgot'));
  await writeFile(file, drill);
  const out = path.join(dir, 'reports');
  const cli = await runCli(['run', file, '--target', 'sim', '--out', out]);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  const reconcile = step(result, 'reconcile');
  assert.equal(reconcile.status, 'failed');
  assert.equal(reconcile.error!.code, 'EFLUX');
  assert.match(reconcile.error!.message, /^Kustomization flux-system\/apps failed on drill\/.+@sha1:[0-9a-f]{40}: BuildFailed: decryption failed for 'Secret\.v1\.\[noGrp\]\/(jellyfin-api|paperless-secrets)': failed to decrypt and format '(mediabox|paperless)\/\1' Secret data: cannot get sops data key: Failed to get the data key required to decrypt the SOPS file\./);
  assert.equal(milestone(result, 'cluster-on-new-key').verdict, 'not-reached');
  assert.equal(step(result, 'old-key-revoked').status, 'skipped');
  assert.deepEqual(result.steps.filter((entry) => entry.finally).map((entry) => [entry.id, entry.status]), [['revoke-1password-token', 'not-applicable'], ['cluster-destroy', 'passed'], ['delete-drill-branch', 'passed']]);
  assert.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /BuildFailed: decryption failed for 'Secret/);
  assert.match(await readFile(path.join(out, 'postmortem.md'), 'utf8'), /BuildFailed: decryption failed for 'Secret/);
});

test('secret-rotation: every negative control is detected on sim', async () => {
  const { result } = await runDrill({ file: DRILL, target: 'sim', outDir: await tempDir(), env: {}, controls: true });
  assert.equal(result.status, 'passed', result.reason);
  assert.deepEqual(result.controls!.map((control) => [control.name, control.status]), [
    ['new-key-not-applied', 'detected'],
    ['new-key-cannot-decrypt', 'detected'],
  ]);
});

test('preflight refuses a rotation pushed to production\'s branch (production.gitBranches) before anything runs', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'secret-rotation.yaml');
  await writeFile(file, (await readFile(DRILL, 'utf8')).replace('  DRILL_BRANCH: drill/${run.id}', '  DRILL_BRANCH: main'));
  const out = path.join(dir, 'reports');
  const cli = await runCli(['run', file, '--target', 'sim', '--out', out]);
  assert.equal(cli.code, 3, cli.stdout + cli.stderr);
  assert.match(cli.stderr + cli.stdout, /EPRODTARGET .*step "rotate".*main/);
  await assert.rejects(readFile(path.join(out, 'result.json')), /ENOENT/, 'nothing ran');
});

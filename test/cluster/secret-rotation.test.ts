// drills/secret-rotation.yaml on the local target: the sample tree sealed by the target for a
// "production" key made with the pinned age-keygen, rotated by the real sops and pushed to the
// real Git server, the new key put in the cluster, the real kustomize-controller decrypting on the
// rotated revision, the old key proven revoked. Neither private key appears in the run's reports.
// A new key that never reaches the cluster fails with kustomize-controller's decryption reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { requireTool } from '../../src/cluster/local/infra-versions.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { REPO, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { leftoversOf, snapshot } from './leftovers.ts';

const DRILL = path.join(REPO, 'drills/secret-rotation.yaml');
const step = (result: DrillResult, id: string) => result.steps.find((candidate) => candidate.id === id)!;

async function run(drill: string, runId: string) {
  const dir = await tempDir();
  const oldKey = path.join(dir, 'production.agekey');
  execFileSync(requireTool('age', 'age-keygen'), ['-o', oldKey], { stdio: 'ignore' });
  const out = path.join(dir, 'reports');
  const before = snapshot();
  const cli = await runCli(['run', drill, '--target', 'local', '--out', out, '--run-id', runId, '--keep-workdir'], { env: { SOPS_AGE_KEY_FILE: oldKey, DRILL_SOPS_CONFIG: '' } });
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  const workDirs = readdirSync(os.tmpdir()).filter((name) => name.startsWith(`dr-drill-${runId}-`)).map((name) => path.join(os.tmpdir(), name));
  return { cli, result, out, oldKey, workDirs, before };
}

test('secret-rotation on local: real sops, age-keygen, Git server and kustomize-controller; neither key in the reports', { timeout: 600_000 }, async () => {
  const runId = `rot-local-${process.pid}`;
  const { cli, result, out, oldKey, workDirs, before } = await run(DRILL, runId);
  try {
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.equal(result.status, 'passed');
    assert.deepEqual(step(result, 'rotate').outputs.files, ['apps/paperless/secrets.sops.yaml']);
    const oldRecipient = execFileSync(requireTool('age', 'age-keygen'), ['-y', oldKey], { encoding: 'utf8' }).trim();
    assert.deepEqual(step(result, 'rotate').outputs.previousRecipients, [oldRecipient]);
    assert.deepEqual(step(result, 'old-key-revoked').outputs.revokedRecipients, [oldRecipient]);
    assert.match(String(step(result, 'reconcile').outputs.revision), new RegExp(`^drill/${runId}@sha1:${step(result, 'rotate').outputs.revision}$`));
    for (const name of ['secrets-rotated', 'cluster-on-new-key']) assert.equal(result.milestones.find((milestone) => milestone.name === name)!.verdict, 'met', name);
    assert.deepEqual(step(result, 'delete-drill-branch').outputs, { deleted: true, revision: step(result, 'rotate').outputs.revision });
    assert.deepEqual(leftoversOf(before, String(step(result, 'cluster').outputs.cluster), runId), { dirs: [], processes: [] });

    // The scan: both private keys, in every form a leak could take, in every file of the reports.
    assert.equal(workDirs.length, 1, 'the kept run directory');
    const newKeyText = await readFile(path.join(workDirs[0]!, 'new-key.agekey'), 'utf8');
    const oldKeyText = await readFile(oldKey, 'utf8');
    const forms = (text: string) => {
      const key = text.match(/AGE-SECRET-KEY-1\S+/)![0];
      return [key, key.toLowerCase(), Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex'), Buffer.from(text).toString('base64')];
    };
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
    assert.ok(files.length > 10, 'result, reports and step logs');
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const form of [...forms(oldKeyText), ...forms(newKeyText)]) assert.ok(!text.includes(form), `${path.relative(out, file)} holds a private key`);
      assert.doesNotMatch(text, /dr-drill-sample-not-a-real-secret/, `${path.relative(out, file)} holds a decrypted value`);
    }
    assert.ok(!(cli.stdout + cli.stderr).includes(forms(newKeyText)[0]!) && !(cli.stdout + cli.stderr).includes(forms(oldKeyText)[0]!), 'nor the console');
  } finally {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  }
});

test('secret-rotation on local: the new key never put in the cluster fails the reconcile with kustomize-controller\'s decryption reason', { timeout: 600_000 }, async () => {
  const drill = (await readFile(DRILL, 'utf8')).replace('      rotate-1password-token:\n        notApplicable: no 1Password', '      new-key-in-cluster: { notApplicable: "fault: the new key is not put in the cluster" }\n      rotate-1password-token:\n        notApplicable: no 1Password');
  assert.ok(drill.includes('fault: the new key'));
  const file = path.join(await tempDir(), 'secret-rotation.yaml');
  await writeFile(file, drill);
  const runId = `rot-local-red-${process.pid}`;
  const { cli, result, workDirs, before } = await run(file, runId);
  try {
    assert.equal(cli.code, 1, cli.stdout + cli.stderr);
    const reconcile = step(result, 'reconcile');
    assert.equal(reconcile.status, 'failed');
    assert.equal(reconcile.error!.code, 'EFLUX');
    assert.match(reconcile.error!.message, /^Kustomization flux-system\/apps failed on drill\/rot-local-red-\d+@sha1:[0-9a-f]{40}: BuildFailed: /);
    assert.match(reconcile.error!.message, /BuildFailed: decryption failed for 'Secret\.v1\.\[noGrp\]\/paperless-secrets': failed to decrypt and format 'paperless\/paperless-secrets' Secret data: cannot get sops data key: Failed to get the data key required to decrypt the SOPS file\./);
    assert.equal(step(result, 'old-key-revoked').status, 'skipped');
    assert.deepEqual(result.steps.filter((entry) => entry.finally).map((entry) => [entry.id, entry.status]), [['revoke-1password-token', 'not-applicable'], ['cluster-destroy', 'passed'], ['delete-drill-branch', 'passed']]);
    assert.deepEqual(leftoversOf(before, String(step(result, 'cluster').outputs.cluster), runId), { dirs: [], processes: [] });
  } finally {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  }
});

// drills/secret-rotation.yaml on the local target: the sample tree sealed by the target for a
// "production" key made with the pinned age-keygen, rotated by the real sops and pushed to the
// real Git server, the new key put in the cluster, the real kustomize-controller decrypting on the
// rotated revision, the old key proven revoked. Then its negative controls in the same CLI run
// (--controls): a cluster decrypting with a stale Secret the runbook does not rotate (the reconcile
// fails with kustomize-controller's decryption error), and a SOPS file sealed only for a key the
// drill does not hold (the rotation fails naming it, with sops' own reason). No private key
// appears in any report or log of the run or its controls, and every run is torn down.
// A new key that never reaches the cluster fails with kustomize-controller's decryption reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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

async function run(drill: string, runId: string, extra: string[] = []) {
  const dir = await tempDir();
  const oldKey = path.join(dir, 'production.agekey');
  execFileSync(requireTool('age', 'age-keygen'), ['-o', oldKey], { stdio: 'ignore' });
  const out = path.join(dir, 'reports');
  const before = snapshot();
  const cli = await runCli(['run', drill, '--target', 'local', '--out', out, '--run-id', runId, '--keep-workdir', ...extra], { env: { SOPS_AGE_KEY_FILE: oldKey, DRILL_SOPS_CONFIG: '' } });
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  const workDirs = readdirSync(os.tmpdir()).filter((name) => name.startsWith(`dr-drill-${runId}-`)).map((name) => path.join(os.tmpdir(), name));
  return { cli, result, out, oldKey, workDirs, before };
}

test('secret-rotation on local --controls: real sops, age-keygen, Git server and kustomize-controller; a stale decryption Secret and a foreign SOPS file each detected; no key in the reports', { timeout: 1_200_000 }, async () => {
  const runId = `rot-local-${process.pid}`;
  const { cli, result, out, oldKey, workDirs, before } = await run(DRILL, runId, ['--controls']);
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

    // The controls: each faulted run red where the control says, for the real tools' reasons.
    assert.deepEqual(
      result.controls!.map((control) => [control.name, control.status, control.faults, control.failedSteps]),
      [
        ['new-key-not-applied', 'detected', { cluster: 'stale-decryption-secret' }, ['reconcile']],
        ['new-key-cannot-decrypt', 'detected', { rotate: 'foreign-sops-file' }, ['rotate']],
      ],
    );
    const faulted = (name: string) => JSON.parse(readFileSync(path.join(out, result.controls!.find((control) => control.name === name)!.reportDir!, 'result.json'), 'utf8')) as DrillResult;
    const stale = faulted('new-key-not-applied');
    assert.equal(step(stale, 'cluster').status, 'passed');
    assert.equal(step(stale, 'flux-ready').status, 'passed', 'the baseline decrypts: the legacy Secret holds the current key');
    assert.equal(step(stale, 'new-key-in-cluster').status, 'passed', 'the runbook\'s Secret is written as ever');
    const controlDir = path.join(out, result.controls![0]!.reportDir!);
    assert.match(readFileSync(path.join(controlDir, step(stale, 'cluster').logFile!), 'utf8'), /created Secret flux-system\/sops-age-legacy from the same key/);
    assert.equal(step(stale, 'reconcile').error!.code, 'EFLUX');
    assert.match(step(stale, 'reconcile').error!.message, /^Kustomization flux-system\/apps failed on drill\/rot-local-\d+-c1@sha1:[0-9a-f]{40}: BuildFailed: decryption failed for 'Secret\.v1\.\[noGrp\]\/paperless-secrets': .*cannot get sops data key: Failed to get the data key required to decrypt the SOPS file\./);
    const foreign = faulted('new-key-cannot-decrypt');
    assert.equal(step(foreign, 'flux-ready').status, 'passed', 'no Flux path reads the foreign file');
    const rotate = step(foreign, 'rotate');
    assert.equal(rotate.error!.code, 'ESOPS');
    assert.equal(rotate.error!.message, 'cannot re-encrypt talos/talsecret.sops.yaml for the new key: sops updatekeys exited 128: Failed to get the data key required to decrypt the SOPS file.');
    assert.match(rotate.error!.details!, /^talos\/talsecret\.sops\.yaml is sealed only for age1[0-9a-z]+, not for the current key age1/);
    assert.match(rotate.error!.details!, /identity did not match any of the recipients/);
    assert.equal(step(foreign, 'new-key-in-cluster').status, 'skipped');
    for (const control of [stale, foreign]) {
      assert.deepEqual(control.steps.filter((entry) => entry.finally).map((entry) => [entry.id, entry.status]), [['revoke-1password-token', 'not-applicable'], ['cluster-destroy', 'passed'], ['delete-drill-branch', 'passed']], control.run.id);
      assert.deepEqual(leftoversOf(before, String(step(control, 'cluster').outputs.cluster), control.run.id), { dirs: [], processes: [] }, control.run.id);
      console.log(`control run ${control.run.id} (${Object.values(control.run.faults ?? {}).join(', ')}): ${(control.run.durationMs / 1000).toFixed(1)} s`);
    }
    assert.deepEqual(leftoversOf(before, String(step(result, 'cluster').outputs.cluster), runId), { dirs: [], processes: [] });

    // The scan: every private key (the production key the legacy Secret also holds, each run's new
    // key), in every form a leak could take, and any age identity at all (the foreign key, deleted
    // at once, is never known), in every file of the reports and on the console.
    const mainDir = workDirs.find((dir) => !/-c\d+-/.test(path.basename(dir)));
    assert.equal(workDirs.length, 3, 'the kept run directories: the drill and its two controls');
    assert.ok(mainDir, 'the drill\'s own run directory');
    const keyTexts = [await readFile(oldKey, 'utf8'), ...(await Promise.all(workDirs.map((dir) => readFile(path.join(dir, 'new-key.agekey'), 'utf8'))))];
    const forms = (text: string) => {
      const key = text.match(/AGE-SECRET-KEY-1\S+/)![0];
      return [key, key.toLowerCase(), Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex'), Buffer.from(text).toString('base64')];
    };
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
    assert.ok(files.filter((file) => file.includes(`${path.sep}controls${path.sep}`)).length > 10, 'the controls\' results, reports and step logs');
    const console_ = cli.stdout + cli.stderr;
    for (const [name, text] of [...files.map((file) => [path.relative(out, file), readFileSync(file, 'utf8')] as const), ['the console', console_] as const]) {
      for (const form of keyTexts.flatMap(forms)) assert.ok(!text.includes(form), `${name} holds a private key`);
      assert.doesNotMatch(text, /AGE-SECRET-KEY-1/i, `${name} holds an age identity`);
      assert.doesNotMatch(text, /dr-drill-sample-not-a-real-secret/, `${name} holds a decrypted value`);
    }
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

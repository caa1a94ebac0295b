// SOPS and age for real on the local target: the sample tree's Secret sealed with the pinned sops
// for an age recipient (its .sops.yaml), decrypted by the real kustomize-controller with the age
// key the drill provides (the sops-age Secret); a wrong key stopped by preflight before T0; a key
// missing from the cluster reported with Flux's decryption failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { requireTool } from '../../src/cluster/local/infra-versions.ts';
import { SAMPLE_FIXTURE_DIR } from '../../src/cluster/local/sample-repo.ts';
import { ageRecipientOf, sealSampleTree } from '../../src/cluster/local/sops.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';

const SAMPLE_VALUE = 'dr-drill-sample-not-a-real-secret';

const DRILL = `apiVersion: dr-drill.io/v1
kind: Drill
name: sops-local
scenario: cold-start
target: local
preflight:
  ageKeyFile: \${env.SOPS_AGE_KEY_FILE:-./no-age-key}
  sopsConfig: \${env.DRILL_SOPS_CONFIG:-./no-sops-config}
targets:
  local:
    gitops: \${env.DRILL_LOCAL_GITOPS:-}
phases:
  - name: provision
    steps:
      - id: apply
        kind: terraform.apply
        timeout: 5m
        with: { binary: tofu, dir: "\${target.terraformDir}", workspace: "drill-\${run.id}", backendConfig: ["\${target.terraformBackendConfig}"], varFiles: ["\${target.terraformVarFile}"], dataDir: "\${run.dir}/tofu", talosconfigOutput: "" }
  - name: layers
    steps:
      - { id: layers, kind: flux.wait, timeout: 4m, with: { names: [infrastructure-controllers, infrastructure-configs, apps] } }
      - { id: secret, kind: k8s.wait, timeout: 1m, with: { apiVersion: v1, kind: Secret, namespace: paperless, name: paperless-secrets, jsonPath: .data.PAPERLESS_SECRET_KEY, equals: "${Buffer.from(SAMPLE_VALUE).toString('base64')}" } }
finally:
  - { id: destroy, kind: terraform.destroy, timeout: 3m, with: { binary: tofu, dir: "\${target.terraformDir}", workspace: "drill-\${run.id}", backendConfig: ["\${target.terraformBackendConfig}"], varFiles: ["\${target.terraformVarFile}"], dataDir: "\${run.dir}/tofu" } }
`;

let sealed: string;
let keyA: string;
let keyB: string;
let drillFile: string;

before(async () => {
  const dir = await tempDir();
  keyA = path.join(dir, 'production.agekey');
  keyB = path.join(dir, 'other.agekey');
  for (const key of [keyA, keyB]) execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
  sealed = path.join(dir, 'gitops');
  cpSync(SAMPLE_FIXTURE_DIR, sealed, { recursive: true });
  await sealSampleTree(sealed, await ageRecipientOf(keyA), requireTool('sops'));
  drillFile = path.join(dir, 'drill.yaml');
  writeFileSync(drillFile, DRILL);
});

async function run(env: Record<string, string>): Promise<{ code: number | null; result: DrillResult | undefined; output: string }> {
  const out = path.join(await tempDir(), 'reports');
  const cli = await runCli(['run', drillFile, '--out', out], { env: { DRILL_LOCAL_GITOPS: sealed, SOPS_AGE_KEY_FILE: '', DRILL_SOPS_CONFIG: '', ...env } });
  const resultFile = path.join(out, 'result.json');
  return { code: cli.code, result: existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as DrillResult) : undefined, output: cli.stdout + cli.stderr };
}

test('the sealed tree holds no plaintext, and its .sops.yaml names the recipient', async () => {
  const text = readFileSync(path.join(sealed, 'apps', 'paperless', 'secrets.sops.yaml'), 'utf8');
  assert.doesNotMatch(text, new RegExp(SAMPLE_VALUE));
  assert.match(text, /PAPERLESS_SECRET_KEY: ENC\[AES256_GCM,/);
  assert.match(readFileSync(path.join(sealed, '.sops.yaml'), 'utf8'), new RegExp(await ageRecipientOf(keyA)));
  assert.match(readFileSync(path.join(sealed, 'clusters', 'drill', 'apps.yaml'), 'utf8'), /decryption:\n\s+provider: sops\n\s+secretRef:\n\s+name: sops-age/);
});

test('with the right age key kustomize-controller decrypts the Secret in the cluster', { timeout: 600_000 }, async () => {
  const { code, result, output } = await run({ SOPS_AGE_KEY_FILE: keyA, DRILL_SOPS_CONFIG: path.join(sealed, '.sops.yaml') });
  assert.equal(code, 0, output);
  assert.equal(result!.steps.find((step) => step.id === 'secret')!.status, 'passed');
  // The key itself reaches no report.
  const keyText = readFileSync(keyA, 'utf8').match(/AGE-SECRET-KEY-1\S+/)![0];
  assert.doesNotMatch(JSON.stringify(result), new RegExp(keyText));
  assert.doesNotMatch(output, new RegExp(keyText));
});

test('with only an age key the target seals the built-in sample for it, and the cluster decrypts', { timeout: 600_000 }, async () => {
  const { code, result, output } = await run({ DRILL_LOCAL_GITOPS: '', SOPS_AGE_KEY_FILE: keyB });
  assert.equal(code, 0, output);
  assert.equal(result!.steps.find((step) => step.id === 'secret')!.status, 'passed');
});

test('a wrong age key is stopped by preflight before T0: nothing is provisioned', { timeout: 120_000 }, async () => {
  const { code, result, output } = await run({ SOPS_AGE_KEY_FILE: keyB, DRILL_SOPS_CONFIG: path.join(sealed, '.sops.yaml') });
  assert.equal(code, 3, output);
  assert.match(output, /EPREFLIGHT/);
  assert.match(output, new RegExp(await ageRecipientOf(keyA)));
  assert.equal(result, undefined, 'no run, no result');
});

test('an age key missing from the cluster: the apps layer fails with Flux\'s decryption reason', { timeout: 600_000 }, async () => {
  const { code, result, output } = await run({});
  assert.equal(code, 1, output);
  const layers = result!.steps.find((step) => step.id === 'layers')!;
  assert.equal(layers.status, 'failed');
  const text = `${layers.error!.message}\n${layers.error!.details ?? ''}`;
  assert.match(text, /Kustomization flux-system\/apps failed: BuildFailed: /);
  assert.match(text, /sops-age|decrypt/i);
  assert.match(text, /decryption key/, 'says what to do');
  assert.equal(result!.steps.find((step) => step.id === 'destroy')!.status, 'passed');
});

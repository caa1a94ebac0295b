// sops.rotate and sops.verify through the engine on the sim target with a sealed tree
// (targets.sim.sops): the real step code against the simulated git remote, sops and age-keygen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { runDrill } from '../../../../src/run-drill.ts';
import type { DrillResult } from '../../../../src/result/model.ts';
import { drillYaml, tempDir } from '../../../helpers/drill-fixtures.ts';

const URL = 'https://git.sim.dr-drill.invalid/homelab/gitops.git';

function rotationDrill(rotate: Record<string, unknown> = {}, verify: Record<string, unknown> = {}, sealed = true): string {
  const inputs = (values: Record<string, unknown>) => JSON.stringify(values);
  return drillYaml(`targets:
  sim: { sops: ${sealed} }
phases:
  - name: p
    steps:
      - { id: branch, kind: git.branch, with: { url: "${URL}", branch: "drill/\${run.id}", from: main } }
      - { id: new-key, kind: age.keygen }
      - id: rotate
        kind: sops.rotate
        with: ${inputs({ url: URL, branch: 'drill/${run.id}', ageKeyFile: '${target.ageKeyFile}', newAgeKeyFile: '${steps.new-key.outputs.keyFile}', ...rotate })}
      - id: verify
        kind: sops.verify
        with: ${inputs({ url: URL, branch: 'drill/${run.id}', revision: '${steps.rotate.outputs.revision}', oldAgeKeyFiles: ['${target.ageKeyFile}'], newAgeKeyFile: '${steps.new-key.outputs.keyFile}', ...verify })}
`);
}

async function run(yaml: string, runId: string): Promise<{ result: DrillResult; workDir: string; out: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, yaml.replace(/^(scenario:).*$/m, '$1 secret-rotation'));
  const out = path.join(dir, 'out');
  const { result, workDir } = await runDrill({ file, target: 'sim', outDir: out, env: {}, runId, keepWorkDir: true });
  return { result, workDir, out };
}

const step = (result: DrillResult, id: string) => result.steps.find((candidate) => candidate.id === id)!;

test('sops.rotate re-encrypts every SOPS file for the new key and updates .sops.yaml; sops.verify proves the old key opens none', async () => {
  const { result, workDir } = await run(rotationDrill(), 'rot-1');
  assert.equal(result.status, 'passed', result.reason);
  const rotate = step(result, 'rotate').outputs;
  assert.deepEqual(rotate.files, ['apps/production/mediabox/secret-jellyfin-api.sops.yaml', 'apps/production/paperless/secret-paperless-secrets.sops.yaml']);
  assert.equal(rotate.recipient, step(result, 'new-key').outputs.recipient);
  assert.notDeepEqual(rotate.previousRecipients, [rotate.recipient]);
  // The pushed tree: every file and the creation rule name only the new recipient.
  const clone = path.join(workDir, 'git-verify-1');
  const config = parse(await readFile(path.join(clone, '.sops.yaml'), 'utf8')) as { creation_rules: { age: string }[] };
  assert.equal(config.creation_rules[0]!.age, rotate.recipient);
  for (const file of rotate.files as string[]) {
    const sops = (parse(await readFile(path.join(clone, file), 'utf8')) as { sops: { age: { recipient: string }[] } }).sops;
    assert.deepEqual(sops.age.map((stanza) => stanza.recipient), [rotate.recipient]);
  }
  assert.deepEqual(step(result, 'verify').outputs.files, rotate.files);
  assert.deepEqual(step(result, 'verify').outputs.revokedRecipients, rotate.previousRecipients);
});

test('a file left unrotated: sops.verify names it and the old key that still decrypts it', async () => {
  const left = 'apps/production/mediabox/secret-jellyfin-api.sops.yaml';
  const { result } = await run(rotationDrill({ exclude: [left] }), 'rot-2');
  assert.equal(result.status, 'failed');
  assert.equal(step(result, 'rotate').status, 'passed');
  assert.match(step(result, 'rotate').warnings!.join('\n'), /left as they are \(exclude:\): apps\/production\/mediabox/);
  const verify = step(result, 'verify');
  assert.equal(verify.status, 'failed');
  assert.equal(verify.error!.code, 'ESOPS');
  assert.match(verify.error!.message, /the rotation is not complete at [0-9a-f]{12}: 3 problems/);
  assert.equal(
    verify.error!.details,
    [`${left} is still encrypted for the revoked ${(step(result, 'rotate').outputs.previousRecipients as string[])[0]}`, `${left}: the revoked key age.agekey (oldAgeKeyFiles[0]) still decrypts it`, `${left}: the new key ${step(result, 'new-key').outputs.recipient} does not decrypt it (no matching identity)`].join('\n'),
  );
});

test('sops.verify fails when the key it is told is revoked is the one the files are encrypted for', async () => {
  const { result } = await run(rotationDrill({}, { oldAgeKeyFiles: ['${steps.new-key.outputs.keyFile}'], newAgeKeyFile: '${target.ageKeyFile}' }), 'rot-3');
  const verify = step(result, 'verify');
  assert.equal(verify.status, 'failed');
  assert.match(verify.error!.details!, /the revoked key new-key\.agekey \(oldAgeKeyFiles\[0\]\) still decrypts it/);
  assert.match(verify.error!.details!, /\.sops\.yaml creation rule 1 still encrypts new files for the revoked age1/);
});

test('sops.rotate refuses the current key as the new one, a tree without SOPS files, and a branch that is not the run\'s', async () => {
  const same = (await run(rotationDrill({ newAgeKeyFile: '${target.ageKeyFile}' }), 'rot-4')).result;
  assert.equal(step(same, 'rotate').error!.code, 'EINPUT');
  assert.match(step(same, 'rotate').error!.message, /newAgeKeyFile: .* is the current key \(age1/);

  const plain = (await run(rotationDrill({ ageKeyFile: '${steps.new-key.outputs.keyFile}', newAgeKeyFile: '${steps.other-key.outputs.keyFile}' }, {}, false).replace('      - id: rotate\n', '      - { id: other-key, kind: age.keygen }\n      - id: rotate\n'), 'rot-5')).result;
  assert.equal(step(plain, 'rotate').error!.code, 'ESOPS');
  assert.equal(step(plain, "rotate").error!.message, ".sops.yaml is not in the GitOps tree");

  const shared = (await run(rotationDrill({ branch: 'main' }), 'rot-6')).result;
  assert.equal(step(shared, 'rotate').error!.code, 'EPRODTARGET');
});

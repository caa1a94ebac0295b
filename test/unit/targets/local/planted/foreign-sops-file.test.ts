// foreign-sops-file with the real sops and age-keygen: production's tree gets
// talos/talsecret.sops.yaml sealed for one recipient whose private key survives nowhere, outside
// every Flux path; the drill's key cannot open it; without the fault the tree is the one given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_FIXTURE_DIR } from '../../../../../src/cluster/local/sample-repo.ts';
import { sealSampleTree } from '../../../../../src/cluster/local/sops.ts';
import { sopsRecipients } from '../../../../../src/steps/sops/tree.ts';
import { localFaults } from '../../../../../src/targets/local/faults.ts';
import { FOREIGN_SOPS_FILE, plantForeignSopsFile } from '../../../../../src/targets/local/planted/foreign-sops-file.ts';
import { formatError } from '../../../../../src/util/errors.ts';
import { tempDir } from '../../../../helpers/drill-fixtures.ts';
import { requireTools } from '../../../../helpers/tools.ts';

const tools = await requireTools(['sops', 'age-keygen']);
process.env.PATH = tools.PATH;

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));

async function sealedTree(dir: string) {
  const drillKey = path.join(dir, 'drill.agekey');
  spawnSync(tools.paths['age-keygen']!, ['-o', drillKey]);
  const recipient = spawnSync(tools.paths['age-keygen']!, ['-y', drillKey], { encoding: 'utf8' }).stdout.trim();
  const tree = path.join(dir, 'sealed');
  cpSync(SAMPLE_FIXTURE_DIR, tree, { recursive: true });
  await sealSampleTree(tree, recipient, tools.paths['sops']!);
  return { drillKey, recipient, tree };
}

test('foreign-sops-file: the tree gets talos/talsecret.sops.yaml sealed only for a key that survives nowhere; the drill\'s key cannot open it', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const { drillKey, recipient, tree } = await sealedTree(dir);
  const before = filesUnder(tree).sort();
  const planted = await localFaults(new Map([['rotate', 'foreign-sops-file']])).gitopsTree(tree, path.join(dir, 'planted'), () => tools.paths['sops']!);
  assert.equal(planted, path.join(dir, 'planted'));
  assert.deepEqual(filesUnder(tree).sort(), before, 'the tree given is left as it was');

  const file = path.join(planted, FOREIGN_SOPS_FILE);
  const text = readFileSync(file, 'utf8');
  const recipients = sopsRecipients(FOREIGN_SOPS_FILE, text)!;
  assert.equal(recipients.length, 1);
  assert.notEqual(recipients[0], recipient, 'not sealed for the drill\'s key');
  assert.match(text, /^cluster:\n {4}id: ENC\[AES256_GCM,/);
  assert.match(text, /bootstraptoken: ENC\[AES256_GCM,/);
  const decrypt = spawnSync(tools.paths['sops']!, ['decrypt', FOREIGN_SOPS_FILE], { cwd: planted, env: { PATH: tools.PATH, HOME: dir, SOPS_AGE_KEY_FILE: drillKey }, encoding: 'utf8' });
  assert.notEqual(decrypt.status, 0);
  assert.match(decrypt.stderr, /Failed to get the data key required to decrypt the SOPS file/);
  // The rest of the tree is the sealed tree, as the drill's key opens it.
  assert.equal(spawnSync(tools.paths['sops']!, ['decrypt', 'apps/paperless/secrets.sops.yaml'], { cwd: planted, env: { PATH: tools.PATH, HOME: dir, SOPS_AGE_KEY_FILE: drillKey } }).status, 0);

  // No private key for that recipient anywhere: only the drill's own key file holds an identity.
  const holders = filesUnder(dir).filter((candidate) => readFileSync(candidate, 'utf8').includes('AGE-SECRET-KEY-1'));
  assert.deepEqual(holders, [drillKey]);
  assert.deepEqual(readdirSync(dir).sort(), ['drill.agekey', 'planted', 'sealed'], 'no scratch directory left');
});

test('without foreign-sops-file the tree is the one given; a tree whose Flux path covers talos/ is refused', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const { tree } = await sealedTree(dir);
  assert.equal(await localFaults(new Map([['cluster', 'stale-decryption-secret']])).gitopsTree(tree, path.join(dir, 'planted'), () => assert.fail('no sops needed')), tree);
  assert.equal(existsSync(path.join(dir, 'planted')), false);

  const apps = path.join(tree, 'clusters', 'drill', 'apps.yaml');
  writeFileSync(apps, readFileSync(apps, 'utf8').replace('path: ./apps', 'path: ./'));
  await assert.rejects(plantForeignSopsFile(tree, path.join(dir, 'whole'), tools.paths['sops']!), (error: unknown) => /ELOCAL foreign-sops-file: Kustomization apps reads talos\/talsecret\.sops\.yaml \(path \.\/\)/.test(formatError(error)));
});

// The rotation kinds with the real programs at the PATH boundary: the pinned age-keygen and sops,
// and git, against a bare repository holding the local target's sample tree sealed for a
// "production" key. The plaintext and both private keys never reach the step logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_FIXTURE_DIR } from '../../../../src/cluster/local/sample-repo.ts';
import { sealSampleTree } from '../../../../src/cluster/local/sops.ts';
import { plantForeignSopsFile } from '../../../../src/targets/local/planted/foreign-sops-file.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { requireTools } from '../../../helpers/tools.ts';

const tools = await requireTools(['sops', 'age-keygen']);
// The foreign-sops-file planting runs age-keygen by name, as the local target does: the pinned one.
process.env.PATH = tools.PATH;
const SAMPLE_VALUE = 'dr-drill-sample-not-a-real-secret';

/** A bare repository with the sample tree sealed for a "production" key (plus, with `foreign`, talos/talsecret.sops.yaml sealed for a key nobody holds), and the rotation plan run on it. */
async function rotateSealedTree(options: { foreign?: boolean; exclude?: string[] } = {}) {
  const dir = await tempDir();
  const oldKey = path.join(dir, 'production.agekey');
  execFileSync(tools.paths['age-keygen']!, ['-o', oldKey], { stdio: 'ignore' });
  const oldRecipient = execFileSync(tools.paths['age-keygen']!, ['-y', oldKey], { encoding: 'utf8' }).trim();
  let tree = path.join(dir, 'tree');
  cpSync(SAMPLE_FIXTURE_DIR, tree, { recursive: true });
  await sealSampleTree(tree, oldRecipient, tools.paths['sops']!);
  if (options.foreign) tree = (await plantForeignSopsFile(tree, path.join(dir, 'planted'), tools.paths['sops']!)).dir;
  const bare = path.join(dir, 'gitops.git');
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, stdio: 'ignore' });
  git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', bare);
  git(tree, 'init', '--quiet', '--initial-branch', 'main');
  git(tree, 'add', '-A');
  git(tree, 'commit', '--quiet', '-m', 'sealed');
  git(tree, 'push', '--quiet', bare, 'main');

  const url = `file://${bare}`;
  const exclude = options.exclude ? `, exclude: ${JSON.stringify(options.exclude)}` : '';
  const plan = planFrom(drillYaml(`phases:
  - name: p
    steps:
      - { id: branch, kind: git.branch, with: { url: "${url}", branch: "drill/\${run.id}", from: main } }
      - { id: new-key, kind: age.keygen }
      - { id: rotate, kind: sops.rotate, with: { url: "${url}", branch: "drill/\${run.id}", ageKeyFile: "${oldKey}", newAgeKeyFile: "\${steps.new-key.outputs.keyFile}"${exclude} } }
      - { id: verify, kind: sops.verify, with: { url: "${url}", branch: "drill/\${run.id}", revision: "\${steps.rotate.outputs.revision}", oldAgeKeyFiles: ["${oldKey}"], newAgeKeyFile: "\${steps.new-key.outputs.keyFile}" } }
`));
  const workDir = path.join(dir, 'run');
  execFileSync('mkdir', ['-p', workDir]);
  const { outcome, events } = await runPlan(plan, { session: realSession(), env: { PATH: tools.PATH, HOME: dir }, workDir });
  const revisionOf = (branch: string) => execFileSync('git', ['rev-parse', branch], { cwd: bare, encoding: 'utf8' }).trim();
  return { dir, oldKey, oldRecipient, url, workDir, outcome, events, revisionOf };
}

test('age.keygen, sops.rotate and sops.verify with the real sops, age-keygen and git', { skip: tools.skip }, async () => {
  const { dir, oldKey, oldRecipient, url, workDir, outcome, events } = await rotateSealedTree();
  for (const id of ['branch', 'new-key', 'rotate', 'verify']) assert.equal(outcome.records.get(id)!.status, 'passed', `${id}: ${outcome.records.get(id)!.error?.message} ${outcome.records.get(id)!.error?.details ?? ''}`);
  const newKeyFile = outcome.records.get('new-key')!.outputs.keyFile as string;
  assert.equal(path.dirname(newKeyFile), workDir);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(newKeyFile).mode & 0o777, 0o600);
  const newRecipient = outcome.records.get('new-key')!.outputs.recipient as string;
  assert.deepEqual(outcome.records.get('rotate')!.outputs.files, ['apps/paperless/secrets.sops.yaml']);
  assert.deepEqual(outcome.records.get('rotate')!.outputs.previousRecipients, [oldRecipient]);

  // The drill branch, checked independently of the steps: real sops with each key.
  const check = path.join(dir, 'check');
  execFileSync('git', ['clone', '--quiet', '--branch', `drill/r1`, url, check]);
  const decrypt = (key: string) => {
    try {
      return execFileSync(tools.paths['sops']!, ['decrypt', 'apps/paperless/secrets.sops.yaml'], { cwd: check, env: { PATH: tools.PATH, HOME: dir, SOPS_AGE_KEY_FILE: key }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return `failed: ${(error as { stderr: string }).stderr}`;
    }
  };
  assert.match(decrypt(newKeyFile), new RegExp(SAMPLE_VALUE));
  assert.match(decrypt(oldKey), /^failed: Failed to get the data key/);
  assert.match(readFileSync(path.join(check, '.sops.yaml'), 'utf8'), new RegExp(`age: ${newRecipient}\\n`));

  const logged = JSON.stringify(events);
  for (const key of [oldKey, newKeyFile]) assert.ok(!logged.includes(readFileSync(key, 'utf8').match(/AGE-SECRET-KEY-1\S+/)![0]), 'no private key in the logs');
  assert.ok(!logged.includes(SAMPLE_VALUE), 'decrypted values are never logged');
  assert.match(logged, /sops updatekeys -y apps\/paperless\/secrets\.sops\.yaml/);
  assert.match(logged, /sops rotate -i apps\/paperless\/secrets\.sops\.yaml/);
});

test('sops.rotate stops at a SOPS file the current key cannot open, naming it with sops\' own reason, and pushes nothing', { skip: tools.skip }, async () => {
  const { oldRecipient, outcome, events, revisionOf } = await rotateSealedTree({ foreign: true });
  const rotate = outcome.records.get('rotate')!;
  assert.equal(rotate.status, 'failed');
  assert.equal(rotate.error!.code, 'ESOPS');
  assert.equal(rotate.error!.message, 'cannot re-encrypt talos/talsecret.sops.yaml for the new key: sops updatekeys exited 128: Failed to get the data key required to decrypt the SOPS file.');
  assert.match(rotate.error!.details!, new RegExp(`^talos/talsecret\\.sops\\.yaml is sealed only for age1[0-9a-z]+, not for the current key ${oldRecipient}: the drill cannot open it, so it cannot rotate it \\(nothing was pushed\\)`));
  assert.match(rotate.error!.details!, /identity did not match any of the recipients/);
  assert.equal(rotate.attempts.length, 1);
  assert.equal(outcome.records.get('verify')!.status, 'skipped');
  // The file before it (apps/...) was re-encrypted in the clone only: the drill branch is where it was.
  assert.equal(revisionOf('drill/r1'), revisionOf('main'));
  assert.match(JSON.stringify(events), /sops updatekeys -y apps\/paperless\/secrets\.sops\.yaml/);
});

test('sops.verify refuses a tree with a SOPS file neither the new key nor a revoked one opens (left out of the rotation)', { skip: tools.skip }, async () => {
  const { outcome } = await rotateSealedTree({ foreign: true, exclude: ['talos/talsecret.sops.yaml'] });
  assert.equal(outcome.records.get('rotate')!.status, 'passed');
  assert.deepEqual(outcome.records.get('rotate')!.outputs.files, ['apps/paperless/secrets.sops.yaml']);
  const verify = outcome.records.get('verify')!;
  assert.equal(verify.status, 'failed');
  assert.match(verify.error!.message, /^the rotation is not complete at [0-9a-f]{12}: 1 problem$/);
  assert.match(verify.error!.details!, /^talos\/talsecret\.sops\.yaml: readable by neither the new key nor any revoked key \(sealed for age1[0-9a-z]+ only\): it was never rotated, and no key the drill holds can rotate it$/);
});

// The simulated sops and age-keygen answer as the real ones do (exit codes, where they read keys
// and .sops.yaml from, what they print), so the rotation kinds run unchanged on sim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { virtualClock } from '../../../../../src/engine/virtual-clock.ts';
import { simShell } from '../../../../../src/targets/sim/shell.ts';
import { encryptYaml, recipientsOf } from '../../../../../src/targets/sim/sops-format.ts';
import { SimWorld } from '../../../../../src/targets/sim/world.ts';
import { tempDir } from '../../../../helpers/drill-fixtures.ts';

const world = () => new SimWorld({ clock: virtualClock(), backupAgeMs: 0, configAgeMs: 0 });

test('simulated age-keygen: -o writes a 0600 key and refuses an existing file, -y prints the public key', async () => {
  const dir = await tempDir();
  const shell = simShell(world(), 'k');
  const made = await shell.run('age-keygen', ['-o', 'new.agekey'], { cwd: dir });
  assert.equal(made.exitCode, 0);
  const [, recipient] = /^Public key: (age1\S+)$/.exec(made.stderr)!;
  assert.equal(made.stdout, '');
  assert.equal((await stat(path.join(dir, 'new.agekey'))).mode & 0o777, 0o600);
  assert.equal((await shell.run('age-keygen', ['-y', 'new.agekey'], { cwd: dir })).stdout, recipient);
  const again = await shell.run('age-keygen', ['-o', 'new.agekey'], { cwd: dir });
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /file exists/);
});

test('simulated sops: updatekeys follows .sops.yaml from the working directory with the given key; rotate and decrypt only with a matching key', async () => {
  const dir = await tempDir();
  const shell = simShell(world(), 's');
  for (const name of ['old', 'new']) await shell.run('age-keygen', ['-o', `${name}.agekey`], { cwd: dir });
  const recipient = async (name: string) => (await shell.run('age-keygen', ['-y', `${name}.agekey`], { cwd: dir })).stdout;
  const [oldRecipient, newRecipient] = [await recipient('old'), await recipient('new')];
  await writeFile(path.join(dir, 's.sops.yaml'), encryptYaml('stringData:\n  k: hush\n', [oldRecipient], '2026-01-01T00:00:00Z'));
  await writeFile(path.join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${newRecipient}\n`);
  const withKey = (key: string) => ({ cwd: dir, env: { SOPS_AGE_KEY_FILE: path.join(dir, `${key}.agekey`) } });

  const refused = await shell.run('sops', ['updatekeys', '-y', 's.sops.yaml'], withKey('new'));
  assert.equal(refused.exitCode, 128, 'the new key cannot open the file yet');
  const updated = await shell.run('sops', ['updatekeys', '-y', 's.sops.yaml'], withKey('old'));
  assert.equal(updated.exitCode, 0, updated.stderr);
  assert.match(updated.stdout, new RegExp(`\\+\\+\\+ ${newRecipient}\\n--- ${oldRecipient}`));
  assert.deepEqual(recipientsOf(await readFile(path.join(dir, 's.sops.yaml'), 'utf8')), [newRecipient]);
  assert.match((await shell.run('sops', ['updatekeys', '-y', 's.sops.yaml'], withKey('new'))).stderr, /already up to date/);

  const before = parse(await readFile(path.join(dir, 's.sops.yaml'), 'utf8')).stringData.k;
  assert.equal((await shell.run('sops', ['rotate', '-i', 's.sops.yaml'], withKey('new'))).exitCode, 0);
  assert.notEqual(parse(await readFile(path.join(dir, 's.sops.yaml'), 'utf8')).stringData.k, before, 'a new data key re-encrypts every value');
  assert.equal((await shell.run('sops', ['decrypt', 's.sops.yaml'], withKey('new'))).stdout, 'stringData:\n  k: hush');
  const denied = await shell.run('sops', ['decrypt', 's.sops.yaml'], withKey('old'));
  assert.equal(denied.exitCode, 128);
  assert.match(denied.stderr, /^Failed to get the data key required to decrypt the SOPS file\./);
  assert.equal((await shell.run('sops', ['decrypt', 's.sops.yaml'], { cwd: dir })).exitCode, 128, 'no key handed over: nothing decrypts');
  assert.equal((await shell.run('sops', ['filestatus', '.sops.yaml'], { cwd: dir })).stdout, '{"encrypted":false}');
});

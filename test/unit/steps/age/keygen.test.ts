// age.keygen on sim through the engine: a 0600 key in the run directory, its recipient as output,
// the private key masked; a key file that exists is never overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../../src/run-drill.ts';
import { recipientOf } from '../../../../src/targets/sim/sops-format.ts';
import { drillYaml, tempDir } from '../../../helpers/drill-fixtures.ts';

async function run(withInputs: string) {
  const dir = await tempDir();
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, drillYaml(`phases:\n  - name: p\n    steps:\n      - { id: key, kind: age.keygen${withInputs} }\n`));
  const out = path.join(dir, 'out');
  const { result, workDir } = await runDrill({ file, target: 'sim', outDir: out, env: {}, keepWorkDir: true });
  return { result, workDir, dir, out };
}

test('age.keygen writes a new key 0600 into the run directory and outputs its recipient; the key reaches no report', async () => {
  const { result, workDir, out } = await run('');
  const key = result.steps[0]!;
  assert.equal(key.status, 'passed', key.error?.message);
  assert.equal(key.outputs.keyFile, path.join(workDir, 'key.agekey'));
  assert.equal((await stat(key.outputs.keyFile as string)).mode & 0o777, 0o600);
  const identity = (await readFile(key.outputs.keyFile as string, 'utf8')).match(/AGE-SECRET-KEY-1\S+/)![0];
  assert.equal(recipientOf(identity), key.outputs.recipient);
  for (const report of ['result.json', 'summary.md', 'junit.xml', 'logs/key.log']) assert.ok(!(await readFile(path.join(out, report), 'utf8')).includes(identity), report);
});

test('age.keygen never overwrites a key file', async () => {
  const dir = await tempDir();
  const existing = path.join(dir, 'keep.agekey');
  await writeFile(existing, 'AGE-SECRET-KEY-1EXISTING\n');
  const { result } = await run(`, with: { file: "${existing}" }`);
  assert.equal(result.steps[0]!.error!.code, 'EINPUT');
  assert.match(result.steps[0]!.error!.message, /^file: .*keep\.agekey exists already$/);
  assert.equal(await readFile(existing, 'utf8'), 'AGE-SECRET-KEY-1EXISTING\n');
});

// The .sops.yaml rewrite and SOPS file detection of the rotation kinds: every form creation_rules
// name age recipients in (a comma list, a YAML list, key_groups), comments kept, files found by
// their sops metadata whatever their name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findSopsFiles, replaceRecipients, sopsRecipients } from '../../../../src/steps/sops/tree.ts';
import { tempDir } from '../../../helpers/drill-fixtures.ts';

const OLD = 'age1old0000000000000000000000000000000000000000000000000000';
const OTHER = 'age1other000000000000000000000000000000000000000000000000000';
const NEW = 'age1new0000000000000000000000000000000000000000000000000000';

test('replaceRecipients swaps the current recipient in a comma list, a YAML list and key_groups, and keeps the rest', async () => {
  const file = path.join(await tempDir(), '.sops.yaml');
  await writeFile(file, `# sealed for the homelab key
creation_rules:
  - path_regex: talos/.*\\.sops\\.yaml$
    age: ${OLD},${OTHER}
  - path_regex: kubernetes/.*\\.sops\\.yaml$
    encrypted_regex: ^(data|stringData)$
    age:
      - ${OLD}
  - path_regex: team/.*
    key_groups:
      - age: [${OLD}]
  - path_regex: unrelated/.*
    age: ${OTHER}
`);
  assert.deepEqual(await replaceRecipients(file, [OLD], NEW), [0, 1, 2]);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^# sealed for the homelab key\n/);
  assert.match(text, new RegExp(`age: ${NEW},${OTHER}\\n`));
  assert.match(text, new RegExp(`age:\\n\\s+- ${NEW}\\n`));
  assert.match(text, new RegExp(`- age:\\n\\s+- ${NEW}\\n`));
  assert.match(text, new RegExp(`unrelated/\\.\\*\\n    age: ${OTHER}\\n`));
  assert.ok(!text.includes(OLD));
});

test('replaceRecipients refuses a .sops.yaml that does not name the current key, naming what it does name', async () => {
  const file = path.join(await tempDir(), '.sops.yaml');
  await writeFile(file, `creation_rules:\n  - age: ${OTHER}\n`);
  await assert.rejects(replaceRecipients(file, [OLD], NEW), (error: Error & { code?: string; details?: string }) => {
    assert.equal(error.code, 'ESOPS');
    assert.equal(error.message, `no creation rule in .sops.yaml names the current age key (${OLD})`);
    assert.match(error.details!, new RegExp(`its rules name: ${OTHER}`));
    return true;
  });
});

test('SOPS files are found by their metadata (YAML, JSON, dotenv), never by name alone', async () => {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'apps'), { recursive: true });
  await mkdir(path.join(dir, '.git'), { recursive: true });
  const sealed = `data:\n  k: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  age:\n    - recipient: ${OLD}\n      enc: x\n  mac: ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]\n`;
  await writeFile(path.join(dir, 'apps', 'secret.yaml'), sealed);
  await writeFile(path.join(dir, 'apps', 'plain.sops.yaml'), 'data:\n  k: v\n');
  await writeFile(path.join(dir, 'apps', 'config.json'), JSON.stringify({ k: 'ENC[...]', sops: { mac: 'ENC[...]', age: [{ recipient: OTHER }] } }));
  await writeFile(path.join(dir, 'apps', 'app.env'), `K=ENC[...]\nsops_age__list_0__map_recipient=${OLD}\nsops_mac=ENC[...]\n`);
  await writeFile(path.join(dir, '.git', 'copy.yaml'), sealed);
  assert.deepEqual([...(await findSopsFiles(dir))], [
    ['apps/app.env', [OLD]],
    ['apps/config.json', [OTHER]],
    ['apps/secret.yaml', [OLD]],
  ]);
  assert.equal(sopsRecipients('x.yaml', 'not: [valid'), undefined);
});

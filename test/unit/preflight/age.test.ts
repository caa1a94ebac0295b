import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { agePublicKey, readAgeKeyFile, sopsAgeRecipients } from '../../../src/preflight/age.ts';
import { runDrill } from '../../../src/run-drill.ts';
import { DrillErrors, formatError } from '../../../src/util/errors.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { FAKES_BIN } from '../../fakes/real-session.ts';
import { requireTools } from '../../helpers/tools.ts';

const exec = promisify(execFile);
/** The pinned age-keygen, built from the Go module proxy on first use. */
const age = await requireTools(['age-keygen']);
const needsAgeKeygen = { skip: age.skip };

/** A fresh age identity from the real age-keygen: the file text and the public key it printed. */
async function ageKeygen(dir: string, name: string): Promise<{ file: string; publicKey: string }> {
  const file = path.join(dir, name);
  const { stderr } = await exec(age.paths['age-keygen']!, ['-o', file]);
  return { file, publicKey: /age1[0-9a-z]+/.exec(stderr)![0] };
}

test('the public key of an age identity is derived exactly as age-keygen -y derives it', needsAgeKeygen, async () => {
  const dir = await tempDir();
  const { file, publicKey } = await ageKeygen(dir, 'key.txt');
  const { stdout } = await exec(age.paths['age-keygen']!, ['-y', file]);
  assert.equal(stdout.trim(), publicKey);
  const parsed = readAgeKeyFile(await readFile(file, 'utf8'));
  assert.deepEqual(parsed, { publicKeys: [publicKey], commentKeys: [publicKey], malformedLines: [] });
  assert.equal(agePublicKey(`AGE-SECRET-KEY-1${'Q'.repeat(53)}`), undefined, 'a bad checksum is no identity');
});

test('.sops.yaml recipients come from age: strings, lists and key_groups', () => {
  assert.deepEqual(
    sopsAgeRecipients(`creation_rules:
  - path_regex: talos/.*\\.sops\\.ya?ml
    age: age1aaa, age1bbb
  - path_regex: kubernetes/.*\\.sops\\.ya?ml
    encrypted_regex: ^(data|stringData)$
    key_groups:
      - age:
          - age1ccc
`),
    ['age1aaa', 'age1bbb', 'age1ccc'],
  );
});

/** A proxmox-talos drill whose first real command would be terraform init. */
async function drillWithAgeKey(dir: string): Promise<string> {
  const tf = path.join(dir, 'infrastructure', 'environments', 'drill');
  await mkdir(tf, { recursive: true });
  await writeFile(path.join(tf, 'backend.config'), 'key = "drill/terraform.tfstate"\n');
  await writeFile(path.join(tf, 'drill.tfvars'), 'vm_id_start = 9100\ncluster_vip = "10.99.0.10"\nflux_branch = "drill/cold-start"\n');
  const file = path.join(dir, 'cold-start.yaml');
  await writeFile(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: cold-start
scenario: cold-start
target: proxmox-talos
production:
  proxmoxVmIds: ["100-199"]
  controlPlaneVips: [192.168.10.10]
  gitBranches: [main]
preflight:
  ageKeyFile: age.agekey
  sopsConfig: .sops.yaml
phases:
  - name: provision
    steps:
      - id: terraform-apply
        kind: terraform.apply
        with:
          dir: infrastructure/environments/drill
          workspace: drill-\${run.id}
          backendConfig: [backend.config]
          varFiles: [drill.tfvars]
`,
  );
  return file;
}

async function preflightFailure(dir: string, file: string): Promise<{ errors: string[]; calls: string[][] }> {
  const log = path.join(dir, 'fake.log');
  const outDir = path.join(dir, 'reports');
  const error = await runDrill({ file, outDir, env: { PATH: `${FAKES_BIN}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME, DRILL_FAKE_LOG: log } }).then(
    () => assert.fail('the drill must not run'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof DrillErrors, String(error));
  await assert.rejects(access(outDir), 'nothing was written: the run never started');
  const calls = (await readFile(log, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { tool: string; args: string[] })
    .map((call) => [call.tool, ...call.args]);
  return { errors: error.errors.map((item) => formatError(item)), calls };
}

test('preflight stops an empty age key file before any provisioning command runs', needsAgeKeygen, async () => {
  const dir = await tempDir('dr-drill-preflight-age-');
  const file = await drillWithAgeKey(dir);
  const { publicKey } = await ageKeygen(dir, 'other.agekey');
  await writeFile(path.join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${publicKey}\n`);
  await writeFile(path.join(dir, 'age.agekey'), '');
  const { errors, calls } = await preflightFailure(dir, file);
  assert.deepEqual(errors, [
    `${file}:11:15 EPREFLIGHT SOPS age key file ${path.join(dir, 'age.agekey')} is empty (field preflight.ageKeyFile)\n  an empty key file decrypts nothing: Flux would apply empty secrets. Restore age.key from the password manager or the offline backup`,
  ]);
  assert.deepEqual(calls, [['terraform', 'version']], 'only the version check ran: no init, no apply');
});

test('preflight stops an age key that is not a recipient of .sops.yaml before any provisioning command runs', needsAgeKeygen, async () => {
  const dir = await tempDir('dr-drill-preflight-age-');
  const file = await drillWithAgeKey(dir);
  const recipient = await ageKeygen(dir, 'repository.agekey');
  const wrong = await ageKeygen(dir, 'age.agekey');
  await writeFile(path.join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${recipient.publicKey}\n`);
  const { errors, calls } = await preflightFailure(dir, file);
  assert.deepEqual(errors, [
    `${file}:11:15 EPREFLIGHT SOPS age key file ${wrong.file} does not match .sops.yaml: its public key ${wrong.publicKey} is not a recipient (field preflight.ageKeyFile)\n  recipients in ${path.join(dir, '.sops.yaml')}: ${recipient.publicKey}\n  use the age key the repository's secrets are encrypted for (age-keygen -y ${wrong.file} prints its public key)`,
  ]);
  assert.deepEqual(calls, [['terraform', 'version']]);
});

test('preflight catches a key file whose "# public key:" comment belongs to another key', needsAgeKeygen, async () => {
  const dir = await tempDir('dr-drill-preflight-age-');
  const file = await drillWithAgeKey(dir);
  const recipient = await ageKeygen(dir, 'repository.agekey');
  const other = await ageKeygen(dir, 'other.agekey');
  // The recipient's comment pasted over another identity: the comment matches .sops.yaml, the key does not.
  const identity = (await readFile(other.file, 'utf8')).split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-'))!;
  await writeFile(path.join(dir, 'age.agekey'), `# created: 2026-11-01T10:00:00Z\n# public key: ${recipient.publicKey}\n${identity}\n`);
  await writeFile(path.join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${recipient.publicKey}\n`);
  const { errors, calls } = await preflightFailure(dir, file);
  const keyFile = path.join(dir, 'age.agekey');
  assert.deepEqual(errors, [
    `${file}:11:15 EPREFLIGHT SOPS age key file ${keyFile} says "# public key: ${recipient.publicKey}" but its key is ${other.publicKey} (field preflight.ageKeyFile)\n  the comment and the key come from different files; restore the key file the repository is encrypted for`,
    `${file}:11:15 EPREFLIGHT SOPS age key file ${keyFile} does not match .sops.yaml: its public key ${other.publicKey} is not a recipient (field preflight.ageKeyFile)\n  recipients in ${path.join(dir, '.sops.yaml')}: ${recipient.publicKey}\n  use the age key the repository's secrets are encrypted for (age-keygen -y ${keyFile} prints its public key)`,
  ]);
  assert.deepEqual(calls, [['terraform', 'version']]);
});

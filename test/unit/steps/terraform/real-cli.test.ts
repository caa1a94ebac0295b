import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { teardownPlan } from '../../../../src/drill/plan.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { FAKES_BIN, realSession, runPlan } from '../../../fakes/real-session.ts';

interface Recorded {
  tool: string;
  args: string[];
  env: Record<string, string>;
}

async function recorded(log: string): Promise<Recorded[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded);
}

async function setup(): Promise<{ dir: string; tf: string; log: string; env: Record<string, string | undefined> }> {
  const dir = await tempDir('dr-drill-real-tf-');
  const tf = path.join(dir, 'infrastructure', 'environments', 'drill');
  await mkdir(tf, { recursive: true });
  await writeFile(path.join(tf, 'backend.config'), 'bucket = "tfstate"\nkey    = "drill/terraform.tfstate"\n');
  await writeFile(path.join(tf, 'drill.tfvars'), 'cluster_name = "drill"\n');
  const log = path.join(dir, 'fake.log');
  // TF_WORKSPACE from the caller's environment would override the selected workspace: the step must drop it.
  return { dir, tf, log, env: { PATH: `${FAKES_BIN}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME, DRILL_FAKE_LOG: log, TF_WORKSPACE: 'default' } };
}

const terraformDrill = (workspace = 'drill-${run.id}') =>
  drillYaml(`phases:
  - name: provision
    steps:
      - id: terraform-apply
        kind: terraform.apply
        with:
          dir: infrastructure/environments/drill
          workspace: ${workspace}
          backendConfig: [backend.config]
          varFiles: [drill.tfvars]
          vars: { talos_version: v1.11.5 }
finally:
  - id: terraform-destroy
    kind: terraform.destroy
    with:
      dir: infrastructure/environments/drill
      workspace: ${workspace}
      backendConfig: [backend.config]
      varFiles: [drill.tfvars]
`);

test('terraform.apply and terraform.destroy run the real CLI with exactly these arguments, in a drill workspace', async () => {
  const { dir, tf, log, env } = await setup();
  const plan = planFrom(terraformDrill(), undefined, path.join(dir, 'cold-start.yaml'));
  const session = realSession();
  const { outcome, events, masker } = await runPlan(plan, { session, env, workDir: dir });
  assert.equal(outcome.records.get('terraform-apply')!.status, 'passed', JSON.stringify(outcome.records.get('terraform-apply')!.error));
  assert.equal(outcome.records.get('terraform-destroy')!.status, 'passed', JSON.stringify(outcome.records.get('terraform-destroy')!.error));

  const calls = await recorded(log);
  const chdir = `-chdir=${tf}`;
  assert.deepEqual(
    calls.map((call) => [call.tool, ...call.args]),
    [
      ['terraform', chdir, 'init', '-input=false', '-no-color', '-reconfigure', '-backend-config=backend.config'],
      ['terraform', chdir, 'workspace', 'select', '-or-create', '-no-color', 'drill-r1'],
      ['terraform', chdir, 'apply', '-auto-approve', '-input=false', '-no-color', '-lock-timeout=10m', '-var-file=drill.tfvars', '-var=talos_version=v1.11.5'],
      ['terraform', chdir, 'output', '-json', '-no-color'],
      ['terraform', chdir, 'init', '-input=false', '-no-color', '-reconfigure', '-backend-config=backend.config'],
      ['terraform', chdir, 'workspace', 'select', '-no-color', 'drill-r1'],
      ['terraform', chdir, 'destroy', '-auto-approve', '-input=false', '-no-color', '-lock-timeout=10m', '-var-file=drill.tfvars'],
      ['terraform', chdir, 'workspace', 'select', '-no-color', 'default'],
      ['terraform', chdir, 'workspace', 'delete', '-no-color', 'drill-r1'],
    ],
  );
  // TF_WORKSPACE never reaches terraform; after the apply, the drill's own kubeconfig and talosconfig do.
  const configs = { KUBECONFIG: path.join(dir, 'kubeconfig'), TALOSCONFIG: path.join(dir, 'talosconfig') };
  assert.deepEqual(
    calls.map((call) => call.env),
    [...Array(4).fill({ TF_IN_AUTOMATION: '1', TF_INPUT: '0' }), ...Array(5).fill({ TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...configs })],
  );

  const outputs = outcome.records.get('terraform-apply')!.outputs;
  assert.deepEqual(outputs, { workspace: 'drill-r1', binary: 'terraform', control_plane_endpoint: 'https://10.99.0.10:6443', kubeconfig: path.join(dir, 'kubeconfig'), talosconfig: path.join(dir, 'talosconfig') });
  for (const file of ['kubeconfig', 'talosconfig']) assert.equal((await stat(path.join(dir, file))).mode & 0o777, 0o600, `${file} is 0600`);
  assert.match(await readFile(path.join(dir, 'kubeconfig'), 'utf8'), /token: fake-token-drill-r1-7d1c2e/);

  const everything = JSON.stringify(events);
  assert.ok(everything.includes(`$ terraform ${chdir} output -json -no-color`));
  assert.ok(!JSON.stringify(outputs).includes('fake-token'), 'no sensitive output is a step output');
  // Every sensitive output is registered: reports and later log lines mask it.
  assert.equal(masker.mask('token drill@pve!dr-drill=fake-token-drill-r1-7d1c2e-proxmox in a report'), 'token *** in a report');
  assert.equal(masker.mask(await readFile(path.join(dir, 'kubeconfig'), 'utf8')), '***\n');
  // The kubeconfig's credentials are masked wherever they appear; its structure is not.
  assert.equal(masker.mask('    token: fake-token-drill-r1-7d1c2e'), '    token: ***');
  assert.equal(masker.mask('apiVersion: v1\nkind: Config\ncurrent-context: admin@drill-r1'), 'apiVersion: v1\nkind: Config\ncurrent-context: admin@drill-r1');
  assert.deepEqual(outcome.records.get('terraform-destroy')!.outputs, { destroyed: true, workspace: 'drill-r1' });
});

test('a production workspace is refused before any terraform command runs', async () => {
  const { dir, log, env } = await setup();
  const plan = planFrom(terraformDrill('default'), undefined, path.join(dir, 'cold-start.yaml'));
  const { outcome } = await runPlan(plan, { session: realSession(), env, workDir: dir });
  const expected = { code: 'EPRODTARGET', message: 'refusing to use Terraform workspace "default": it holds production state', details: 'give the step a drill-owned workspace, e.g. workspace: drill-${run.id}' };
  assert.equal(outcome.records.get('terraform-apply')!.status, 'failed');
  assert.deepEqual(outcome.records.get('terraform-apply')!.error, expected);
  assert.deepEqual(outcome.records.get('terraform-apply')!.attempts.length, 1, 'EPRODTARGET is not retried');
  assert.deepEqual(outcome.records.get('terraform-destroy')!.error, expected);
  assert.deepEqual(await recorded(log), []);
});

test('a failed apply reports terraform\'s error and the destroy still runs', async () => {
  const { dir, tf, log, env } = await setup();
  const plan = planFrom(terraformDrill(), undefined, path.join(dir, 'cold-start.yaml'));
  const { outcome } = await runPlan(plan, { session: realSession(), env: { ...env, DRILL_FAKE_FAIL: 'terraform apply' }, workDir: dir });
  const error = outcome.records.get('terraform-apply')!.error!;
  assert.equal(error.code, 'ECOMMAND');
  assert.equal(error.message, 'terraform exited with code 1');
  assert.equal(
    error.details,
    [
      `command: terraform -chdir=${tf} apply -auto-approve -input=false -no-color -lock-timeout=10m -var-file=drill.tfvars -var=talos_version=v1.11.5`,
      '╷',
      "│ Error: error waiting for VM clone: storage 'local-zfs' is locked (timeout)",
      '│ ',
      '│   with proxmox_virtual_environment_vm.controlplane[0],',
      '│   on vms.tf line 12, in resource "proxmox_virtual_environment_vm" "controlplane":',
      '╵',
    ].join('\n'),
  );
  assert.equal(outcome.records.get('terraform-destroy')!.status, 'passed');
  assert.deepEqual((await recorded(log)).map((call) => call.args[1]), ['init', 'workspace', 'apply', 'init', 'workspace', 'destroy', 'workspace', 'workspace']);
});

const destroyOnly = () =>
  drillYaml(`phases:
  - name: p
    steps:
      - { id: noop, kind: command, with: { run: ["true"] } }
finally:
  - id: terraform-destroy
    kind: terraform.destroy
    with: { dir: infrastructure/environments/drill, workspace: drill-gone, backendConfig: [backend.config] }
`);

test('a drill workspace that does not exist means nothing to destroy; a backend that cannot be read fails the teardown', async () => {
  const { dir, env } = await setup();
  const plan = planFrom(destroyOnly(), undefined, path.join(dir, 'cold-start.yaml'));
  const gone = await runPlan(plan, { session: realSession(), env, workDir: dir });
  const clean = gone.outcome.records.get('terraform-destroy')!;
  assert.equal(clean.status, 'passed', JSON.stringify(clean.error));
  assert.deepEqual(clean.outputs, { destroyed: false, workspace: 'drill-gone' });

  const denied = await runPlan(plan, { session: realSession(), env: { ...env, DRILL_FAKE_FAIL: 'terraform workspace' }, workDir: dir });
  const record = denied.outcome.records.get('terraform-destroy')!;
  assert.equal(record.status, 'failed');
  assert.equal(record.error!.code, 'ECOMMAND');
  assert.equal(record.error!.message, 'terraform workspace select drill-gone failed: cannot tell whether the drill cluster exists');
  assert.match(record.error!.details!, /AccessDenied: Access Denied\n╵\ncheck the backend configuration and credentials, then destroy workspace drill-gone by hand if it exists$/);
});

test('a teardown-only run destroys the workspace of a run whose own teardown never ran', async () => {
  const { dir, log, env } = await setup();
  const plan = planFrom(terraformDrill(), undefined, path.join(dir, 'cold-start.yaml'));
  // The drill job was killed after apply: its finally never ran.
  const killed = await runPlan({ ...plan, finallySteps: [] }, { session: realSession(), env, workDir: dir });
  assert.equal(killed.outcome.records.get('terraform-apply')!.status, 'passed');
  const teardown = await runPlan(teardownPlan(plan), { session: realSession(), env, workDir: dir });
  assert.deepEqual([...teardown.outcome.records.keys()], ['terraform-destroy']);
  const destroy = teardown.outcome.records.get('terraform-destroy')!;
  assert.equal(destroy.status, 'passed', JSON.stringify(destroy.error));
  assert.deepEqual(destroy.outputs, { destroyed: true, workspace: 'drill-r1' });
  const calls = (await recorded(log)).map((call) => call.args.slice(1).join(' '));
  assert.ok(calls.includes('destroy -auto-approve -input=false -no-color -lock-timeout=10m -var-file=drill.tfvars'), calls.join('\n'));
});

test(
  'sensitive Terraform outputs never reach the step log',
  async () => {
    const { dir, env } = await setup();
    const plan = planFrom(terraformDrill(), undefined, path.join(dir, 'cold-start.yaml'));
    const { events } = await runPlan(plan, { session: realSession(), env, workDir: dir });
    const leaking = events.filter((event) => JSON.stringify(event).includes('fake-token-drill-r1-7d1c2e'));
    assert.deepEqual(leaking, []);
  },
);

/** The acceptance checks, through the real CLI on the simulated target. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { junitXsd } from '../../helpers/xml.ts';
import { assertJunitSchema } from '../../helpers/junit-schema.ts';

const FAST = ['--time-scale', '3000'];
const readResult = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as DrillResult;
const stepStatus = (result: DrillResult) => Object.fromEntries(result.steps.map((step) => [step.id, step.status]));

/** A subtest: junit.xml against the Jenkins JUnit XSD with its documented extensions (skipped without the schema, failed under DR_DRILL_REQUIRE_TOOLS). */
async function validateJunit(t: TestContext, file: string): Promise<void> {
  const xsd = junitXsd();
  await t.test('junit.xml is valid against the Jenkins JUnit XSD', { skip: xsd.skip }, () => assertJunitSchema(xsd.file!, file));
}

test('the cold-start drill runs green on sim and writes junit.xml, result.json and summary.md', async (t) => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, ...FAST]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const written = await readdir(out);
  for (const name of ['junit.xml', 'logs', 'result.json', 'summary.md']) assert.ok(written.includes(name), `${name} in ${written.join(', ')}`);
  const result = await readResult(out);
  assert.equal(result.status, 'passed');
  assert.equal(result.schemaVersion, 1);
  assert.ok(Object.values(stepStatus(result)).every((status) => status === 'passed'));
  assert.deepEqual(result.milestones.map((milestone) => [milestone.name, milestone.verdict]), [['control-plane', 'met'], ['critical-apps', 'met']]);
  assert.deepEqual(result.rpo.map((rpo) => [rpo.dataClass, rpo.verdict]), [['data', 'met'], ['cluster-config', 'met']]);
  // The sim's newest Completed backup is 5h old (plus the 11m backup window, judged from its
  // start); Velero timestamps have whole seconds.
  const expected = (5 * 60 + 11) * 60_000;
  assert.ok(result.rpo[0]!.achievedMs! >= expected && result.rpo[0]!.achievedMs! < expected + 1000, String(result.rpo[0]!.achievedMs));
  assert.equal(result.rpo[1]!.achievedMs, 0);
  const flux = ['flux-controllers', 'flux-configs', 'flux-apps'].map((id) => result.steps.find((step) => step.id === id)!);
  assert.ok(flux[0]!.endMs! <= flux[1]!.endMs! && flux[1]!.endMs! <= flux[2]!.endMs!, 'Flux layers in order');
  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  assert.match(summary, /^## ✅ DR drill `cold-start` passed on `sim`/);
  assert.match(summary, /\| control-plane \| \d+m \d\d(\.\d{3})?s \| 4h 00m 00s \| ✅ met \|/);
  await validateJunit(t, path.join(out, 'junit.xml'));
  assert.match(run.stdout, /^ {2}RTO control-plane +\S+( \S+)* +4h 00m 00s +met$/m);
});

test('a fault in the restore turns the drill red with the failed-step exit code; teardown still runs', async (t) => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--out', out, '--fault', 'velero-restore=fail', ...FAST]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const result = await readResult(out);
  assert.equal(result.status, 'failed');
  const status = stepStatus(result);
  assert.equal(status['velero-restore'], 'failed');
  assert.equal(status['paperless-check'], 'skipped');
  assert.equal(status['terraform-destroy'], 'passed');
  assert.match(result.reason, /^step velero-restore failed: Velero restore velero-restore-\S+ did not complete cleanly: phase PartiallyFailed; 3 error\(s\); 1 warning\(s\)/);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<testcase classname="cold-start.restore-volumes" name="velero-restore \[velero.restore\]"[^>]*>\s*<failure message="failed: Velero restore/);
  assert.match(junit, /\[\[ATTACHMENT\|[^\]]*logs\/velero-restore\.log\]\]/);
  await validateJunit(t, path.join(out, 'junit.xml'));
  assert.match(await readFile(path.join(out, 'logs/velero-restore.log'), 'utf8'), /PartiallyFailed/);
});

test('a failed teardown is a failure in JUnit and in the exit code, even when everything else passed', async () => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--out', out, '--fault', 'terraform-destroy=fail', ...FAST]);
  assert.equal(run.code, 1);
  const result = await readResult(out);
  assert.equal(result.reason, 'teardown step terraform-destroy failed: resources may be left behind');
  assert.equal(result.steps.find((step) => step.id === 'terraform-destroy')!.attempts.length, 3, 'retried twice');
  assert.match(await readFile(path.join(out, 'junit.xml'), 'utf8'), /<failure message="teardown failed after 3 attempts: terraform exited with code 1"/);
});

test('SIGTERM mid-drill runs teardown, writes a partial result and exits with the cancelled code', async () => {
  const out = await tempDir();
  let sent = false;
  const run = await runCli(['run', 'drills/cold-start.yaml', '--out', out, '--time-scale', '600'], {
    onStdout: (text, child) => {
      if (!sent && text.includes('▶ talos-health')) {
        sent = true;
        child.kill('SIGTERM');
      }
    },
  });
  assert.ok(sent, 'the drill reached talos-health');
  assert.equal(run.code, 130, run.stdout + run.stderr);
  assert.match(run.stderr, /SIGTERM received: cancelling the drill; teardown runs/);
  const result = await readResult(out);
  assert.equal(result.status, 'cancelled');
  assert.equal(result.reason, 'cancelled (SIGTERM received)');
  const status = stepStatus(result);
  assert.equal(status['terraform-apply'], 'passed');
  assert.equal(status['talos-health'], 'cancelled');
  assert.equal(status['flux-apps'], 'not-run');
  assert.equal(status['terraform-destroy'], 'passed');
  assert.ok(existsSync(path.join(out, 'junit.xml')) && existsSync(path.join(out, 'summary.md')));
});

test('a malformed drill file stops with file:line:column and the invalid-input code; nothing runs', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'broken.yaml');
  await writeFile(file, 'apiVersion: dr-drill.io/v1\nkind: Drill\nname: broken\nscenario: cold-start\nphases:\n  - name: one\n    steps:\n      - id: a\n        kind: terraform.aply\n');
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', file, '--out', out]);
  assert.equal(run.code, 3);
  assert.equal(run.stderr.trim(), `${file}:9:15 EUNKNOWNKIND unknown step kind "terraform.aply" (field phases[0].steps[0].kind)\n  did you mean "terraform.apply"? \`dr-drill kinds\` lists every kind`);
  assert.equal(existsSync(out), false, 'no reports, nothing provisioned');
});

test('a planted secret appears nowhere: not in progress output, logs, result, JUnit or summary', async () => {
  const dir = await tempDir();
  const planted = 'planted-Secret-7f3a9c';
  await writeFile(
    path.join(dir, 'leaky.yaml'),
    `apiVersion: dr-drill.io/v1
kind: Drill
name: leaky
scenario: secret-rotation
secrets: [DRILL_PLANTED]
phases:
  - name: one
    steps:
      - id: echo-it
        kind: command
        with: { run: [echo, "token=\${env.DRILL_PLANTED}"] }
      - id: fail-with-it
        kind: command
        with: { run: [terraform, "-chdir=\${env.DRILL_PLANTED}", bogus] }
`,
  );
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'leaky.yaml'), '--out', out, '--verbose'], { env: { DRILL_PLANTED: planted } });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /token=\*\*\*/);
  assert.ok(!run.stdout.includes(planted) && !run.stderr.includes(planted), 'terminal');
  const files = [...(await readdir(out)).map((name) => path.join(out, name)).filter((file) => !file.endsWith('logs')), ...(await readdir(path.join(out, 'logs'))).map((name) => path.join(out, 'logs', name))];
  assert.ok(files.length >= 5);
  for (const file of files) assert.ok(!(await readFile(file, 'utf8')).includes(planted), `${file} leaks the secret`);
});

test('a missed RTO objective fails the drill with its own exit code; a hung step times out', async () => {
  const dir = await tempDir();
  const drill = (await readFile('drills/cold-start.yaml', 'utf8')).replace('control-plane: 4h', 'control-plane: 10m');
  await writeFile(path.join(dir, 'tight.yaml'), drill);
  await cp('drills/scripts', path.join(dir, 'scripts'), { recursive: true });
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'tight.yaml'), '--out', out, '--fault', 'ingress-ip=hang', ...FAST]);
  const result = await readResult(out);
  assert.equal(run.code, 1, 'a timed-out step outranks a missed objective');
  assert.equal(result.steps.find((step) => step.id === 'ingress-ip')!.status, 'timed-out');
  assert.equal(result.steps.find((step) => step.id === 'ingress-ip')!.error!.message, 'timed out after 10m 00s');

  const green = await runCli(['run', path.join(dir, 'tight.yaml'), '--out', out, ...FAST]);
  assert.equal(green.code, 2, green.stdout);
  const missed = await readResult(out);
  assert.match(missed.reason, /^objective missed: RTO control-plane \d+m \d\d(\.\d{3})?s > 10m 00s$/);
  assert.match(await readFile(path.join(out, 'junit.xml'), 'utf8'), /<failure message="RTO control-plane missed: \d+m \d\d(\.\d{3})?s > 10m 00s" type="EOBJECTIVE">EOBJECTIVE /);
});

test('the namespace-restore drill restores into scratch namespaces and removes them afterwards (sim)', async (t) => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/namespace-restore.yaml', '--target', 'sim', '--out', out, ...FAST]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const result = await readResult(out);
  const restore = result.steps.find((step) => step.id === 'velero-restore')!;
  assert.equal(restore.outputs.phase, 'Completed');
  assert.equal(restore.outputs.volumes, 2);
  assert.match(run.stdout, new RegExp(`deleted Namespace paperless-drill-${result.run.id}`));
  assert.equal(result.steps.find((step) => step.id === 'remove-scratch-namespaces')!.status, 'passed');
  // What the restore warned about reaches the result, JUnit and the summary, though the step passed.
  assert.equal(restore.warnings?.length, 1);
  assert.match(restore.warnings![0]!, /^skipping newer backup daily-\d+: phase PartiallyFailed$/);
  const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /passed in [^<]*\nwarnings:\n- skipping newer backup daily-\d+: phase PartiallyFailed/);
  assert.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /### Warnings\n\n- ⚠️ \*\*velero-restore\*\*: skipping newer backup/);
  await validateJunit(t, path.join(out, 'junit.xml'));
});

test('an error before any run is masked too: a secret-named variable quoted by the error never reaches the terminal', async () => {
  const planted = 'planted-Token-93bd1e';
  const run = await runCli(['validate', `drills/${planted}.yaml`], { env: { DRILL_API_TOKEN: planted } });
  assert.equal(run.code, 3);
  assert.match(run.stderr, /EDRILLREAD .*drills\/\*\*\*\.yaml/);
  assert.ok(!run.stdout.includes(planted) && !run.stderr.includes(planted), run.stderr);
});

test('dr-drill report renders the same reports again from result.json alone', async () => {
  const out = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, '--fault', 'velero-restore=fail', ...FAST]);
  assert.equal(run.code, 1);
  const again = await tempDir();
  const rendered = await runCli(['report', path.join(out, 'result.json'), '--out', again]);
  assert.equal(rendered.code, 0, rendered.stderr);
  for (const name of ['summary.md', 'junit.xml', 'metrics.txt']) {
    assert.equal(await readFile(path.join(again, name), 'utf8'), await readFile(path.join(out, name), 'utf8'), name);
  }
  const broken = await runCli(['report', path.join(out, 'summary.md')]);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /ERESULT/);
});

test('dr-drill teardown runs only the finally steps for a named run; a run id is required and must be name-safe', async () => {
  const out = await tempDir();
  const run = await runCli(['teardown', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, ...FAST], { env: { DR_DRILL_RUN_ID: 'gh-4242-1' } });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const result = await readResult(out);
  assert.equal(result.run.id, 'gh-4242-1');
  assert.deepEqual(result.steps.map((step) => [step.id, step.status]), [['terraform-destroy', 'passed']]);
  assert.equal(result.reason, 'teardown only: every finally step passed');
  assert.match(run.stdout, /workspace select -no-color drill-gh-4242-1/);
  const missing = await runCli(['teardown', 'drills/cold-start.yaml', '--target', 'sim', '--out', out]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /^EUSAGE teardown needs the run id of the drill to tear down/);
  const unsafe = await runCli(['run', 'drills/cold-start.yaml', '--run-id', 'Prod_1', '--out', out]);
  assert.equal(unsafe.code, 3);
  assert.match(unsafe.stderr, /^EUSAGE run id "Prod_1" is not usable in workspace and object names/);
});

test('a teardown checks only its tools and isolation: an empty age key stops a run, not the teardown after it', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'empty.agekey'), '');
  const drill = path.join(dir, 'cold-start.yaml');
  await writeFile(drill, (await readFile('drills/cold-start.yaml', 'utf8')).replace('ageKeyFile: ${env.SOPS_AGE_KEY_FILE:-../age.agekey}', 'ageKeyFile: empty.agekey'));
  const run = await runCli(['run', drill, '--target', 'sim', '--out', path.join(dir, 'run'), ...FAST]);
  assert.equal(run.code, 3);
  assert.match(run.stderr, /empty\.agekey/);
  const teardown = await runCli(['teardown', drill, '--target', 'sim', '--run-id', 'gh-7-1', '--out', path.join(dir, 'teardown'), ...FAST]);
  assert.equal(teardown.code, 0, teardown.stdout + teardown.stderr);
});

test('run --controls tells the job log each control as it runs: its faults, the faulted steps that did not pass, its verdict', async () => {
  const out = path.join(await tempDir(), 'reports');
  const run = await runCli(['run', 'drills/node-loss.yaml', '--target', 'sim', '--controls', '--out', out, ...FAST]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const lines = run.stdout.split('\n');
  const at = (pattern: RegExp) => {
    const index = lines.findIndex((line) => pattern.test(line));
    assert.ok(index >= 0, `no line matching ${pattern}:\n${run.stdout}`);
    return index;
  };
  const started = at(/^▶ control workloads-stranded \(1\/2\): a faulted re-run of the drill with drain=fail; it must turn red$/);
  const failedStep = at(/^ {2}control workloads-stranded │ ✖ rescheduled (failed|timed-out) in /);
  const detected = at(/^✔ control workloads-stranded detected in \d/);
  const second = at(/^▶ control node-never-ready \(2\/2\): a faulted re-run of the drill with node-ready=fail; it must turn red$/);
  assert.ok(started < failedStep && failedStep < detected && detected < second, run.stdout);
  at(/^✔ control node-never-ready detected in \d/);
});

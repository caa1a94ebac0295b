import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { actionlintPath, buildActionlint } from '../../../scripts/build-actionlint.ts';

const WORKFLOWS = readdirSync('.github/workflows').filter((name) => name.endsWith('.yml')).map((name) => `.github/workflows/${name}`);
const load = (file: string) => parse(readFileSync(file, 'utf8')) as Record<string, any>;
const goAvailable = spawnSync(process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'), ['version'], { stdio: 'ignore' }).status === 0;
const canLint = existsSync(actionlintPath()) || goAvailable;

test('actionlint (built from the Go module proxy) reports nothing for .github/workflows/*.yml', { skip: !canLint && !process.env.DR_DRILL_REQUIRE_TOOLS && 'no Go toolchain to build actionlint (node scripts/build-actionlint.ts)' }, () => {
  const { path: actionlint } = buildActionlint();
  const version = spawnSync(actionlint, ['-version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  assert.match(version!, /^v1\.7\.(1[2-9]|[2-9]\d)/, 'actionlint must know on.schedule[].timezone (v1.7.12+)');
  const lint = spawnSync(actionlint, ['-no-color', ...WORKFLOWS], { encoding: 'utf8' });
  assert.equal(lint.stdout + lint.stderr, '');
  assert.equal(lint.status, 0);
  // The same binary rejects an unknown time zone, so this check can fail.
  const bad = spawnSync(actionlint, ['-no-color', '-'], { encoding: 'utf8', input: "on:\n  schedule:\n    - cron: '0 6 15 1 *'\n      timezone: Europe/Nowhere\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: 'true'\n" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /Europe\/Nowhere/);
});

test('the drill workflow: yearly schedule with a time zone, dispatch inputs, one drill at a time', () => {
  const workflow = load('.github/workflows/drill.yml');
  assert.deepEqual(workflow.on.schedule, [{ cron: '0 6 15 1 *', timezone: 'Europe/Berlin' }]);
  const inputs = workflow.on.workflow_dispatch.inputs;
  assert.deepEqual(Object.keys(inputs), ['drill', 'target', 'keep-cluster', 'plan-only']);
  assert.equal(inputs.drill.type, 'choice');
  assert.deepEqual(inputs.drill.options, readdirSync('drills').filter((name) => name.endsWith('.yaml')).map((name) => `drills/${name}`), 'every drill file is a choice of workflow_dispatch');
  assert.deepEqual(workflow.concurrency, { group: 'dr-drill', 'cancel-in-progress': false });
  const job = workflow.jobs.drill;
  assert.equal(typeof job['timeout-minutes'], 'number');
  const steps = job.steps as Record<string, any>[];
  assert.equal(steps.find((step) => String(step.uses).startsWith('actions/setup-node'))!.with['node-version'], 24);
  for (const name of ['Upload reports', 'Publish JUnit to the checks UI', 'Append the result to the history branch', 'Chat notification']) {
    assert.match(steps.find((step) => step.name === name)!.if, /^\$\{\{ !cancelled\(\) && /, name);
  }
  const drill = steps.find((step) => step.id === 'drill')!;
  assert.equal(drill.env.PROXMOX_VE_API_TOKEN, '${{ secrets.PROXMOX_VE_API_TOKEN }}');
  assert.match(steps.find((step) => step.name === 'Derive credentials')!.run, /echo "::add-mask::\$\{secret_part\}"/);
  assert.deepEqual(Object.keys(job.outputs), ['run-id', 'verdict', 'exit-code', 'rto', 'rpo']);
  // A cancelled drill job has seconds to live: a job of its own tears the same run down.
  assert.equal(workflow.env.DR_DRILL_RUN_ID, 'gh-${{ github.run_id }}-${{ github.run_attempt }}');
  const teardown = workflow.jobs.teardown;
  assert.equal(teardown.needs, 'drill');
  assert.equal(teardown.if, "${{ always() && needs.drill.result != 'success' && needs.drill.outputs.run-id != '' && !inputs.plan-only }}");
  assert.equal(teardown.env.DR_DRILL_RUN_ID, '${{ needs.drill.outputs.run-id }}');
  assert.equal(steps[0]!.id, 'run-id', 'the run id is an output before anything can be cancelled');
  assert.match((teardown.steps as { run?: string }[]).map((step) => step.run ?? '').join('\n'), /node bin\/dr-drill\.js teardown "\$DRILL"/);
});

test('the tests workflow runs npm ci and npm test on push and pull request', () => {
  const workflow = load('.github/workflows/test.yml');
  assert.deepEqual(Object.keys(workflow.on), ['push', 'pull_request']);
  const runs = (workflow.jobs.test.steps as { run?: string }[]).map((step) => step.run).filter(Boolean);
  assert.ok(runs.includes('npm ci --no-audit --no-fund'));
  assert.ok(runs.includes('npm test'));
});

test('action.yml documents every input and output, and the outputs are the ones the drill sets', () => {
  const action = load('action.yml');
  assert.equal(action.runs.using, 'composite');
  for (const [name, input] of Object.entries(action.inputs as Record<string, { description?: string }>)) assert.ok(input.description && input.description.length > 20, `input ${name} is documented`);
  for (const [name, output] of Object.entries(action.outputs as Record<string, { description?: string; value: string }>)) {
    assert.ok(output.description, `output ${name} is documented`);
    assert.equal(output.value, `\${{ steps.drill.outputs.${name} }}`);
  }
  assert.deepEqual(Object.keys(action.outputs), ['verdict', 'exit-code', 'reason', 'run-id', 'rto', 'rpo', 'report-dir']);
});

test('the action runs the dr-drill of its own ref: installed and started from $GITHUB_ACTION_PATH, nothing fetched from main or a registry', () => {
  const action = load('action.yml');
  const scripts = (action.runs.steps as { run?: string }[]).map((step) => step.run ?? '').filter(Boolean);
  assert.equal(scripts[0], 'npm ci --prefix "$GITHUB_ACTION_PATH" --no-audit --no-fund');
  const all = scripts.join('\n');
  // Every dr-drill entry point it starts is a file of the action's own checkout.
  const started = [...all.matchAll(/\bnode "([^"]+)"/g)].map((match) => match[1]);
  assert.deepEqual(started, ['$GITHUB_ACTION_PATH/bin/dr-drill.js', '$GITHUB_ACTION_PATH/scripts/ci-drill.ts']);
  assert.doesNotMatch(all, /\bnpx\b|npm (install|i) |git (clone|fetch)|\bmain\b|@latest/);
  assert.match(all, /export PATH="\$GITHUB_ACTION_PATH\/node_modules\/\.bin:\$PATH"/);
});

// terraform.apply / terraform.destroy with real OpenTofu on the local target, on the configuration
// shipped in src/targets/local/terraform/: a workspace per run created and deleted, a held state
// lock waited for (and refused without a lock timeout), a workspace that never existed is nothing
// to destroy, and tofu's stdout warnings never break reading the outputs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { leftoversOf, snapshot } from './leftovers.ts';

/** A backend config of the test's own, so the test can see the workspace's state file and hold its lock. */
async function backend(): Promise<{ file: string; workspaces: string }> {
  const dir = await tempDir();
  const workspaces = path.join(dir, 'workspaces');
  const file = path.join(dir, 'drill.tfbackend');
  writeFileSync(file, `path = ${JSON.stringify(path.join(dir, 'default.tfstate'))}\nworkspace_dir = ${JSON.stringify(workspaces)}\n`);
  return { file, workspaces };
}

const tofuInputs = (backendFile: string, extra = '') =>
  `{ binary: tofu, dir: "\${target.terraformDir}", workspace: "drill-\${run.id}", backendConfig: ["${backendFile}"], varFiles: ["\${target.terraformVarFile}"], dataDir: "\${run.dir}/tofu"${extra} }`;

async function runLocalDrill(body: string, runId: string, env: Record<string, string> = {}): Promise<{ code: number | null; result: DrillResult; output: string; logs: (step: string) => string }> {
  const dir = await tempDir();
  writeFileSync(path.join(dir, 'drill.yaml'), `apiVersion: dr-drill.io/v1\nkind: Drill\nname: tofu-lifecycle\nscenario: cold-start\ntarget: local\n${body}`);
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'drill.yaml'), '--out', out, '--run-id', runId], { env });
  const output = run.stdout + run.stderr;
  assert.ok(existsSync(path.join(out, 'result.json')), output);
  return {
    code: run.code,
    result: JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as DrillResult,
    output,
    logs: (step) => readFileSync(path.join(out, 'logs', `${step}.log`), 'utf8'),
  };
}

const holders: ChildProcess[] = [];
after(() => {
  for (const holder of holders) holder.kill('SIGKILL');
});

/**
 * Holds the workspace's state lock the way another tofu process does (local backend: an fcntl write
 * lock on the state file plus .terraform.tfstate.lock.info naming the holder, which is what lets a
 * waiting tofu retry) until the file `release` appears.
 */
function holdLock(stateFile: string, release: string): Promise<void> {
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, '');
  const info = JSON.stringify({ ID: randomUUID(), Operation: 'OperationTypeApply', Info: '', Who: 'test@lock-holder', Version: '1.12.6', Created: new Date().toISOString(), Path: stateFile });
  const script = [
    'import fcntl, os, sys, time',
    "f = open(sys.argv[1], 'r+')",
    'fcntl.lockf(f, fcntl.LOCK_EX)',
    "open(os.path.join(os.path.dirname(sys.argv[1]), '.terraform.tfstate.lock.info'), 'w').write(sys.argv[3])",
    "print('held', flush=True)",
    'while not os.path.exists(sys.argv[2]): time.sleep(0.05)',
    "os.remove(os.path.join(os.path.dirname(sys.argv[1]), '.terraform.tfstate.lock.info'))",
    'fcntl.lockf(f, fcntl.LOCK_UN)',
    'time.sleep(600)',
  ].join('\n');
  const holder = spawn('python3', ['-c', script, stateFile, release, info], { stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(holder);
  return new Promise((resolve, reject) => {
    holder.stdout!.setEncoding('utf8').once('data', (text: string) => (text.includes('held') ? resolve() : reject(new Error(text))));
    holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
}

test('a held state lock: apply waits for it with a lock timeout, and fails with tofu\'s lock error without one', { timeout: 600_000 }, async () => {
  const { file, workspaces } = await backend();
  const before = snapshot();

  // Without a lock timeout the apply gives up at once and says why; nothing is provisioned.
  const refusedId = `lock0-${Date.now().toString(36)}`;
  await holdLock(path.join(workspaces, `drill-${refusedId}`, 'terraform.tfstate'), path.join(workspaces, 'release-0'));
  const refused = await runLocalDrill(`phases:\n  - name: p\n    steps:\n      - { id: apply, kind: terraform.apply, timeout: 2m, with: ${tofuInputs(file, ', talosconfigOutput: "", lockTimeout: 0s')} }\n`, refusedId);
  writeFileSync(path.join(workspaces, 'release-0'), '');
  assert.equal(refused.code, 1, refused.output);
  assert.match(`${refused.result.steps[0]!.error!.details ?? ''}\n${refused.logs('apply')}`, /Error acquiring the state lock/);
  assert.match(refused.result.steps[0]!.error!.details ?? '', /test@lock-holder/);

  // With one, it waits until the holder lets go, then provisions; destroy removes it all.
  const runId = `lock-${Date.now().toString(36)}`;
  const release = path.join(workspaces, 'release');
  await holdLock(path.join(workspaces, `drill-${runId}`, 'terraform.tfstate'), release);
  let releasedAt = 0;
  const timer = setTimeout(() => {
    releasedAt = Date.now();
    writeFileSync(release, '');
  }, 10_000);
  try {
    const { code, result, output, logs } = await runLocalDrill(
      `phases:\n  - name: p\n    steps:\n      - { id: apply, kind: terraform.apply, timeout: 5m, with: ${tofuInputs(file, ', talosconfigOutput: "", lockTimeout: 2m')} }\nfinally:\n  - { id: destroy, kind: terraform.destroy, timeout: 3m, with: ${tofuInputs(file)} }\n`,
      runId,
    );
    assert.equal(code, 0, output);
    assert.match(logs('apply'), /Acquiring state lock/);
    assert.ok(releasedAt > 0, 'the holder was never released');
    // The apply could only finish after the lock was let go.
    const apply = result.steps.find((step) => step.id === 'apply')!;
    const applyEnded = Date.parse(result.run.startedAt) + apply.endMs!;
    assert.ok(applyEnded >= releasedAt, `apply ended ${new Date(applyEnded).toISOString()}, lock released ${new Date(releasedAt).toISOString()}`);
    assert.equal(result.steps.find((step) => step.id === 'destroy')!.outputs.destroyed, true);
    assert.equal(existsSync(path.join(workspaces, `drill-${runId}`)), false, 'workspace directory left behind');
    assert.deepEqual(leftoversOf(before, String(apply.outputs.cluster_name), runId), { dirs: [], processes: [] });
  } finally {
    clearTimeout(timer);
  }
});

test('destroying a workspace that was never created is nothing to destroy', { timeout: 120_000 }, async () => {
  const { file, workspaces } = await backend();
  const runId = `never-${Date.now().toString(36)}`;
  const { code, result, output, logs } = await runLocalDrill(`phases:\n  - name: p\n    steps:\n      - { id: nothing, kind: command, with: { run: ["true"] } }\nfinally:\n  - { id: destroy, kind: terraform.destroy, timeout: 2m, with: ${tofuInputs(file)} }\n`, runId);
  assert.equal(code, 0, output);
  const destroy = result.steps.find((step) => step.id === 'destroy')!;
  assert.equal(destroy.status, 'passed');
  assert.deepEqual(destroy.outputs, { destroyed: false, workspace: `drill-${runId}` });
  assert.match(logs('destroy'), /workspace drill-never-\S+ does not exist: nothing was provisioned, nothing to destroy/);
  assert.equal(existsSync(path.join(workspaces, `drill-${runId}`)), false);
});

/**
 * Every way users start a drill can be cancelled: SIGTERM to the process the user started
 * (`node bin/dr-drill.js`, `npm run drill --`, `npx dr-drill`, the GitHub action's run script)
 * cancels the drill mid-run, teardown runs, a partial result is written, and no process is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import type { DrillResult } from '../../../src/result/model.ts';
import { BIN, REPO } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

/**
 * The cold-start drill with a provisioning step that hangs until cancelled: a hang fault on a
 * step whose timeout is a day, at an explicit real-time pace, is mid-run whatever the clock.
 */
async function hangingDrill(): Promise<{ file: string; out: string; args: string[] }> {
  const dir = await tempDir('dr-drill-launcher-');
  const drill = (await readFile(path.join(REPO, 'drills/cold-start.yaml'), 'utf8')).replace(/(- id: terraform-apply\n\s+kind: terraform.apply\n\s+timeout: )45m/, '$124h');
  assert.match(drill, /timeout: 24h/, 'the fixture found the terraform-apply step');
  const file = path.join(dir, 'hanging.yaml');
  await writeFile(file, drill);
  await cp(path.join(REPO, 'drills/scripts'), path.join(dir, 'scripts'), { recursive: true });
  const out = path.join(dir, 'reports');
  return { file, out, args: ['run', file, '--target', 'sim', '--out', out, '--fault', 'terraform-apply=hang', '--time-scale', '600'] };
}

interface Launched {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the launcher in a process group of its own, sends `signal` to the launcher alone once
 * the hanging step has started, and waits until the launcher has exited and the whole group
 * (every process it started, even one re-parented away from it) is gone.
 */
function launchAndCancel(command: string, args: string[], signal: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): Promise<Launched> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, detached: true, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent && stdout.includes('▶ terraform-apply')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, exitSignal) => {
      void groupGone(child.pid!).then((gone) => {
        if (!gone) {
          process.kill(-child.pid!, 'SIGKILL');
          reject(new Error(`processes of ${command} outlived it:\n${stdout}\n${stderr}`));
        } else if (!sent) reject(new Error(`the drill never reached terraform-apply:\n${stdout}\n${stderr}`));
        else resolve({ code, signal: exitSignal, stdout, stderr });
      });
    });
  });
}

/** True once no process of the group is left; false if some are still there after two minutes. */
async function groupGone(pgid: number): Promise<boolean> {
  for (let waited = 0; waited < 120_000; waited += 100) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

async function assertCancelledWithTeardown(out: string, launched: Launched): Promise<void> {
  const result = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  const status = Object.fromEntries(result.steps.map((step) => [step.id, step.status]));
  assert.equal(result.status, 'cancelled', launched.stdout + launched.stderr);
  assert.equal(result.exitCode, 130);
  assert.equal(status['git-head'], 'passed');
  assert.equal(status['terraform-apply'], 'cancelled');
  assert.equal(status['flux-apps'], 'not-run');
  assert.equal(status['terraform-destroy'], 'passed', 'teardown ran');
}

test('node bin/dr-drill.js: SIGTERM cancels the drill, teardown runs, exit 130', async () => {
  const { out, args } = await hangingDrill();
  const launched = await launchAndCancel(process.execPath, [BIN, ...args], 'SIGTERM');
  assert.equal(launched.code, 130, launched.stdout + launched.stderr);
  assert.match(launched.stderr, /SIGTERM received: cancelling the drill; teardown runs/);
  await assertCancelledWithTeardown(out, launched);
});

test('npm run drill --: SIGTERM to npm reaches the drill (the script execs it); npm exits 130 after teardown', async () => {
  const { out, args } = await hangingDrill();
  const launched = await launchAndCancel('npm', ['run', '--silent', 'drill', '--', ...args], 'SIGTERM');
  assert.equal(launched.code, 130, launched.stdout + launched.stderr);
  assert.match(launched.stderr, /SIGTERM received: cancelling the drill; teardown runs/);
  await assertCancelledWithTeardown(out, launched);
});

// The project's .npmrc sets script-shell=bash: npm exec then runs the bin without a shell in
// between (bash execs a single command), so npx passes SIGINT and SIGTERM on to the drill itself.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`npx dr-drill: ${signal} to npx reaches the drill; npx exits 130 after teardown, nothing outlives it`, async () => {
    const { out, args } = await hangingDrill();
    const launched = await launchAndCancel('npx', ['--yes', 'dr-drill', ...args], signal);
    assert.equal(launched.code, 130, `${launched.code} ${launched.signal}\n${launched.stdout}\n${launched.stderr}`);
    assert.match(launched.stderr, new RegExp(`${signal} received: cancelling the drill; teardown runs`));
    await assertCancelledWithTeardown(out, launched);
  });
}

test('the GitHub action\'s run script passes the runner\'s SIGINT on to the drill and exits with its code', async () => {
  // The action takes no --fault: the drill is mid-run by its pace (60: terraform-apply takes 20 s, teardown 7 s).
  const { file, out } = await hangingDrill();
  const action = parse(await readFile(path.join(REPO, 'action.yml'), 'utf8')) as { runs: { steps: { id?: string; run?: string }[] } };
  const script = action.runs.steps.find((step) => step.id === 'drill')!.run!;
  const scriptFile = path.join(path.dirname(file), 'action-step.sh');
  await writeFile(scriptFile, script);
  // As the runner runs a `shell: bash` step; it signals this bash process alone.
  const launched = await launchAndCancel('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], 'SIGINT', {
    GITHUB_ACTION_PATH: REPO,
    DRILL: file,
    TARGET: 'sim',
    REPORT_DIR: out,
    TIME_SCALE: '60',
    PLAN_ONLY: 'false',
    KEEP: 'false',
    FAIL: 'true',
  });
  assert.equal(launched.code, 130, launched.stdout + launched.stderr);
  assert.match(launched.stderr, /SIGINT received: cancelling the drill; teardown runs/);
  await assertCancelledWithTeardown(out, launched);
});

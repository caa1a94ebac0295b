// `dr-drill run drills/gitops-drift.yaml` and `drills/node-loss.yaml` with `--target local`, as
// users run them: the drill branch on the target's real Git server with real Flux pruning and
// reverting, and three kwok nodes drained through the real Eviction API with the real scheduler
// and controller-manager. Each drill once green and once red with its teardown recorded; every
// run leaves nothing behind. Each run gets a private TMPDIR, so what it leaves (directories, and
// processes whose command line or environment names that directory) is told apart from the
// local clusters other jobs on the machine run at the same time (Node's compile cache stays where it is).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { SAMPLE_FIXTURE_DIR } from '../../src/cluster/local/sample-repo.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { REPO, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { requireTool } from '../helpers/tools.ts';

// The local target stages a restic backup before T0 with the `restic` on PATH: the pinned one.
process.env.PATH = `${path.dirname(await requireTool('restic'))}${path.delimiter}${process.env.PATH ?? ''}`;

interface LocalRun {
  code: number | null;
  result: DrillResult | undefined;
  output: string;
  out: string;
  left: { dirs: string[]; processes: string[] };
}

/** Processes whose command line or environment names `dir`. */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (argv.includes(dir) || environ.split('\0').includes(`TMPDIR=${dir}`)) found.push(`${pid}: ${argv.split('\0').join(' ').slice(0, 160)}`);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

async function runLocal(drill: string, args: string[] = [], env: Record<string, string> = {}): Promise<LocalRun> {
  const out = path.join(await tempDir(), 'reports');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-localdrills-'));
  try {
    const run = await runCli(['run', drill, '--target', 'local', '--out', out, ...args], { env: { TMPDIR: tmp, NODE_COMPILE_CACHE: path.join(os.tmpdir(), 'node-compile-cache'), ...env } });
    const output = run.stdout + run.stderr;
    const resultFile = path.join(out, 'result.json');
    const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as DrillResult) : undefined;
    return { code: run.code, result, output, out, left: { dirs: readdirSync(tmp), processes: processesNaming(tmp) } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const stepOf = (result: DrillResult) => (id: string) => {
  const found = result.steps.find((candidate) => candidate.id === id);
  assert.ok(found, `no step ${id}`);
  return found;
};
const milestoneOf = (result: DrillResult, name: string) => result.milestones.find((milestone) => milestone.name === name)!;

test('gitops-drift runs green on local: a real destructive commit on the drill branch, Flux prunes, the revert brings it back; --controls: Kustomizations that never prune, a killed source-controller and a zero-pod quota are each caught by its real checks', { timeout: 900_000 }, async () => {
  const { code, result, output, out, left } = await runLocal('drills/gitops-drift.yaml', ['--controls']);
  assert.equal(code, 0, output);
  assert.ok(result);
  assert.equal(result.status, 'passed', result.reason);
  const step = stepOf(result);
  for (const current of result.steps) assert.equal(current.status, 'passed', `${current.id}: ${JSON.stringify(current.error)}`);
  const branch = `drill/${result.run.id}`;
  // The drill branch forked production's (drill/local) HEAD that git.head recorded at T0.
  assert.equal(step('git-head').outputs.branch, 'drill/local');
  assert.equal(step('drill-branch').outputs.branch, branch);
  assert.equal(step('drill-branch').outputs.revision, step('git-head').outputs.revision);
  assert.equal(step('cluster').kind, 'local.up');
  // Flux syncs the drill branch: the source fetched it, then the bad commit, then the revert.
  assert.match(String(step('flux-bootstrap').outputs.value), new RegExp(`^${branch}@sha1:${String(step('git-head').outputs.revision)}$`));
  const bad = String(step('bad-commit').outputs.revision);
  assert.equal(step('bad-commit').outputs.parent, step('git-head').outputs.revision);
  assert.equal(step('bad-revision-fetched').outputs.value, `${branch}@sha1:${bad}`);
  assert.equal(step('bad-revision-applied').outputs.value, `${branch}@sha1:${bad}`);
  assert.deepEqual(step('damage-detected').outputs, { absent: true });
  const revert = String(step('revert').outputs.revision);
  assert.deepEqual(step('revert').outputs.reverted, [bad]);
  assert.equal(step('revert').outputs.contentRevision, step('git-head').outputs.revision);
  assert.equal(step('reconcile').outputs.revision, `${branch}@sha1:${revert}`);
  assert.deepEqual([...(step('reconcile').outputs.ready as string[])].sort(), ['apps', 'infrastructure-configs', 'infrastructure-controllers']);
  assert.match(readFileSync(path.join(out, 'logs', 'reconcile.log'), 'utf8'), /suspending kustomization apps[\s\S]*resuming kustomization apps/);
  assert.equal(step('app-recovered').outputs.value, 'True');

  // Recovered-from-drift counts from the bad revision fetched; the RPO is the age at T0 of the content the revert returned to.
  // It starts at the GitRepository's own Ready lastTransitionTime: real source-controller sets Ready
  // "stored artifact for revision '<branch>@sha1:<bad>'" (conditions.Set moves the time as the
  // message changes) when it stored the bad revision, before kustomize-controller applied and
  // pruned it and marked the apps Kustomization Ready. That is no later than the applied step saw
  // its Kustomization, and after the bad commit began (less a second: the time is cut to the second).
  const recovered = milestoneOf(result, 'recovered-from-drift');
  const fetched = step('bad-revision-fetched');
  const applied = step('bad-revision-applied');
  assert.equal(recovered.verdict, 'met');
  assert.equal(recovered.from, 'bad-revision-fetched');
  assert.equal(fetched.observedSinceSource, 'GitRepository flux-system/flux-system Ready lastTransitionTime');
  assert.equal(applied.observedSinceSource, 'Kustomization flux-system/apps Ready lastTransitionTime');
  assert.equal(recovered.fromMs, fetched.observedSinceMs);
  assert.equal(recovered.fromSource, recovered.fromMs! < fetched.endMs! ? fetched.observedSinceSource : undefined);
  assert.ok(recovered.fromMs! <= fetched.endMs! && recovered.fromMs! <= applied.observedSinceMs!, JSON.stringify({ from: recovered.fromMs, fetchedEnd: fetched.endMs, applied: applied.observedSinceMs }));
  assert.ok(recovered.fromMs! >= step('bad-commit').startMs! - 1000, JSON.stringify({ from: recovered.fromMs, commit: step('bad-commit').startMs }));
  // Ready's time moved with the revision: the baseline's (flux-ready) is before the bad commit.
  assert.ok(step('flux-ready').observedSinceMs! < step('bad-commit').startMs!, String(step('flux-ready').observedSinceMs));
  assert.equal(recovered.rtoMs, step('app-recovered').endMs! - recovered.fromMs!);
  assert.ok(recovered.rtoMs! >= step('app-recovered').endMs! - applied.observedSinceMs!, String(recovered.rtoMs));
  const config = result.rpo.find((rpo) => rpo.dataClass === 'cluster-config')!;
  assert.equal(config.verdict, 'met');
  assert.deepEqual(config.samples.map((sample) => sample.stepId), ['reconcile']);
  assert.ok(config.achievedMs! >= 0 && config.achievedMs! < 5 * 60_000, String(config.achievedMs));

  // What is a stand-in on local is declared, in result.json and the summary.
  const standIns = result.steps.filter((current) => current.standIn).map((current) => current.id);
  assert.deepEqual(standIns, ['cluster', 'flux-bootstrap', 'app-baseline', 'damage-detected', 'flux-status', 'app-recovered', 'cluster-destroy']);
  assert.match(readFileSync(path.join(out, 'summary.md'), 'utf8'), /Stand-ins on local/);
  assert.equal(step('delete-drill-branch').outputs.deleted, true);

  assertControlsDetected(result, out);
  assert.deepEqual(left, { dirs: [], processes: [] });
});

/** The faults planted in the world the drill meets, each caught by the check that should catch it, in Flux's and the API server's words. */
function assertControlsDetected(result: DrillResult, out: string): void {
  assert.deepEqual(
    result.controls!.map((control) => [control.name, control.status, control.faults, control.failedSteps]),
    [
      ['revert-not-applied', 'detected', { reconcile: 'source-controller-down' }, ['reconcile']],
      ['app-still-broken', 'detected', { revert: 'quota-exhausted' }, ['reconcile']],
      ['damage-not-visible', 'detected', { cluster: 'prune-disabled' }, ['damage-detected']],
    ],
    JSON.stringify(result.controls, null, 1),
  );
  const faulted = (name: string) => {
    const dir = path.join(out, result.controls!.find((control) => control.name === name)!.reportDir!);
    const run = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as DrillResult;
    return { run, step: stepOf(run), log: (id: string) => readFileSync(path.join(dir, 'logs', `${id}.log`), 'utf8') };
  };

  // source-controller killed as the reconcile starts: the revert is pushed, never fetched.
  const down = faulted('revert-not-applied');
  const branchOf = (run: DrillResult) => `drill/${run.run.id}`;
  assert.match(down.log('reconcile'), /fault: source-controller \(pid \d+\) killed with SIGKILL, as the OOM killer does, and not restarted/);
  assert.equal(down.step('reconcile').status, 'timed-out');
  assert.equal(
    down.step('reconcile').error!.message.replace(/request of \S+ \(/, 'request of <t> ('),
    `timed out after 1m 00s: GitRepository flux-system/flux-system did not handle the reconcile request of <t> (never handled one): it still serves ${branchOf(down.run)}@sha1:${String(down.step('bad-commit').outputs.revision)} (Ready=True Succeeded: stored artifact for revision '${branchOf(down.run)}@sha1:${String(down.step('bad-commit').outputs.revision)}')`,
  );

  // Zero-pod quota in the apps' namespaces before the revert: the recreated Deployment gets no pod, so the apps layer's health checks never pass.
  const quota = faulted('app-still-broken');
  const quotaIn = [...quota.log('revert').matchAll(/fault: resourcequota\/dr-drill-fault-quota in (\S+): pods \d+ running stay, no new pod admitted \(hard pods: 0\)/g)].map((match) => match[1]);
  assert.deepEqual(quotaIn, ['homepage', 'mediabox', 'paperless'], 'the apps layer\'s namespaces, not the platform\'s');
  assert.equal(quota.step('reconcile').status, 'timed-out');
  const revert = `${branchOf(quota.run)}@sha1:${String(quota.step('revert').outputs.revision)}`;
  assert.equal(quota.step('reconcile').error!.message, `timed out after 1m 00s: Kustomizations not Ready on ${revert}: apps (Ready=Unknown Progressing: Reconciliation in progress; Healthy=Unknown Progressing: Running health checks for revision ${revert} with a timeout of 3m0s)`);

  // Kustomizations that never prune: Flux applies the destructive revision, the Deployment stays.
  const noPrune = faulted('damage-not-visible');
  assert.match(noPrune.log('cluster'), /Kustomizations infrastructure-controllers, infrastructure-configs, apps created with prune: false/);
  assert.equal(noPrune.step('bad-revision-applied').status, 'passed');
  assert.equal(noPrune.step('damage-detected').status, 'timed-out');
  assert.equal(noPrune.step('damage-detected').error!.message, 'timed out after 30s: not reached: still present: Deployment/paperless/paperless-ngx');

  for (const { run, step } of [down, quota, noPrune]) {
    assert.equal(run.status, 'failed', run.run.id);
    assert.equal(milestoneOf(run, 'recovered-from-drift').verdict, 'not-reached', run.run.id);
    assert.equal(step('app-recovered').status, 'skipped', run.run.id);
    for (const id of ['cluster-destroy', 'delete-drill-branch']) assert.equal(step(id).status, 'passed', `${run.run.id} ${id}`);
  }
}

test('gitops-drift on local: a revert pushed to a branch Flux does not sync turns the drill red at reconcile; teardown is recorded', { timeout: 300_000 }, async () => {
  // The fault: the operator reverts on another branch (a copy of the drill branch), so the
  // revert never reaches what Flux syncs. flux.reconcile must see the source fetch the bad revision.
  const drill = parse(readFileSync(path.join(REPO, 'drills/gitops-drift.yaml'), 'utf8')) as {
    phases: Array<{ name: string; steps: Array<Record<string, unknown>> }>;
    targets: { local: { steps: Record<string, Record<string, unknown>> } };
    finally: Array<Record<string, unknown>>;
  };
  const wrong = 'drill/${run.id}-wrong';
  drill.phases.find((phase) => phase.name === 'drift')!.steps.push({ id: 'wrong-branch', kind: 'git.branch', timeout: '2m', with: { url: '${vars.GIT_URL}', branch: wrong, from: '${vars.DRILL_BRANCH}' } });
  drill.targets.local.steps['revert'] = { with: { url: '${vars.GIT_URL}', branch: wrong, commits: ['${steps.bad-commit.outputs.revision}'] } };
  drill.finally.push({ id: 'delete-wrong-branch', kind: 'git.branch', timeout: '2m', with: { url: '${vars.GIT_URL}', branch: wrong, delete: true } });
  const file = path.join(await tempDir(), 'gitops-drift-wrong-branch.yaml');
  writeFileSync(file, stringify(drill));

  const { code, result, output, left } = await runLocal(file);
  assert.equal(code, 1, output);
  assert.ok(result);
  assert.equal(result.status, 'failed');
  const step = stepOf(result);
  assert.equal(step('damage-detected').status, 'passed');
  assert.equal(step('revert').status, 'passed');
  const reconcile = step('reconcile');
  assert.equal(reconcile.status, 'failed');
  assert.equal(reconcile.error!.code, 'EFLUX');
  assert.match(reconcile.error!.message, new RegExp(`fetched drill/${result.run.id}@sha1:${String(step('bad-commit').outputs.revision)}, not the expected ${String(step('revert').outputs.revision)}`));
  assert.equal(step('app-recovered').status, 'skipped');
  assert.equal(milestoneOf(result, 'recovered-from-drift').verdict, 'not-reached');
  for (const id of ['cluster-destroy', 'delete-drill-branch', 'delete-wrong-branch']) assert.equal(step(id).status, 'passed', id);
  assert.deepEqual(left, { dirs: [], processes: [] });
});

test("gitops-drift on local: preflight refuses a drill branch that is the one the target serves as production's", { timeout: 120_000 }, async () => {
  // Run id "local": the drill branch would be drill/local, which production syncs on this target.
  const { code, output, result, left } = await runLocal('drills/gitops-drift.yaml', ['--run-id', 'local']);
  assert.equal(code, 3, output);
  assert.match(output, /EPRODTARGET/);
  assert.match(output, /step "drill-branch": git push would commit to production branch "drill\/local"/);
  assert.match(output, /Flux would be bootstrapped from production branch "drill\/local"/);
  if (result) assert.ok(result.steps.every((current) => current.status !== 'passed'), 'nothing may run');
  assert.deepEqual(left, { dirs: [], processes: [] });
});

test('node-loss runs green on local: three kwok nodes, a real drain through the Eviction API, pods rescheduled, the node replaced; its controls (full nodes, a node without kubelet) turn it red', { timeout: 900_000 }, async () => {
  const { code, result, output, out, left } = await runLocal('drills/node-loss.yaml', ['--controls']);
  assert.equal(code, 0, output);
  assert.ok(result);
  assert.equal(result.status, 'passed', result.reason);
  const step = stepOf(result);
  for (const current of result.steps) assert.equal(current.status, 'passed', `${current.id}: ${JSON.stringify(current.error)}`);
  // homepage runs one replica per node: the drained node held one, evicted through its PodDisruptionBudget.
  assert.equal(step('drain').outputs.node, 'kwok-node-1');
  const evicted = step('drain').outputs.evicted as string[];
  assert.ok(evicted.some((pod) => pod.startsWith('homepage/homepage-')), evicted.join(', '));
  // After the drain every workload pod is Ready on another node; the evicted ones are not among them.
  const placed = step('rescheduled').outputs.values as Record<string, string>;
  assert.equal(Object.keys(placed).filter((pod) => pod.startsWith('homepage-')).length, 3, JSON.stringify(placed));
  for (const [pod, node] of Object.entries(placed)) assert.match(node, /^kwok-node-[02]$/, pod);
  for (const pod of evicted) assert.ok(!(pod.split('/')[1]! in placed), `${pod} still there`);
  assert.equal(step('talos-reset').kind, 'k8s.delete');
  assert.equal(step('reprovision').kind, 'local.node-join');
  assert.equal(step('node-ready').outputs.value, 'True');
  // The node rejoined as a new Node object: nothing left to uncordon, and the step says so.
  assert.equal(step('uncordon').outputs.wasCordoned, false);

  for (const name of ['workloads-rescheduled', 'node-replaced']) {
    const milestone = milestoneOf(result, name);
    assert.equal(milestone.verdict, 'met', name);
    assert.equal(milestone.fromMs, step('baseline').endMs, name);
    assert.ok(milestone.rtoMs! > 0, name);
  }
  assert.ok(milestoneOf(result, 'node-replaced').rtoMs! > milestoneOf(result, 'workloads-rescheduled').rtoMs!);
  assert.deepEqual(result.steps.filter((current) => current.standIn).map((current) => current.id), ['cluster', 'flux-apps', 'talos-reset', 'reprovision', 'cluster-destroy']);

  // The negative controls: faults planted in the cluster, found only by the drill's own checks.
  const controls = Object.fromEntries((result.controls ?? []).map((control) => [control.name, control]));
  assert.deepEqual(Object.fromEntries(Object.entries(controls).map(([name, control]) => [name, control.status])), { 'workloads-stranded': 'detected', 'node-never-ready': 'detected' }, output);
  assert.deepEqual(controls['workloads-stranded']!.faults, { drain: 'no-spare-capacity' });
  assert.deepEqual(controls['workloads-stranded']!.failedSteps, ['rescheduled']);
  // The real scheduler's words for the evicted pod that found no room.
  assert.match(controls['workloads-stranded']!.reason!, /Pending, no Ready condition; PodScheduled False \(Unschedulable: 0\/3 nodes are available: .*Too many pods/);
  assert.deepEqual(controls['node-never-ready']!.failedSteps, ['node-ready']);
  // The real node-lifecycle controller's words for a node nothing posts status for.
  assert.match(controls['node-never-ready']!.reason!, /Node\/kwok-node-1: (Unknown \(NodeStatusNeverUpdated: Kubelet never posted node status\.\)|no Ready condition)/);
  for (const name of Object.keys(controls)) {
    const faulted = JSON.parse(readFileSync(path.join(out, 'controls', name, 'result.json'), 'utf8')) as DrillResult;
    const faultedStep = stepOf(faulted);
    assert.equal(faultedStep('cluster-destroy').status, 'passed', `${name}: teardown`);
    // The step the fault was planted before ran and passed: no step was made to fail.
    const planted = Object.keys(controls[name]!.faults)[0]!;
    assert.equal(faultedStep(planted).status, 'passed', `${name}: ${planted} ${JSON.stringify(faultedStep(planted).error)}`);
  }
  // The full nodes: the evicted homepage pod found no room, as the scheduler says.
  const rescheduledLog = readFileSync(path.join(out, 'controls', 'workloads-stranded', 'logs', 'drain.log'), 'utf8');
  assert.match(rescheduledLog, /fault: node\/kwok-node-0 full: allocatable pods \d+/);
  assert.match(readFileSync(path.join(out, 'controls', 'node-never-ready', 'logs', 'reprovision.log'), 'utf8'), /no kubelet runs behind this node/);
  assert.deepEqual(left, { dirs: [], processes: [] });
});

test('node-loss on local: a PodDisruptionBudget that allows no disruption blocks the drain until it times out; red, teardown recorded', { timeout: 300_000 }, async () => {
  const gitops = path.join(await tempDir(), 'gitops');
  cpSync(SAMPLE_FIXTURE_DIR, gitops, { recursive: true });
  const pdb = path.join(gitops, 'apps', 'homepage', 'pdb.yaml');
  writeFileSync(pdb, readFileSync(pdb, 'utf8').replace('minAvailable: 2', 'minAvailable: 3'));

  const { code, result, output, left } = await runLocal('drills/node-loss.yaml', [], { DRILL_LOCAL_GITOPS: gitops });
  assert.equal(code, 1, output);
  assert.ok(result);
  assert.equal(result.status, 'failed');
  const step = stepOf(result);
  assert.equal(step('baseline').status, 'passed');
  const drain = step('drain');
  assert.equal(drain.status, 'timed-out');
  assert.match(drain.error!.message, /^timed out after 30s: the eviction of pod homepage\/homepage-[a-z0-9-]+ was refused \d+ times: it would violate its PodDisruptionBudget \(kubectl get pdb -n homepage\)$/);
  assert.equal(step('rescheduled').status, 'skipped');
  for (const name of ['workloads-rescheduled', 'node-replaced']) assert.equal(milestoneOf(result, name).verdict, 'not-reached', name);
  assert.equal(step('cluster-destroy').status, 'passed');
  assert.deepEqual(left, { dirs: [], processes: [] });
});

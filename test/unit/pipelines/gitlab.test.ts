/**
 * .gitlab-ci.yml and the CI/CD component under gitlab-ci-local (shell executor, no Docker), in a
 * throwaway copy of the project so the shared working tree is never touched.
 *
 * Always: which jobs each pipeline source gets, and the component's inputs (gitlab-ci-local
 * --list-json / --preview, under a second each). With DR_DRILL_GCL_RUN=1 (.ci/run sets it): the
 * scheduled drill job on sim, the metrics job in a merge request and a default-branch pipeline,
 * the merge request trend job twice against a local server that answers like GitLab's notes API
 * (about 90 s: every job runs its own `npm ci`), and the component's job installing dr-drill at
 * the included commit (about 20 s). With
 * DR_DRILL_GCL_TEST_JOB=1 also the test job (the whole unit suite once more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { tempDirSync } from '../../helpers/drill-fixtures.ts';
import { assertWellFormedXml } from '../../helpers/xml.ts';

const GCL = [process.env.GITLAB_CI_LOCAL, 'node_modules/gitlab-ci-local/dist/index.js'].find((candidate) => candidate && existsSync(candidate));
const insidePipeline = process.env.GITLAB_CI !== undefined;
const skipReason = insidePipeline
  ? 'already inside a GitLab pipeline'
  : !GCL && !process.env.DR_DRILL_REQUIRE_TOOLS
    ? 'gitlab-ci-local not installed (npm install -D gitlab-ci-local, or GITLAB_CI_LOCAL=/path/to/dist/index.js)'
    : false;
// Made at test time in a token's shape, so no scanner mistakes the source for a leaked token.
const TOKEN = `glpat-${'PLANTED-gcl-token-98765'}`;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

/** A copy of the project's files (tracked and new, not ignored) in a fresh repository. */
function projectCopy(): string {
  const dir = tempDirSync('dr-drill-gcl-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\0').filter((file) => file && existsSync(file));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(file, path.join(dir, file));
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'copy');
  git(dir, 'remote', 'add', 'origin', 'https://gitlab.example.invalid/homelab/dr-drill.git');
  return dir;
}

/** Async, so a server in this process can answer the jobs' requests meanwhile. */
function gcl(cwd: string, args: string[], variables: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; output: string }> {
  const vars = Object.entries(variables).flatMap(([name, value]) => ['--variable', `${name}=${value}`]);
  const child = spawn(process.execPath, [path.resolve(GCL!), ...args, ...vars, '--ignore-predefined-vars', Object.keys(variables).join(','), '--no-color'], {
    cwd,
    // NODE_TEST_CONTEXT would make the test job's `node --test` think it is nested and run nothing.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT')), GCL_QUIET: '', CI: '' },
    timeout: 300_000,
  });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk), (output += chunk)));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, output })));
}

async function jobs(cwd: string, source: string, variables: Record<string, string> = {}): Promise<Record<string, string>> {
  const { code, stdout, output } = await gcl(cwd, ['--list-json'], { CI_PIPELINE_SOURCE: source, ...variables });
  assert.equal(code, 0, output);
  const list = JSON.parse(stdout.slice(stdout.indexOf('['))) as { name: string; when: string }[];
  return Object.fromEntries(list.map((job) => [job.name, job.when]));
}

const copy = skipReason ? '' : projectCopy();

test('each pipeline source gets the right jobs: tests always, the drill on schedule (manual from the UI), the trend on merge requests, the metrics on merge requests and the default branch', { skip: skipReason }, async () => {
  assert.deepEqual(await jobs(copy, 'schedule'), { test: 'never', drill: 'on_success', metrics: 'never', trend: 'never' });
  assert.deepEqual(await jobs(copy, 'web'), { test: 'on_success', drill: 'manual', metrics: 'never', trend: 'never' });
  assert.deepEqual(await jobs(copy, 'merge_request_event'), { test: 'on_success', drill: 'never', metrics: 'on_success', trend: 'on_success' });
  // A push to the default branch (the copy is on main, GitLab's default) publishes the metrics the widget compares against.
  assert.deepEqual(await jobs(copy, 'push', { CI_DEFAULT_BRANCH: 'main' }), { test: 'on_success', drill: 'never', metrics: 'on_success', trend: 'never' });
  assert.deepEqual(await jobs(copy, 'push', { CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: 'feature' }), { test: 'on_success', drill: 'never', metrics: 'never', trend: 'never' });
});

test('.gitlab-ci.yml keeps the drill apart and its reports always', () => {
  const config = parse(readFileSync('.gitlab-ci.yml', 'utf8')) as Record<string, any>;
  assert.equal(config.drill.resource_group, 'dr-drill');
  assert.equal(config.drill.interruptible, false);
  assert.equal(config.drill.timeout, '10h');
  assert.equal(config.drill.artifacts.when, 'always');
  assert.deepEqual(config.drill.artifacts.reports, { junit: '$REPORT_DIR/junit.xml', metrics: '$REPORT_DIR/metrics.txt', dotenv: '$REPORT_DIR/dr-drill.env' });
  assert.deepEqual(config.drill.rules, [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }, { if: '$CI_PIPELINE_SOURCE == "web"', when: 'manual', allow_failure: true }]);
  // A cancelled job is torn down again by after_script, for the same run id.
  assert.equal(config.drill.variables.DR_DRILL_RUN_ID, 'gl-$CI_JOB_ID');
  assert.ok((config.drill.after_script as string[]).some((line) => line.startsWith('if [ "$CI_JOB_STATUS" = "canceled" ] || [ "$CI_JOB_STATUS" = "timedout" ]; then node bin/dr-drill.js teardown "$DRILL_FILE"')));
  assert.deepEqual([config.drill.variables.RUNNER_AFTER_SCRIPT_TIMEOUT, config.drill.variables.RUNNER_SCRIPT_TIMEOUT], ['60m', '9h']);
  // The widget's report in merge request and default-branch pipelines: the latest drill from history.
  assert.deepEqual(config.metrics.artifacts.reports, { metrics: '$REPORT_DIR/metrics.txt' });
  assert.equal(config.metrics.artifacts.when, 'always');
  assert.deepEqual(config.metrics.script, ['node scripts/ci-history.ts fetch --dir "$HISTORY_DIR"', 'node bin/dr-drill.js metrics --from-history "$HISTORY_DIR" --out "$REPORT_DIR/metrics.txt"']);
});

/**
 * A project that includes the component the way other projects do (`include: component:`), at
 * the commit it is checked out at: gitlab-ci-local then reads templates/drill.yml from the working
 * tree and resolves the component context (component.sha) to that commit, as GitLab does.
 */
function componentConsumer(inputs: string, component = 'drill'): { dir: string; sha: string } {
  const dir = projectCopy();
  const sha = git(dir, 'rev-parse', 'HEAD').trim();
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), `stages: [recovery]\ninclude:\n  - component: gitlab.example.invalid/homelab/dr-drill/${component}@${sha}\n    inputs:\n${inputs}`);
  return { dir, sha };
}

/** The component jobs' fetch of dr-drill leads to the consumer's own repository (git's url.<base>.insteadOf). */
function componentServer(dir: string): Record<string, string> {
  return {
    CI_SERVER_PROTOCOL: 'https',
    CI_SERVER_HOST: 'gitlab.example.invalid',
    CI_SERVER_PORT: '443',
    CI_JOB_TOKEN: 'job-token',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `url.${path.join(dir, '.git')}.insteadOf`,
    GIT_CONFIG_VALUE_0: 'https://gitlab-ci-token:job-token@gitlab.example.invalid:443/homelab/dr-drill.git',
  };
}

async function previewJob(dir: string, name: string): Promise<Record<string, any>> {
  const { code, stdout, output } = await gcl(dir, ['--preview'], { CI_PIPELINE_SOURCE: 'schedule' });
  assert.equal(code, 0, output);
  return (parse(stdout.slice(stdout.indexOf('\n---\n') + 1)) as Record<string, any>)[name];
}

test('the CI/CD component interpolates its spec:inputs into a drill job and installs dr-drill at its own commit', { skip: skipReason }, async () => {
  const { dir, sha } = componentConsumer('      job-name: yearly-drill\n      stage: recovery\n      drill: drills/namespace-restore.yaml\n      target: sim\n      report-dir: out\n');
  const job = await previewJob(dir, 'yearly-drill');
  assert.equal(job.stage, 'recovery');
  assert.equal(job.resource_group, 'dr-drill');
  assert.equal(job.variables.DR_DRILL_TARGET, 'sim');
  assert.match(job.script[0], /ci-drill\.ts" run "drills\/namespace-restore\.yaml" /);
  assert.deepEqual(job.artifacts.reports, { junit: 'out/junit.xml', metrics: 'out/metrics.txt', dotenv: 'out/dr-drill.env' });
  assert.equal(job.artifacts.when, 'always');
  // Not main: the commit the include resolved to, unless dr-drill-ref says otherwise.
  assert.deepEqual([job.variables.DR_DRILL_COMPONENT_SHA, job.variables.DR_DRILL_REF], [sha, '']);
  const install = (job.before_script as string[]).join('\n');
  assert.match(install, /fetch --quiet --depth 1 "[^"]+\/homelab\/dr-drill\.git" "\$\{DR_DRILL_REF:-\$DR_DRILL_COMPONENT_SHA\}"/);
  assert.doesNotMatch(install, /\bmain\b/);
  const pinned = await previewJob(componentConsumer('      stage: recovery\n      dr-drill-ref: v1.2.3\n').dir, 'dr-drill');
  assert.equal(pinned.variables.DR_DRILL_REF, 'v1.2.3');
});

const runJobs = !skipReason && process.env.DR_DRILL_GCL_RUN === '1';

test('gitlab-ci-local runs the scheduled drill on sim, then the trend job creates and updates one merge request note', { skip: runJobs ? false : 'set DR_DRILL_GCL_RUN=1 to run the jobs (~90 s; .ci/run does)' }, async () => {
  const remote = path.join(tempDirSync('dr-drill-gcl-remote-'), 'history.git');
  git(os.tmpdir(), 'init', '-q', '--bare', remote);
  // gitlab-ci-local says GITLAB_CI=false; a real runner says true, which turns on the log sections.
  const drill = await gcl(copy, ['drill', '--force-shell-executor'], { CI_PIPELINE_SOURCE: 'schedule', DR_DRILL_HISTORY_REMOTE: remote, GITLAB_CI: 'true' });
  assert.equal(drill.code, 0, drill.output);
  // gitlab-ci-local parses GitLab's section markers as GitLab does and prints each section's start and its duration.
  assert.match(drill.output, /\bphase_1_declare_started\b/);
  assert.match(drill.output, /\bphase_1_declare took \d+(\.\d+)?m?s\b/);
  assert.match(drill.output, /\bphase_\d+_finally took \d+(\.\d+)?m?s\b/);
  for (const file of ['junit.xml', 'metrics.txt', 'dr-drill.env', 'result.json']) assert.ok(existsSync(path.join(copy, 'reports', file)), `${file} left by the drill job`);
  await assertWellFormedXml(path.join(copy, 'reports', 'junit.xml'));
  assert.match(readFileSync(path.join(copy, 'reports', 'dr-drill.env'), 'utf8'), /^DR_DRILL_VERDICT=passed$/m);
  assert.match(readFileSync(path.join(copy, 'reports', 'metrics.txt'), 'utf8'), /^dr_drill_rto_seconds\{drill="cold-start",target="sim",milestone="control-plane"\} \d+$/m);
  assert.match(drill.output, /history: published results\/cold-start\/.*\.json to dr-drill-results@/);
  // The run is named after the job, so after_script (on cancellation) tears down the same workspace.
  assert.match((JSON.parse(readFileSync(path.join(copy, 'reports', 'result.json'), 'utf8')) as { run: { id: string } }).run.id, /^gl-\d+$/);

  // The metrics widget's two sides: a merge request pipeline and a default-branch push both publish
  // the latest drill from the history branch, the very figures (and names) the drill job reported.
  const drillMetrics = readFileSync(path.join(copy, 'reports', 'metrics.txt'), 'utf8');
  const pipelines: Record<string, string>[] = [{ CI_PIPELINE_SOURCE: 'merge_request_event' }, { CI_PIPELINE_SOURCE: 'push', CI_DEFAULT_BRANCH: 'main' }];
  for (const pipeline of pipelines) {
    rmSync(path.join(copy, 'reports', 'metrics.txt'));
    const metrics = await gcl(copy, ['metrics', '--force-shell-executor'], { ...pipeline, DR_DRILL_HISTORY_REMOTE: remote });
    assert.equal(metrics.code, 0, metrics.output);
    assert.match(metrics.output, /metrics: cold-start on sim, run gl-\d+ \(T0 [^)]+, passed\) -> reports\/metrics\.txt/);
    assert.equal(readFileSync(path.join(copy, 'reports', 'metrics.txt'), 'utf8'), drillMetrics, `${pipeline.CI_PIPELINE_SOURCE}: the latest drill's metrics`);
  }

  const notes: { id: number; body: string }[] = [];
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url!.split('?')[0]} ${req.headers['private-token'] === TOKEN ? 'token' : 'no token'}`);
      res.setHeader('content-type', 'application/json');
      const put = req.url!.match(/\/notes\/(\d+)$/);
      if (req.method === 'GET') return res.end(JSON.stringify(notes));
      const body = (JSON.parse(raw) as { body: string }).body;
      if (req.method === 'POST') notes.push({ id: 11, body });
      if (req.method === 'PUT' && put) notes.find((note) => note.id === Number(put[1]))!.body = body;
      res.end(JSON.stringify(notes.at(-1)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const variables = {
      CI_PIPELINE_SOURCE: 'merge_request_event',
      GITLAB_CI: 'true',
      CI_API_V4_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`,
      CI_PROJECT_ID: '42',
      CI_MERGE_REQUEST_IID: '7',
      DR_DRILL_GITLAB_TOKEN: TOKEN,
      DR_DRILL_HISTORY_REMOTE: remote,
    };
    for (const round of [1, 2]) {
      const trend = await gcl(copy, ['trend', '--force-shell-executor'], variables);
      assert.equal(trend.code, 0, trend.output);
      assert.match(trend.output, round === 1 ? /merge request note 11 created/ : /merge request note 11 updated/);
      assert.ok(!trend.output.includes(TOKEN), 'the token stays out of the job log');
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.deepEqual(calls, [
    'GET /api/v4/projects/42/merge_requests/7/notes token',
    'POST /api/v4/projects/42/merge_requests/7/notes token',
    'GET /api/v4/projects/42/merge_requests/7/notes token',
    'PUT /api/v4/projects/42/merge_requests/7/notes/11 token',
  ]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!.body, /^<!-- dr-drill:rto-trend -->\n## ✅ DR drill `cold-start`: latest run passed\n\nRun \[`gl-\d+`\]\(https:\/\/gitlab\.example\.invalid\/homelab\/dr-drill\/pipelines\/\d+\) on `sim` \(simulated\), T0 .* UTC: every step passed and every objective was met\.\n/);
  assert.match(notes[0]!.body, /^\| RTO control-plane \| ✅ met \| 17m 50s \| 4h 00m 00s \| \+3h 42m 10s \| 8% \|$/m);
  assert.match(notes[0]!.body, /^### 📈 Trend over the last 1 run$/m);
  assert.match(notes[0]!.body, /!\[RTO per milestone over time for drill cold-start\]\(https:\/\/gitlab\.example\.invalid\/homelab\/dr-drill\/-\/raw\/dr-drill-results\/charts\/rto-trend-cold-start\.svg\)/);
  assert.ok(existsSync(path.join(copy, 'reports', 'trend', 'trend.md')));
});

test('gitlab-ci-local runs the component\'s job: it fetches dr-drill at the included commit (not main) and runs the drill', { skip: runJobs ? false : 'set DR_DRILL_GCL_RUN=1 to run the jobs (~20 s; .ci/run does)' }, async () => {
  const { dir, sha } = componentConsumer('      stage: recovery\n      target: sim\n      report-dir: out\n      publish-history: false\n');
  // main moves on after the included commit (installing `main` would get the newer one); the
  // pipeline itself stays at the included commit, as the consumer's include names it.
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'newer main');
  git(dir, 'checkout', '-q', '--detach', sha);
  const run = await gcl(dir, ['dr-drill', '--force-shell-executor'], { CI_PIPELINE_SOURCE: 'schedule', ...componentServer(dir) });
  assert.equal(run.code, 0, run.output.slice(-4000));
  assert.match(run.output, new RegExp(`dr-drill ${sha} \\(component @${sha}\\)`));
  assert.match(run.output, /RTO\/RPO against the objectives \(drill passed\):/);
  assert.ok(existsSync(path.join(dir, 'out', 'result.json')), 'the component job left its reports');
});

test('the drill-metrics component runs on merge requests and the default branch, never beside the drill', { skip: skipReason }, async () => {
  const { dir, sha } = componentConsumer('      stage: recovery\n', 'drill-metrics');
  const listed = async (source: string, variables: Record<string, string> = {}) => (await jobs(dir, source, variables))['dr-drill-metrics'];
  assert.deepEqual(
    [await listed('merge_request_event'), await listed('push', { CI_DEFAULT_BRANCH: 'main' }), await listed('push', { CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: 'feature' }), await listed('schedule'), await listed('web')],
    ['on_success', 'on_success', 'never', 'never', 'never'],
  );
  const job = await previewJob(dir, 'dr-drill-metrics');
  assert.equal(job.variables.DR_DRILL_COMPONENT_SHA, sha);
  assert.deepEqual(job.artifacts.reports, { metrics: 'dr-drill-reports/metrics.txt' });
});

test('gitlab-ci-local runs the drill-metrics component: the latest drill from the history branch, as that run reported it', { skip: runJobs ? false : 'set DR_DRILL_GCL_RUN=1 to run the jobs (~20 s; .ci/run does)' }, async () => {
  const { dir } = componentConsumer('      stage: recovery\n', 'drill-metrics');
  const remote = path.join(tempDirSync('dr-drill-gcl-history-'), 'history.git');
  git(os.tmpdir(), 'init', '-q', '--bare', remote);
  const reports = tempDirSync('dr-drill-gcl-red-');
  // From this checkout (the copy has no node_modules); the result goes to the copy's history remote.
  const node = (args: string[]) => execFileSync(process.execPath, args, { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, DR_DRILL_HISTORY_REMOTE: remote } });
  try {
    node(['bin/dr-drill.js', 'run', 'drills/cold-start.yaml', '--target', 'sim', '--out', reports, '--fault', 'velero-restore=fail']);
  } catch (error) {
    assert.equal((error as { status: number }).status, 1, 'the red drill exits 1');
  }
  node(['scripts/ci-history.ts', 'publish', '--repo', dir, '--result', path.join(reports, 'result.json')]);
  const run = await gcl(dir, ['dr-drill-metrics', '--force-shell-executor'], { CI_PIPELINE_SOURCE: 'merge_request_event', DR_DRILL_HISTORY_REMOTE: remote, ...componentServer(dir) });
  assert.equal(run.code, 0, run.output.slice(-4000));
  const metrics = readFileSync(path.join(dir, 'dr-drill-reports', 'metrics.txt'), 'utf8');
  assert.equal(metrics, readFileSync(path.join(reports, 'metrics.txt'), 'utf8'));
  assert.match(metrics, /^dr_drill_rto_seconds\{drill="cold-start",target="sim",milestone="critical-apps"\} NaN$/m);
});

test('gitlab-ci-local runs the test job (npm ci, npm test)', { skip: !skipReason && process.env.DR_DRILL_GCL_TEST_JOB === '1' ? false : 'set DR_DRILL_GCL_TEST_JOB=1 (runs the whole unit suite again)' }, async () => {
  const run = await gcl(copy, ['test', '--force-shell-executor'], { CI_PIPELINE_SOURCE: 'push' });
  assert.equal(run.code, 0, run.output.slice(-4000));
  assert.match(run.output, /^test > ℹ pass [1-9]\d*$/m);
  assert.match(run.output, /^test > ℹ fail 0$/m);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { readHistory } from '../../../src/history/read.ts';
import { Masker } from '../../../src/util/mask.ts';
import { fetchHistory, historyRemote, publishResult } from '../../../scripts/ci-history.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();

async function setup() {
  const root = await tempDir('dr-drill-history-');
  const remote = path.join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', remote);
  const clone = path.join(root, 'clone');
  git(root, 'init', '-q', clone);
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'project');
  git(clone, 'remote', 'add', 'origin', remote);
  const results: string[] = [];
  for (const index of [0, 1]) {
    const out = path.join(root, `run-${index}`);
    await main(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out], { stdout: () => undefined, stderr: () => undefined, env: {} });
    results.push(path.join(out, 'result.json'));
  }
  return { root, remote, clone, results };
}

const shared = setup();

test('results are appended to the dr-drill-results branch and fetched back as a history directory', async () => {
  const { root, remote, clone, results } = await shared;
  const masker = new Masker();
  const head = git(clone, 'rev-parse', 'HEAD');
  const empty = await fetchHistory({ repo: clone, dir: path.join(root, 'h0'), remote: 'origin', branch: 'dr-drill-results', masker });
  assert.deepEqual(empty, { files: 0 });

  const first = await publishResult({ repo: clone, resultFile: results[0]!, remote: 'origin', branch: 'dr-drill-results', masker });
  const second = await publishResult({ repo: clone, resultFile: results[1]!, remote: 'origin', branch: 'dr-drill-results', masker });
  assert.match(first.path, /^results\/cold-start\/\d{4}-\d\d-\d\dT\d{9}Z-\d{8}-[0-9a-f]{6}\.json$/);
  assert.equal(git(remote, 'rev-parse', 'dr-drill-results'), second.commit);
  assert.equal(git(remote, 'rev-parse', 'dr-drill-results^'), first.commit);
  assert.deepEqual(git(remote, 'ls-tree', '-r', '--name-only', 'dr-drill-results').split('\n').sort(), ['charts/rto-trend-cold-start.svg', first.path, second.path].sort());
  assert.match(git(remote, 'log', '-1', '--format=%s', 'dr-drill-results'), /^dr-drill: cold-start passed on sim \(run \d{8}-[0-9a-f]{6}\)$/);
  // The checkout the job runs in is untouched.
  assert.equal(git(clone, 'rev-parse', 'HEAD'), head);
  assert.equal(git(clone, 'status', '--porcelain'), '');

  const dir = path.join(root, 'history');
  const fetched = await fetchHistory({ repo: clone, dir, remote: 'origin', branch: 'dr-drill-results', masker });
  assert.deepEqual(fetched, { commit: second.commit, files: 2 });
  const history = await readHistory(dir);
  assert.equal(history.results.length, 2);
  assert.deepEqual(history.skipped, []);
  const chart = await readFile(path.join(dir, 'charts', 'rto-trend-cold-start.svg'), 'utf8');
  assert.equal([...chart.matchAll(/class="milestone"/g)].length, 2);
  assert.deepEqual((await readdir(path.join(dir, 'results', 'cold-start'))).length, 2);
});

test('the history remote: explicit, DR_DRILL_HISTORY_REMOTE, GitLab project token, else origin', () => {
  assert.equal(historyRemote({}, '/srv/results.git'), '/srv/results.git');
  assert.equal(historyRemote({ DR_DRILL_HISTORY_REMOTE: '/srv/h.git' }), '/srv/h.git');
  assert.equal(
    historyRemote({ GITLAB_CI: 'true', DR_DRILL_GITLAB_TOKEN: 'glpat-x', CI_PROJECT_URL: 'https://gitlab.example/homelab/dr-drill' }),
    'https://oauth2:glpat-x@gitlab.example/homelab/dr-drill.git',
  );
  assert.equal(historyRemote({ GITLAB_CI: 'true', CI_PROJECT_URL: 'https://gitlab.example/homelab/dr-drill' }), 'origin');
});

test('a push that fails names the branch and never the token in the remote URL', async () => {
  const { clone, results } = await shared;
  const token = `glpat-${'PLANTED-history-token'}`; // built at test time: no token-shaped literal in the source
  const masker = new Masker();
  masker.add(token);
  const error = await publishResult({ repo: clone, resultFile: results[0]!, remote: `http://oauth2:${token}@127.0.0.1:9/nowhere.git`, branch: 'dr-drill-results', masker, attempts: 1 }).then(
    () => assert.fail('expected the push to fail'),
    (caught: unknown) => caught as Error,
  );
  assert.match(error.message, /^git fetch dr-drill-results failed: /);
  assert.ok(!error.message.includes(token), error.message);
});

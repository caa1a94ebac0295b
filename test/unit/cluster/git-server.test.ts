// The sample repo served over smart HTTP by `git http-backend` (needs only git).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startGitServer } from '../../../src/cluster/local/git-server.ts';
import { runChecked } from '../../../src/cluster/local/processes.ts';
import { buildSampleRepo, commitFiles } from '../../../src/cluster/local/sample-repo.ts';
import { createWorkspace } from '../../../src/cluster/local/workspace.ts';

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

test('sample repo is cloneable over smart HTTP and follows new commits', async () => {
  const ws = createWorkspace('dr-drill-gittest-');
  const server = await startGitServer({ projectRoot: ws.path('git') });
  try {
    const repo = await buildSampleRepo(ws.path('git'), ws.path('work'));
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const url = `${server.baseUrl}/${repo.name}`;
    const remote = await runChecked('git', ['ls-remote', url, `refs/heads/${repo.branch}`], { env: gitEnv });
    assert.equal(remote.split(/\s+/)[0], repo.headSha);

    await runChecked('git', ['clone', '--quiet', url, ws.path('clone')], { env: gitEnv });
    assert.ok(existsSync(join(ws.path('clone'), 'clusters', 'drill', 'apps.yaml')));

    const next = await commitFiles(repo, { 'apps/paperless/extra.txt': 'drift\n' }, 'drift');
    assert.notEqual(next, remote.split(/\s+/)[0]);
    await runChecked('git', ['pull', '--quiet', '--ff-only'], { cwd: ws.path('clone'), env: gitEnv });
    assert.equal(readFileSync(join(ws.path('clone'), 'apps', 'paperless', 'extra.txt'), 'utf8'), 'drift\n');

    const missing = await fetch(`${server.baseUrl}/nope.git/info/refs?service=git-upload-pack`);
    assert.equal(missing.status, 404);
  } finally {
    await server.stop();
    await server.stop();
    ws.remove();
  }
});

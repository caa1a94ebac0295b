// The sample repo served over smart HTTP by `git http-backend` (needs only git).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
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

test('pushes reach only unprotected branches under the pushable prefix; a read-only server refuses all', async () => {
  const ws = createWorkspace('dr-drill-gitpush-');
  const writable = await startGitServer({ projectRoot: ws.path('git'), pushableBranchPrefix: 'drill/', protectedBranches: ['drill/local'] });
  const readOnly = await startGitServer({ projectRoot: ws.path('git') });
  try {
    const repo = await buildSampleRepo(ws.path('git'), ws.path('work'));
    const clone = ws.path('clone');
    await runChecked('git', ['clone', '--quiet', `${writable.baseUrl}/${repo.name}`, clone], { env: gitEnv });
    const push = async (server: { baseUrl: string }, ...refspecs: string[]) => {
      const result = await execa('git', ['push', `${server.baseUrl}/${repo.name}`, ...refspecs], { cwd: clone, env: gitEnv, extendEnv: false, reject: false });
      if (result.exitCode !== 0) throw new Error(result.stderr);
    };
    const headOf = async (branch: string) => (await runChecked('git', ['ls-remote', `${writable.baseUrl}/${repo.name}`, `refs/heads/${branch}`], { env: gitEnv })).split(/\s+/)[0] ?? '';

    await push(writable, `HEAD:refs/heads/drill/run-1`);
    assert.equal(await headOf('drill/run-1'), repo.headSha);

    await runChecked('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'x'], { cwd: clone, env: gitEnv });
    await assert.rejects(push(writable, `HEAD:refs/heads/drill/local`), /protected/);
    assert.equal(await headOf('drill/local'), repo.headSha);
    await assert.rejects(push(writable, `HEAD:refs/heads/main`), /only branches under drill\//);
    await assert.rejects(push(writable, `HEAD:refs/tags/drill/t`), /refusing refs\/tags/);
    // A push naming a good and a bad ref is refused whole.
    await assert.rejects(push(writable, `HEAD:refs/heads/drill/run-2`, `HEAD:refs/heads/main`), /refusing refs\/heads\/main/);
    assert.equal(await headOf('drill/run-2'), '');

    await assert.rejects(push(readOnly, `HEAD:refs/heads/drill/run-3`), /403|not permitted|unable to access|denied/i);
    assert.equal(await headOf('drill/run-3'), '');

    await push(writable, '--delete', 'drill/run-1');
    assert.equal(await headOf('drill/run-1'), '');
  } finally {
    await writable.stop();
    await readOnly.stop();
    ws.remove();
  }
});

test('a pushable prefix that could escape the hook is refused', () => {
  assert.throws(() => startGitServer({ projectRoot: '/nonexistent', pushableBranchPrefix: 'drill/*' }), /not a plain branch prefix/);
  assert.throws(() => startGitServer({ projectRoot: '/nonexistent', pushableBranchPrefix: '' }), /not a plain branch prefix/);
});

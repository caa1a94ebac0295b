import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubCommentTarget, noteMarker, upsertNote, type NoteTarget } from '../../../src/ci/comment.ts';
import { gitlabNoteTarget } from '../../../src/ci/gitlab.ts';
import { DrillError } from '../../../src/util/errors.ts';

// Made at test time in a token's shape, so no scanner mistakes the source for a leaked token.
const TOKEN = `glpat-${'PLANTED-comment-token-1234'}`;

interface Note {
  id: number;
  body: string;
  system?: boolean;
}

/** Answers like GitHub's issue-comments API and GitLab's merge request notes API, in memory. */
async function fakeForge(options: { preexisting?: number; failWith?: number } = {}) {
  const github: Note[] = [];
  const gitlab: Note[] = [];
  for (let index = 0; index < (options.preexisting ?? 0); index++) {
    github.push({ id: 1000 + index, body: `unrelated comment ${index}` });
    gitlab.push({ id: 1000 + index, body: `unrelated note ${index}`, system: index % 2 === 0 });
  }
  const requests: { method: string; url: string; auth: string | undefined; body?: unknown }[] = [];
  let nextId = 5000;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://localhost');
      const body = raw ? (JSON.parse(raw) as { body: string }) : undefined;
      requests.push({ method: req.method!, url: url.pathname + url.search, auth: req.headers.authorization ?? (req.headers['private-token'] as string | undefined), body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (options.failWith) return send(options.failWith, { message: `401 Unauthorized: token ${TOKEN} was revoked` });
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      let match: RegExpMatchArray | null;
      if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
        if (req.method === 'GET') {
          const slice = github.slice((page - 1) * perPage, page * perPage);
          const last = page * perPage >= github.length;
          return send(200, slice, last ? {} : { link: `<http://x/?page=${page + 1}>; rel="next"` });
        }
        if (req.method === 'POST') {
          const note = { id: nextId++, body: body!.body };
          github.push(note);
          return send(201, { ...note, html_url: `https://github.example/${match[1]}/${match[2]}/pull/${match[3]}#issuecomment-${note.id}` });
        }
      }
      if ((match = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/)) && req.method === 'PATCH') {
        const note = github.find((item) => item.id === Number(match![1]));
        if (!note) return send(404, { message: 'Not Found' });
        note.body = body!.body;
        return send(200, note);
      }
      if ((match = url.pathname.match(/^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes(?:\/(\d+))?$/))) {
        if (req.headers['private-token'] !== TOKEN) return send(401, { message: '401 Unauthorized' });
        if (req.method === 'GET' && !match[3]) {
          const slice = gitlab.slice((page - 1) * perPage, page * perPage);
          return send(200, slice, { 'x-next-page': page * perPage >= gitlab.length ? '' : String(page + 1) });
        }
        if (req.method === 'POST' && !match[3]) {
          const note = { id: nextId++, body: body!.body };
          gitlab.push(note);
          return send(201, note);
        }
        if (req.method === 'PUT' && match[3]) {
          const note = gitlab.find((item) => item.id === Number(match![3]));
          if (!note) return send(404, { message: '404 Not found' });
          note.body = body!.body;
          return send(200, note);
        }
      }
      send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, github, gitlab, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('the GitHub pull request comment is created once, then updated in place', async () => {
  const forge = await fakeForge({ preexisting: 120 });
  try {
    const target = githubCommentTarget({ GITHUB_API_URL: forge.base, GITHUB_REPOSITORY: 'homelab/dr-drill', GITHUB_REF: 'refs/pull/42/merge', GITHUB_TOKEN: TOKEN });
    const first = await upsertNote(target, 'rto-trend', '## trend v1');
    assert.equal(first.action, 'created');
    assert.equal(first.url, `https://github.example/homelab/dr-drill/pull/42#issuecomment-${first.id}`);
    const second = await upsertNote(target, 'rto-trend', '## trend v2');
    assert.deepEqual({ action: second.action, id: second.id }, { action: 'updated', id: first.id });
    const ours = forge.github.filter((note) => note.body.includes(noteMarker('rto-trend')));
    assert.deepEqual(ours, [{ id: first.id, body: '<!-- dr-drill:rto-trend -->\n## trend v2' }]);
    assert.equal(forge.github.length, 121);
    // The second run had to page past 120 unrelated comments to find ours.
    assert.deepEqual(
      forge.requests.map((request) => `${request.method} ${request.url}`),
      [
        'GET /repos/homelab/dr-drill/issues/42/comments?per_page=100&page=1',
        'GET /repos/homelab/dr-drill/issues/42/comments?per_page=100&page=2',
        'POST /repos/homelab/dr-drill/issues/42/comments',
        'GET /repos/homelab/dr-drill/issues/42/comments?per_page=100&page=1',
        'GET /repos/homelab/dr-drill/issues/42/comments?per_page=100&page=2',
        `PATCH /repos/homelab/dr-drill/issues/comments/${first.id}`,
      ],
    );
  } finally {
    await forge.close();
  }
});

test('the GitLab merge request note is created once, then updated in place (system notes ignored)', async () => {
  const forge = await fakeForge({ preexisting: 3 });
  try {
    const target = gitlabNoteTarget({ CI_API_V4_URL: `${forge.base}/api/v4`, CI_PROJECT_ID: '17', CI_MERGE_REQUEST_IID: '9', DR_DRILL_GITLAB_TOKEN: TOKEN });
    const first = await upsertNote(target, 'rto-trend', 'first');
    const second = await upsertNote(target, 'rto-trend', 'second');
    const third = await upsertNote(target, 'rto-trend', 'third');
    assert.deepEqual([first.action, second.action, third.action], ['created', 'updated', 'updated']);
    assert.equal(second.id, first.id);
    assert.deepEqual(forge.gitlab.at(-1), { id: first.id, body: '<!-- dr-drill:rto-trend -->\nthird' });
    assert.equal(forge.gitlab.length, 4);
    assert.deepEqual(
      forge.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.url}`),
      ['POST /api/v4/projects/17/merge_requests/9/notes', `PUT /api/v4/projects/17/merge_requests/9/notes/${first.id}`, `PUT /api/v4/projects/17/merge_requests/9/notes/${first.id}`],
    );
    assert.ok(forge.requests.every((request) => request.auth === TOKEN));
  } finally {
    await forge.close();
  }
});

test('an API error names the call and the fix, and never the token', async () => {
  const forge = await fakeForge({ failWith: 401 });
  try {
    const target: NoteTarget = { provider: 'gitlab', apiUrl: `${forge.base}/api/v4`, project: '17', number: '9', token: TOKEN };
    const error = await upsertNote(target, 'rto-trend', 'x').then(
      () => assert.fail('expected an error'),
      (caught: unknown) => caught as DrillError,
    );
    assert.equal(error.code, 'ECOMMAND');
    assert.equal(error.message, `GET ${forge.base}/api/v4/projects/17/merge_requests/9/notes?per_page=100&page=1&sort=asc&order_by=created_at answered 401 Unauthorized`);
    assert.equal(
      error.details,
      '{"message":"401 Unauthorized: token *** was revoked"}\nDR_DRILL_GITLAB_TOKEN must be a project access token with the api scope and at least the Reporter role; CI_JOB_TOKEN cannot post notes',
    );
  } finally {
    await forge.close();
  }
});

test('missing CI variables stop before any request with what to set', () => {
  assert.throws(() => gitlabNoteTarget({ CI_API_V4_URL: 'https://gitlab.example/api/v4', CI_PROJECT_ID: '1' }), {
    message: 'cannot post the merge request note: CI_MERGE_REQUEST_IID, DR_DRILL_GITLAB_TOKEN not set',
  });
  assert.throws(() => githubCommentTarget({ GITHUB_REPOSITORY: 'a/b', GITHUB_REF: 'refs/heads/main', GITHUB_TOKEN: 'x' }), {
    message: 'cannot post the pull request comment: the pull request number (--pr or GITHUB_REF refs/pull/N/merge) not set',
  });
});

/**
 * The pull request comment / merge request note as people read it: scripts/ci-trend.ts over a
 * history of real sim runs, posted to a server that answers like GitHub's comments API. The body
 * leads with the latest run (verdict, why, every RTO/RPO against its objective), then the trend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { cli } from '../../../scripts/ci-trend.ts';
import { main } from '../../../src/cli/main.ts';
import { readResult } from '../../../src/result/io.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const TOKEN = `ghp_${'PLANTEDnoteTOKEN0123456789abcdef'}`;
const quiet = { stdout: () => undefined, stderr: () => undefined, env: {} };

async function drillInto(history: string, name: string, args: string[] = []) {
  const out = path.join(history, '..', name);
  await main(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, '--run-id', name, ...args], quiet);
  await cp(path.join(out, 'result.json'), path.join(history, `${name}.json`));
  return readResult(path.join(out, 'result.json'));
}

test('the PR comment shows the latest run against the objectives, then the trend; the next run updates it in place', async () => {
  const root = await tempDir('dr-drill-note-');
  const history = path.join(root, 'history');
  await mkdir(history);
  const green = await drillInto(history, 'run-1');
  const red = await drillInto(history, 'run-2', ['--fault', 'velero-restore=fail']);

  const comments: { id: number; body: string }[] = [];
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url!.split('?')[0]}`);
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end('{}');
      if (req.method === 'GET') return res.end(JSON.stringify(comments));
      const body = (JSON.parse(raw) as { body: string }).body;
      if (req.method === 'POST') comments.push({ id: 77, body });
      else comments.find((comment) => req.url!.endsWith(`/comments/${comment.id}`))!.body = body;
      res.end(JSON.stringify(comments.at(-1)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'homelab/dr-drill',
    GITHUB_TOKEN: TOKEN,
  };
  const post = () => cli(['--pr', '5', '--', '--history', history, '--last', '10', '--out', path.join(root, 'trend')], env);
  try {
    assert.equal(await post(), 0);
    const body = comments[0]!.body;
    const lines = body.split('\n');
    assert.deepEqual(lines.slice(0, 4), ['<!-- dr-drill:rto-trend -->', '## ❌ DR drill `cold-start`: latest run failed', '', `Run \`run-2\` on \`sim\` (simulated), T0 ${red.run.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${red.reason}.`]);
    // Every RTO and RPO of the latest run against its objective, with the verdict.
    const control = red.milestones[0]!;
    assert.ok(lines.includes('| Objective | Verdict | Achieved | Target | Headroom | Budget used |'), body);
    assert.ok(lines.includes(`| RTO control-plane | ✅ met | 17m 50s | 4h 00m 00s | +3h 42m 10s | ${Math.ceil((control.rtoMs! / control.objectiveMs!) * 100)}% |`), body);
    assert.ok(lines.includes('| RTO critical-apps | ❌ not reached | not reached | 8h 00m 00s | — | — |'), body);
    assert.ok(lines.includes('| RPO data | ❌ not reached | not restored | 24h 00m 00s | — | — |'), body);
    assert.ok(lines.includes('| RPO cluster-config | ✅ met | 0ms | 1h 00m 00s | +1h 00m 00s | 0% |'), body);
    // Then the trend over both runs, oldest first, with the chart from the results branch.
    const trendAt = lines.indexOf('### 📈 Trend over the last 2 runs');
    assert.ok(trendAt > lines.indexOf('| RPO cluster-config | ✅ met | 0ms | 1h 00m 00s | +1h 00m 00s | 0% |'));
    assert.ok(lines.includes('![RTO per milestone over time for drill cold-start](https://github.example/homelab/dr-drill/raw/dr-drill-results/charts/rto-trend-cold-start.svg)'));
    const rows = lines.filter((line) => /^\| \d{4}-\d\d-\d\d `run-\d`/.test(line));
    assert.deepEqual(rows.slice(0, 2), [
      `| ${green.run.startedAt.slice(0, 10)} \`run-1\` | ✅ passed | sim (simulated) | 17m 50s | 1h 08m 05.450s |`,
      `| ${red.run.startedAt.slice(0, 10)} \`run-2\` | ❌ failed | sim (simulated) | 17m 50s (±0) | ❌ not reached |`,
    ]);

    // A green run later: the same comment now leads with it, and the trend has three runs.
    await drillInto(history, 'run-3');
    assert.equal(await post(), 0);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!.body, /^<!-- dr-drill:rto-trend -->\n## ✅ DR drill `cold-start`: latest run passed\n\nRun `run-3` on `sim` \(simulated\), T0 .* UTC: every step passed and every objective was met\.\n/);
    assert.match(comments[0]!.body, /^\| RTO critical-apps \| ✅ met \| 1h 08m 05\.450s \| 8h 00m 00s \| \+6h 51m 54\.550s \| 15% \|$/m);
    assert.match(comments[0]!.body, /^### 📈 Trend over the last 3 runs$/m);
    assert.ok(!comments[0]!.body.includes(TOKEN));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.deepEqual(calls, ['GET /repos/homelab/dr-drill/issues/5/comments', 'POST /repos/homelab/dr-drill/issues/5/comments', 'GET /repos/homelab/dr-drill/issues/5/comments', 'PATCH /repos/homelab/dr-drill/issues/comments/77']);
});

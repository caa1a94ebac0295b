import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { notificationText, postWebhook, webhookFormat } from '../../../src/notify/webhook.ts';
import { readResult } from '../../../src/result/io.ts';
import { cli as notifyCli } from '../../../scripts/ci-notify.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

/** A webhook endpoint that answers with the given statuses in turn, then 200. */
async function endpoint(statuses: { status: number; headers?: Record<string, string> }[]) {
  const received: { url: string; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ url: req.url!, body: JSON.parse(raw) });
      const next = statuses.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers ?? {});
      res.end(next.status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const noWait = { sleep: async () => undefined };
const resultFile = (async () => {
  const out = await tempDir('dr-drill-notify-');
  await main(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out], { stdout: () => undefined, stderr: () => undefined, env: {} });
  return path.join(out, 'result.json');
})();

test('retries 503 and 429 (honouring Retry-After), then delivers the Slack-compatible payload', async () => {
  const server = await endpoint([{ status: 503 }, { status: 429, headers: { 'retry-after': '7' } }]);
  const waits: number[] = [];
  try {
    const outcome = await postWebhook('✅ drill passed', { url: `${server.base}/hooks/abc123secret`, backoffMs: 100, sleep: async (ms) => void waits.push(ms) });
    assert.deepEqual(outcome, { ok: true, attempts: 3, status: 200, message: 'webhook notification sent (slack, HTTP 200, attempt 3)' });
    assert.deepEqual(waits, [100, 7000]);
    assert.deepEqual(server.received.map((request) => request.body), [{ text: '✅ drill passed' }, { text: '✅ drill passed' }, { text: '✅ drill passed' }]);
  } finally {
    await server.close();
  }
});

test('a 4xx answer is final, and an unreachable endpoint gives up without throwing', async () => {
  const server = await endpoint([{ status: 400 }]);
  try {
    const outcome = await postWebhook('x', { url: `${server.base}/hooks/abc123secret`, ...noWait });
    assert.deepEqual(outcome, { ok: false, attempts: 1, status: 400, message: 'webhook answered HTTP 400; not retried (check the webhook URL and the payload format slack)' });
  } finally {
    await server.close();
  }
  const url = `${server.base}/hooks/abc123secret`;
  const down = await postWebhook('x', { url, attempts: 2, ...noWait });
  assert.equal(down.ok, false);
  assert.equal(down.attempts, 2);
  assert.match(down.message, /^webhook request failed: .*; gave up after 2 attempts \(the drill result is unaffected\)$/);
  assert.ok(!down.message.includes('abc123secret'));
});

test('Discord webhooks get {content}; Mattermost and Slack URLs get {text}', () => {
  assert.equal(webhookFormat('https://discord.com/api/webhooks/1/tok'), 'discord');
  assert.equal(webhookFormat('https://discord.com/api/webhooks/1/tok/slack'), 'slack');
  assert.equal(webhookFormat('https://chat.example.org/hooks/xyz'), 'slack');
});

test('ci-notify posts the verdict and the summary link, and exits 0 even when the chat is down', async () => {
  const file = await resultFile;
  const result = await readResult(file);
  const server = await endpoint([]);
  try {
    const env = { DR_DRILL_WEBHOOK_URL: `${server.base}/api/hooks/secretpath`, GITHUB_SERVER_URL: 'https://github.example', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '5' };
    assert.equal(await notifyCli(['--result', file], env, noWait), 0);
    const text = (server.received[0]!.body as { text: string }).text;
    assert.equal(text, notificationText(result, { summaryUrl: 'https://github.example/o/r/actions/runs/5' }));
    assert.match(text, /^✅ DR drill cold-start passed on sim: every step passed and every objective was met\n• RTO control-plane: \d+m \d\d(\.\d{3})?s \(objective 4h 00m 00s, met\)/);
    assert.match(text, /\nSummary: https:\/\/github\.example\/o\/r\/actions\/runs\/5$/);
  } finally {
    await server.close();
  }
  assert.equal(await notifyCli(['--result', file, '--attempts', '1'], { DR_DRILL_WEBHOOK_URL: `${server.base}/gone` }, noWait), 0);
  assert.equal(await notifyCli(['--result', '/nonexistent/result.json'], { DR_DRILL_WEBHOOK_URL: `${server.base}/gone` }, noWait), 0);
  assert.equal(await notifyCli(['--result', file], {}, noWait), 0);
});

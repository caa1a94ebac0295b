// http.check against a real HTTPS server on 127.0.0.1 with a certificate openssl makes at test
// time: retries until the app answers, status and body checks, and the TLS options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { realHttp } from '../../../../src/targets/real-http.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';

let dir: string;
let server: https.Server;
let base: string;
let requests = 0;

before(async () => {
  dir = await tempDir('dr-drill-http-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'ca.pem')], { stdio: 'ignore' });
  server = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'ca.pem')) }, (request, response) => {
    requests += 1;
    // The app comes up on the third request, as a restored app does after a while.
    if (request.url === '/warming' && requests % 3 !== 0) {
      response.writeHead(503).end('starting');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end('<title>Paperless-ngx</title> {"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function check(withYaml: string, timeout = '5s') {
  const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - id: app\n        kind: http.check\n        timeout: ${timeout}\n        with: ${withYaml}\n`), undefined, path.join(dir, 'drill.yaml'));
  const { outcome } = await runPlan(plan, { session: realSession({ http: realHttp() }), env: {}, workDir: dir });
  return outcome.records.get('app')!;
}

test('http.check retries until the app answers with the expected body', async () => {
  requests = 0;
  const record = await check(`{ url: "${base}/warming", caFile: ca.pem, bodyContains: Paperless-ngx, bodyMatches: '"status":"ok"', interval: 100ms }`);
  assert.equal(record.status, 'passed', JSON.stringify(record.error));
  assert.equal(record.outputs.status, 200);
  assert.equal(record.outputs.tries, 3);
});

test('a certificate no trusted CA signed fails the check with the TLS reason; caFile or insecureSkipVerify accept it', async () => {
  const untrusted = await check(`{ url: "${base}/", interval: 200ms }`, '1s');
  assert.equal(untrusted.status, 'timed-out');
  assert.match(untrusted.error!.message, /never passed; last: self[- ]signed certificate/);
  assert.equal((await check(`{ url: "${base}/", caFile: ca.pem }`)).status, 'passed');
  assert.equal((await check(`{ url: "${base}/", insecureSkipVerify: true }`)).status, 'passed');
});

test('a wrong status or body is named in the failure', async () => {
  const record = await check(`{ url: "${base}/", insecureSkipVerify: true, bodyContains: Jellyfin, interval: 200ms }`, '1s');
  assert.equal(record.status, 'timed-out');
  assert.match(record.error!.message, /never passed; last: body does not contain "Jellyfin"/);
  const status = await check(`{ url: "${base}/", insecureSkipVerify: true, expectStatus: [204], interval: 200ms }`, '1s');
  assert.match(status.error!.message, /never passed; last: status 200, expected 204/);
});

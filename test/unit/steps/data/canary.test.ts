import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpRequest } from '../../../../src/contract/http.ts';
import { findTimes } from '../../../../src/steps/data/canary.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const check = (inputs: string) => drillYaml(`phases:\n  - name: p\n    steps:\n      - id: canary\n        kind: data.check\n        rpo: data\n        with: ${inputs}\n`, 'objectives:\n  rpo:\n    data: 24h\n');

test('data.check records the RPO from the newest canary record in a restored file, ignoring records written after T0', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'canary.log'), '2026-11-25T09:50:00Z ok\n2026-11-25T10:00:00.123456Z ok\n2026-11-25T12:05:00Z written by the recovered app\n');
  const { outcome, events } = await runPlan(planFrom(check('{ file: canary.log }'), undefined, path.join(dir, 'drill.yaml')), { session: realSession(), env: {}, workDir: dir, t0: T0 });
  assert.deepEqual(outcome.records.get('canary')!.outputs, { newestRecord: '2026-11-25T10:00:00.123Z', records: 2 });
  assert.deepEqual(outcome.rpoSamples, [{ stepId: 'canary', dataClass: 'data', source: `canary ${path.join(dir, 'canary.log')}: newest record time`, dataTime: '2026-11-25T10:00:00.123Z', ageMs: 2 * 3_600_000 - 123, detail: 'newest of 2 canary record(s) written by T0; skipped 1 record(s) written after T0' }]);
  assert.ok(events.some((event) => event.kind === 'step.log' && event.message === '1 canary record(s) newer than T0 ignored: written after the disaster, not restored'));
});

test('data.check reads the newest record from an HTTP endpoint (epoch seconds) and masks its headers', async () => {
  const dir = await tempDir();
  const requests: HttpRequest[] = [];
  const http = { request: async (request: HttpRequest) => (requests.push(request), { status: 200, headers: {}, body: '{"newest": 1795600800}', durationMs: 3 }) };
  const { outcome, events } = await runPlan(planFrom(check('{ url: "https://paperless.drill.example/api/canary", epochSeconds: true, headers: { Authorization: "Token s3cr3t-canary" }, source: paperless canary table }')), { session: realSession({ http }), env: {}, workDir: dir, t0: T0 });
  assert.equal(requests[0]!.url, 'https://paperless.drill.example/api/canary');
  assert.deepEqual(outcome.rpoSamples.map((sample) => [sample.source, sample.dataTime, sample.ageMs]), [['paperless canary table', '2026-11-25T10:00:00.000Z', 7_200_000]]);
  assert.ok(!JSON.stringify(events).includes('s3cr3t-canary'));
});

test('data.check takes the records from a command\'s output, with a pattern', async () => {
  const dir = await tempDir();
  const { outcome } = await runPlan(planFrom(check('{ command: [echo, "id=41 at=2026-11-25 09:00:00+0000; id=42 at=2026-11-25 11:30:00+0000"], pattern: "at=([0-9: -]+\\\\+0000)" }'), undefined, path.join(dir, 'd.yaml')), { session: realSession(), env: { PATH: process.env.PATH }, workDir: dir, t0: T0 });
  assert.equal(outcome.records.get('canary')!.status, 'passed', JSON.stringify(outcome.records.get('canary')!.error));
  assert.deepEqual(outcome.rpoSamples.map((sample) => sample.ageMs), [30 * 60_000]);
});

test('data.check fails when the restored data holds no canary record, saying what it read', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'empty.log'), '');
  await writeFile(path.join(dir, 'late.log'), '2026-11-25T12:30:00Z\n');
  const run = async (inputs: string) => (await runPlan(planFrom(check(inputs), undefined, path.join(dir, 'drill.yaml')), { session: realSession(), env: {}, workDir: dir, t0: T0 })).outcome.records.get('canary')!.error;
  assert.deepEqual(await run('{ file: empty.log }'), { code: 'EDATACHECK', message: `no canary record in ${path.join(dir, 'empty.log')}`, details: 'expected RFC 3339 timestamps such as 2026-11-25T02:00:00Z; got: (empty)' });
  assert.deepEqual(await run('{ file: late.log }'), { code: 'EDATACHECK', message: `no canary record older than T0 in ${path.join(dir, 'late.log')}`, details: 'all 1 record(s) were written after T0 (2026-11-25T12:00:00.000Z): the restored data holds none' });
  assert.deepEqual(await run('{ file: missing.log }'), { code: 'EDATACHECK', message: `no canary file at ${path.join(dir, 'missing.log')}`, details: 'ENOENT: did the restore bring it back? check file: against the restore\'s target' });
});

test('data.check takes exactly one source', () => {
  assert.throws(() => planFrom(check('{ file: a.log, url: "https://x.example/" }')), /give exactly one of file:, url: or command:/);
  assert.deepEqual(findTimes('2026-11-25T10:00:00+01:00 and 2026-11-25T10:00:00Z', undefined, false), [Date.parse('2026-11-25T09:00:00Z'), Date.parse('2026-11-25T10:00:00Z')]);
});

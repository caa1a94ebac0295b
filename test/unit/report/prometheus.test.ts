/**
 * Metrics for dashboards: a round trip through a real Pushgateway (bound to 127.0.0.1) and a
 * promtool check and unit test of alerts/, both built from the Go module proxy
 * (node scripts/build-test-infra.ts --only metrics); the dashboard queries only metrics we publish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { prometheusFamilies, passedFamily, pushToGateway, renderPrometheusText, writeTextfile } from '../../../src/report/prometheus.ts';
import { METRICS_BUILD_COMMAND, metricsToolPath } from '../../../scripts/lib/metrics-tools.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const requireTools = process.env.DR_DRILL_REQUIRE_TOOLS === '1';
const skipUnless = (binary: 'pushgateway' | 'promtool') => (metricsToolPath(binary) || requireTools ? false : `${binary} not built; run: ${METRICS_BUILD_COMMAND}`);

async function drill(...faults: string[]): Promise<DrillResult> {
  const out = await tempDir();
  await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out, ...faults.flatMap((f) => ['--fault', f])]);
  return JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a passed and then a failed run pushed to a real Pushgateway: grouped by drill and target, NaN kept, the last passed time survives the failure', { skip: skipUnless('pushgateway') }, async (t) => {
  const binary = metricsToolPath('pushgateway');
  assert.ok(binary, `pushgateway missing: ${METRICS_BUILD_COMMAND}`);
  const port = await freePort();
  const gateway = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  t.after(() => gateway.kill());
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const passed = await drill();
  const failed = await drill('velero-restore=fail');
  assert.deepEqual(await pushToGateway(passed, url), [`${url}/metrics/job/dr-drill/drill/cold-start/target/sim`, `${url}/metrics/job/dr-drill/drill/cold-start/target/sim/outcome/passed`]);
  await pushToGateway(failed, url);
  const scraped = await (await fetch(`${url}/metrics`)).text();
  const line = (name: string, labels: string) => scraped.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  assert.match(line('dr_drill_passed', 'drill="cold-start",target="sim"') ?? '', / 0$/);
  assert.match(line('dr_drill_rto_seconds', 'milestone="critical-apps",target="sim"') ?? '', / NaN$/);
  assert.match(line('dr_drill_rto_seconds', 'milestone="control-plane"') ?? '', new RegExp(` ${failed.milestones[0]!.rtoMs! / 1000}$`));
  assert.match(line('dr_drill_passed_timestamp_seconds', 'outcome="passed",target="sim"') ?? '', new RegExp(` ${Date.parse(passed.run.endedAt) / 1000}$|e\\+09$`));
});

test('the textfile-collector file has every metric with drill and target labels, and a failed run keeps the last passed time', async () => {
  const dir = await tempDir();
  const passed = await drill();
  const first = await writeTextfile(passed, dir);
  const failed = await drill('velero-restore=fail');
  const second = await writeTextfile(failed, dir, await readFile(first, 'utf8'));
  assert.equal(first, second);
  const text = await readFile(second, 'utf8');
  assert.match(text, /^dr_drill_passed\{drill="cold-start",target="sim"\} 0$/m);
  assert.match(text, /^dr_drill_rpo_seconds\{drill="cold-start",target="sim",data_class="data"\} NaN$/m);
  assert.ok(text.includes(`dr_drill_passed_timestamp_seconds{drill="cold-start",target="sim"} ${Date.parse(passed.run.endedAt) / 1000}`), text);
});

test('promtool accepts alerts/dr-drill.rules.yml and its unit test passes', { skip: skipUnless('promtool') }, () => {
  const binary = metricsToolPath('promtool');
  assert.ok(binary, `promtool missing: ${METRICS_BUILD_COMMAND}`);
  const check = spawnSync(binary, ['check', 'rules', 'alerts/dr-drill.rules.yml'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const unit = spawnSync(binary, ['test', 'rules', 'dr-drill.rules.test.yml'], { cwd: path.join(REPO, 'alerts'), encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
});

test('the Grafana dashboard and the alert rules query only metrics dr-drill publishes', async () => {
  const result = await drill();
  const published = new Set([...prometheusFamilies(result), passedFamily(result)].map((family) => family.name));
  assert.ok(renderPrometheusText(prometheusFamilies(result)).includes('dr_drill_rto_seconds{milestone="control-plane"}'));
  const dashboard = JSON.parse(await readFile(path.join(REPO, 'dashboards/dr-drill.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const exprs = [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)), ...[...(await readFile(path.join(REPO, 'alerts/dr-drill.rules.yml'), 'utf8')).matchAll(/expr: (.+)/g)].map((m) => m[1]!)];
  assert.ok(exprs.length >= 6);
  for (const expr of exprs) for (const name of expr.match(/\bdr_drill_\w+/g) ?? []) assert.ok(published.has(name), `${name} in "${expr}" is not published`);
  const titles = dashboard.panels.map((panel) => panel.title);
  for (const wanted of ['RTO per milestone against its objective', 'RPO per data class against its objective', 'Time since the last passed drill']) assert.ok(titles.includes(wanted), titles.join(', '));
});

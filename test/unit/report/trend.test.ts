import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { readHistory } from '../../../src/history/read.ts';
import { readResult } from '../../../src/result/io.ts';
import type { DrillResult } from '../../../src/result/model.ts';
import { renderTrendMarkdown, signed, trendSeries } from '../../../src/report/trend.ts';
import { renderTrendSvg } from '../../../src/report/trend-svg.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { assertWellFormedXml } from '../../helpers/xml.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined, env: {} };

/** Five real sim runs (one with a slow restore that misses critical-apps), as the CLI writes them. */
async function history(): Promise<{ dir: string; results: DrillResult[] }> {
  const dir = await tempDir('dr-drill-trend-');
  const faults = [[], [], ['--fault', 'velero-restore=slow'], [], []];
  const codes = await Promise.all(
    faults.map((fault, index) => main(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', path.join(dir, `run-${index}`), ...fault], quiet)),
  );
  assert.deepEqual(codes.map((code) => (code === 0 ? 0 : 'failed')), [0, 0, 'failed', 0, 0]);
  const results = await Promise.all(faults.map((_, index) => readResult(path.join(dir, `run-${index}`, 'result.json'))));
  return { dir, results };
}

const fixture = history();

test('dr-drill trend renders the table of the last N runs and an SVG chart that is well-formed XML', async () => {
  const { dir, results } = await fixture;
  const failed = results[2]!;
  // The history's order: T0, then run id (runs started in the same second tie on T0).
  const newest = [...results].sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt) || a.run.id.localeCompare(b.run.id)).at(-1)!;
  const out = path.join(dir, 'trend-out');
  const lines: string[] = [];
  const code = await main(['trend', '--history', dir, '--last', '5', '--out', out], { ...quiet, stdout: (text) => lines.push(text) });
  assert.equal(code, 0);
  assert.equal(lines.join('\n'), `trend of 5 run(s) of 1 drill(s): ${path.join(out, 'trend.md')}, ${path.join(out, 'rto-trend-cold-start.svg')}`);

  const markdown = await readFile(path.join(out, 'trend.md'), 'utf8');
  assert.match(markdown, newest === failed ? /^## ❌ DR drill `cold-start`: latest run failed$/m : /^## ✅ DR drill `cold-start`: latest run passed$/m);
  assert.ok(markdown.includes(`Run \`${newest.run.id}\` on \`sim\` (simulated), T0 ${newest.run.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${newest.reason}`));
  assert.match(markdown, /^### 📈 Trend over the last 5 runs$/m);
  assert.match(markdown, /^!\[RTO per milestone over time for drill cold-start\]\(rto-trend-cold-start\.svg\)$/m);
  assert.match(markdown, /^\| Run \| Status \| Target \| control-plane \(≤ 4h 00m 00s\) \| critical-apps \(≤ 8h 00m 00s\) \|$/m);
  assert.match(markdown, /^\| Run \| data \(≤ 24h 00m 00s\) \| cluster-config \(≤ 1h 00m 00s\) \|$/m);
  const rtoRows = markdown.split('\n').filter((line) => /^\| \d{4}-\d\d-\d\d `/.test(line) && line.includes('sim (simulated)'));
  assert.equal(rtoRows.length, 5);
  assert.ok(!/\(([+−]|±)/.test(rtoRows[0]!), 'the first run has nothing to compare with');
  assert.match(rtoRows[1]!, /\| \d+m \d\d(\.\d{3})?s \(([+−]\S+( \S+)?|±0)\) \|/);
  const failedRow = rtoRows.find((row) => row.includes(failed.run.id))!;
  assert.match(failedRow, /\| ❌ failed \| sim \(simulated\) \| \d+m \d\d(\.\d{3})?s( \(\S+( \S+)?\))? \| ❌ not reached \|$/);
  assert.match(markdown, newest === failed ? /^\| RTO critical-apps \| ❌ not reached \| not reached \| 8h 00m 00s \| — \| — \|$/m : /^\| RTO critical-apps \| ✅ met \| 1h \d\dm \d\d(\.\d{3})?s \| 8h 00m 00s \| \+\dh \d\dm \d\d(\.\d{3})?s \| \d+% \|$/m);
  // The latest run comes first, then the trend.
  assert.ok(markdown.indexOf('| Objective | Verdict |') < markdown.indexOf('### 📈 Trend'));

  const svgFile = path.join(out, 'rto-trend-cold-start.svg');
  await assertWellFormedXml(svgFile);
  const svg = await readFile(svgFile, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const milestoneLines = [...svg.matchAll(/<path class="milestone" data-milestone="([^"]+)"/g)].map((match) => match[1]);
  const objectiveLines = [...svg.matchAll(/<polyline class="objective" data-milestone="([^"]+)"[^>]*stroke-dasharray/g)].map((match) => match[1]);
  assert.deepEqual(milestoneLines, ['control-plane', 'critical-apps']);
  assert.deepEqual(objectiveLines, ['control-plane', 'critical-apps']);
  // control-plane was reached in all five runs, critical-apps in four.
  const points = (name: string) => svg.match(new RegExp(`class="milestone" data-milestone="${name}" d="([^"]*)"`))![1]!.split(' ').length;
  assert.equal(points('control-plane'), 5);
  assert.equal(points('critical-apps'), 4);
  assert.match(svg, /<path class="not-reached"/);
  assert.match(svg, />Drill run \(day of T0\)</);
  assert.match(svg, />Achieved RTO \(time after T0\)</);
});

test('the XML check fails on a broken chart, so the test above can fail', async () => {
  const { dir } = await fixture;
  const broken = path.join(dir, 'broken.svg');
  await writeFile(broken, '<svg xmlns="http://www.w3.org/2000/svg"><polyline></svg>');
  await assert.rejects(assertWellFormedXml(broken), new RegExp(`^Error: ${broken} is not well-formed XML:\n.*Opening and ending tag mismatch: polyline`));
});

test('--last keeps the newest runs and deltas compare with the run before', async () => {
  const { results } = await fixture;
  const series = trendSeries(results, 'cold-start', 2);
  assert.deepEqual(
    series.runs.map((run) => run.run.id),
    results.slice(-2).map((run) => run.run.id),
  );
  const markdown = renderTrendMarkdown(series, {});
  const [older, newer] = series.runs;
  const delta = signed(newer!.milestones[0]!.rtoMs! - older!.milestones[0]!.rtoMs!);
  assert.ok(markdown.includes(`(${delta})`), `expected the delta ${delta} in\n${markdown}`);
  assert.ok(!markdown.includes('!['), 'no chart reference without chartRef');
});

test('signed deltas: slower is +, faster is −, exact like every figure; ±0 only when nothing changed', () => {
  assert.equal(signed(62_000), '+1m 02s');
  assert.equal(signed(-3_000), '−3s');
  assert.equal(signed(400), '+400ms');
  assert.equal(signed(0), '±0');
});

test('objective lines follow a changed objective and the chart stays valid with one run', async () => {
  const { results } = await fixture;
  const one = renderTrendSvg(trendSeries(results, 'cold-start', 1));
  assert.equal([...one.matchAll(/class="objective"/g)].length, 2);
  const changed = structuredClone(results);
  changed[4]!.milestones[0]!.objectiveMs = 2 * 3_600_000;
  const svg = renderTrendSvg(trendSeries(changed, 'cold-start', 5));
  const objective = svg.match(/class="objective" data-milestone="control-plane" points="([^"]*)"/)![1]!.split(' ');
  assert.equal(objective.length, 5);
  assert.notEqual(objective[3]!.split(',')[1], objective[4]!.split(',')[1]);
});

test('the history reader takes every result below the directory once and lists what it skipped', async () => {
  const { dir, results } = await fixture;
  await mkdir(path.join(dir, 'copies'), { recursive: true });
  await writeFile(path.join(dir, 'copies', 'again.json'), JSON.stringify(results[0]));
  await writeFile(path.join(dir, 'copies', 'package.json'), '{"name":"x"}');
  const history = await readHistory(dir);
  assert.equal(history.results.length, 5);
  assert.deepEqual(
    history.results.map((result) => result.run.id),
    // Runs that started in the same millisecond are ordered by run id.
    [...results].sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt) || a.run.id.localeCompare(b.run.id)).map((result) => result.run.id),
  );
  assert.deepEqual(history.skipped, [{ file: path.join(dir, 'copies', 'package.json'), reason: `${path.join(dir, 'copies', 'package.json')} is not a dr-drill result` }]);
});

test('dr-drill trend rejects a bad --last and a missing history directory with the fix', async () => {
  const errors: string[] = [];
  const io = { ...quiet, stderr: (text: string) => errors.push(text) };
  assert.equal(await main(['trend', '--last', '0'], io), 3);
  assert.equal(errors.pop(), 'EUSAGE --last must be a whole number of runs (1 or more), got "0"');
  assert.equal(await main(['trend', '--history', '/nonexistent/dr-drill-history'], io), 3);
  assert.match(errors.pop()!, /^ERESULT cannot read the history directory \/nonexistent\/dr-drill-history\n {2}ENOENT.*; pass --history DIR with result\.json files/);
});

test('an empty history renders a trend that says so', async () => {
  const empty = await tempDir('dr-drill-empty-');
  const out = path.join(empty, 'out');
  assert.equal(await main(['trend', '--history', empty, '--out', out], quiet), 0);
  assert.equal(await readFile(path.join(out, 'trend.md'), 'utf8'), '## 📈 RTO/RPO trend\n\nNo results in the history yet.\n');
});

test('x labels stay distinct when runs share a day or a minute', async () => {
  const { runLabels } = await import('../../../src/report/trend-svg.ts');
  assert.deepEqual(runLabels(['2026-01-15T05:00:00Z', '2027-01-15T05:00:00Z']), ['2026-01-15', '2027-01-15']);
  assert.deepEqual(runLabels(['2026-12-01T09:10:00Z', '2026-12-01T10:20:00Z']), ['12-01 09:10', '12-01 10:20']);
  assert.deepEqual(runLabels(['2026-12-01T09:10:01Z', '2026-12-01T09:10:30Z', '2026-12-01T11:00:00Z']), ['12-01 09:10 #1', '12-01 09:10 #2', '12-01 11:00']);
  const { results } = await fixture;
  const svg = renderTrendSvg(trendSeries(results, 'cold-start', 5));
  const ticks = [...svg.matchAll(/<g class="x-axis"[\s\S]*?<\/g>/g)][0]![0].match(/<\/title>([^<]+)<\/text>/g)!;
  assert.equal(new Set(ticks).size, ticks.length, `distinct x labels: ${ticks.join(' ')}`);
});

/** Runs of the green fixture result on one day, with critical-apps RTOs as given (undefined: not reached). */
async function runsWith(criticalApps: (number | undefined)[], objectiveMs?: number): Promise<DrillResult[]> {
  const { results } = await fixture;
  const green = results.find((result) => result.status === 'passed')!;
  return criticalApps.map((rtoMs, index) => {
    const run = structuredClone(green);
    run.run.id = `run-${index + 1}`;
    run.run.startedAt = `2026-12-01T0${index + 1}:00:00.000Z`;
    const milestone = run.milestones.find((m) => m.name === 'critical-apps')!;
    if (objectiveMs !== undefined) milestone.objectiveMs = objectiveMs;
    if (rtoMs === undefined) {
      Object.assign(milestone, { reached: false, verdict: 'not-reached', notPassed: ['paperless-check'], reason: 'not reached: paperless-check was skipped' });
      delete milestone.rtoMs;
    } else milestone.rtoMs = rtoMs;
    return run;
  });
}

const circles = (svg: string, name: string) => [...svg.match(new RegExp(`<g class="points" data-milestone="${name}"[\\s\\S]*?</g>`))![0].matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
const yTicks = (svg: string) => [...svg.match(/<g class="y-axis"[\s\S]*?<\/g>/)![0].matchAll(/<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!);

test('a run that did not reach a milestone breaks its line and is marked in the not-reached lane, never drawn as a value', async () => {
  const hour = 3_600_000;
  const svg = renderTrendSvg(trendSeries(await runsWith([1.1 * hour, 1.2 * hour, undefined, 1.3 * hour]), 'cold-start', 4));
  const d = svg.match(/<path class="milestone" data-milestone="critical-apps" d="([^"]*)"/)![1]!;
  const reached = circles(svg, 'critical-apps');
  assert.equal(reached.length, 3);
  // Runs 1-2 joined, run 4 on its own: nothing connects run 2 to run 4 across the run that did not get there.
  assert.equal(d, `M${reached[0]!.x},${reached[0]!.y} L${reached[1]!.x},${reached[1]!.y} M${reached[2]!.x},${reached[2]!.y}`);
  const cross = svg.match(/<path class="not-reached" d="M([\d.]+),([\d.]+) [^"]*"[^>]*><title>([^<]*)<\/title>/)!;
  const ticks = [...svg.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#444444"\/>/g)].map((m) => Number(m[1]));
  assert.equal(Number(cross[1]) + 5, ticks[2], 'the × sits on the third run');
  assert.ok(Number(cross[2]) + 5 < 66, 'the × is above the plot, in the lane, not at a value');
  assert.equal(cross[3], 'critical-apps: not reached in run run-3');
  assert.match(svg, /<g class="not-reached-lane">[\s\S]*>not reached<\/text><\/g>/);
  // control-plane, reached in every run, stays one unbroken line.
  assert.equal(svg.match(/<path class="milestone" data-milestone="control-plane" d="([^"]*)"/)![1]!.match(/M/g)!.length, 1);
});

test('the y axis spans the achieved values and the objectives, so 2h against 2h 30m is not flattened', async () => {
  const hour = 3_600_000;
  const results = await runsWith([2 * hour, 2.25 * hour, 2.5 * hour], 3 * hour);
  // Only critical-apps on this chart, so the axis is about its values and its objective alone.
  for (const result of results) result.milestones = result.milestones.filter((m) => m.name === 'critical-apps');
  const svg = renderTrendSvg(trendSeries(results, 'cold-start', 3));
  const ticks = yTicks(svg);
  assert.deepEqual([ticks[0], ticks.at(-1)], ['1h 45m 00s', '3h 15m 00s']);
  const [first, , last] = circles(svg, 'critical-apps');
  const plotHeight = 380 - 66 - 64;
  // From zero (0 to 3h 15m) they would be 38 px apart; on this axis a third of the plot.
  assert.ok(first!.y - last!.y > plotHeight / 4, `30 minutes apart spans a quarter of the plot at least (${first!.y} vs ${last!.y})`);
  const objective = svg.match(/class="objective" data-milestone="critical-apps" points="[\d.]+,([\d.]+)/)!;
  assert.ok(Number(objective[1]) >= 66 && Number(objective[1]) < last!.y, 'the objective is inside the plot, above the slowest run');
});

test('y scale: round steps, from zero when the values reach down near it, never a fixed range', async () => {
  const { yScale } = await import('../../../src/report/trend-svg.ts');
  assert.deepEqual(yScale([17 * 60_000, 4 * 3_600_000]), { min: 0, max: 5 * 3_600_000, step: 3_600_000 });
  assert.deepEqual(yScale([10_000, 20_000, 30_000]), { min: 5_000, max: 35_000, step: 5_000 });
  assert.deepEqual(yScale([2 * 3_600_000]), { min: 6_600_000, max: 7_800_000, step: 600_000 });
});

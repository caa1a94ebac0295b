// An RTO measured from a step (milestone from:) says so next to its figure in every report, all
// rendered from the one result: console, summary.md, junit.xml (case name, properties, failure),
// postmortem.md, changelog-entry.md and the metrics' help; one that counts from the awaited
// object's own time names that source too. An RTO counted from T0 says nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { achievedRto, measuredFrom, summaryLines } from '../../../src/report/figures.ts';
import { renderJunit } from '../../../src/report/junit.ts';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { followUpsOf, renderChangelogEntry, renderPostmortem } from '../../../src/report/postmortem.ts';
import { prometheusFamilies, renderPrometheusText } from '../../../src/report/prometheus.ts';
import { notificationText } from '../../../src/notify/webhook.ts';
import { renderTrendMarkdown, trendSeries } from '../../../src/report/trend.ts';
import { figuresTable } from '../../../src/cli/figures-table.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const out = path.join(await tempDir(), 'reports');
const run = await runCli(['run', 'drills/gitops-drift.yaml', '--target', 'sim', '--out', out]);
const read = (name: string) => readFileSync(path.join(out, name), 'utf8');
const result = JSON.parse(read('result.json')) as DrillResult;
const recovered = result.milestones.find((milestone) => milestone.name === 'recovered-from-drift')!;
const figure = achievedRto(recovered);

test('the result says which step the RTO counts from, and when that step ended', () => {
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(recovered.from, 'bad-revision-fetched');
  assert.equal(recovered.fromMs, result.steps.find((step) => step.id === 'bad-revision-fetched')!.endMs);
  assert.match(figure, /^\d+m \d/);
  assert.equal(measuredFrom(recovered), ' from bad-revision-fetched');
  assert.equal(measuredFrom({ ...recovered, rtoMs: undefined }), '', 'no figure, nothing to qualify');
  assert.equal(measuredFrom(result.milestones.find((milestone) => milestone.name === 'drift-applied')!), '');
});

test('console: the RTO line names the step, a milestone counted from T0 does not', () => {
  assert.match(run.stdout, new RegExp(`^ {2}RTO recovered-from-drift\\W+${escape(figure)} from bad-revision-fetched\\b`, 'm'));
  const driftLines = run.stdout.split('\n').filter((line) => line.includes('RTO drift-applied'));
  assert.ok(driftLines.length > 0 && driftLines.every((line) => !line.includes(' from ')), driftLines.join('\n'));
  assert.deepEqual(summaryLines(result).filter((line) => line.includes(' from ')), [`  RTO recovered-from-drift: ${figure} from bad-revision-fetched (objective 30m 00s: met)`]);
});

test('summary.md: the achieved cell names the step', () => {
  assert.match(read('summary.md'), new RegExp(`^\\| recovered-from-drift \\| ${escape(figure)} from bad-revision-fetched \\| 30m 00s \\| ✅ met \\|`, 'm'));
  assert.equal(read('summary.md'), renderMarkdown(result));
});

test('junit.xml: the case name, its output and the run properties name the step', () => {
  const junit = read('junit.xml');
  assert.match(junit, new RegExp(`name="RTO recovered-from-drift: ${escape(figure)} from bad-revision-fetched \\(objective 30m 00s\\)"`));
  assert.match(junit, new RegExp(`<system-out>achieved RTO ${escape(figure)} from bad-revision-fetched, objective 30m 00s`));
  assert.match(junit, /<property name="rto.recovered-from-drift.from" value="bad-revision-fetched"\/>/);
  assert.match(junit, new RegExp(`<property name="rto.recovered-from-drift.from_seconds" value="${recovered.fromMs! / 1000}"/>`));
  assert.doesNotMatch(junit, /rto\.drift-applied\.from/);
  // Missed: the failure message says where the figure counts from.
  const missed = renderJunit(withObjective(60_000));
  assert.match(missed, new RegExp(`<failure message="RTO recovered-from-drift missed: ${escape(figure)} > 1m 00s from bad-revision-fetched"`));
});

test('postmortem.md and changelog-entry.md: the objectives table, the entry and the follow-up name the step', () => {
  assert.match(read('postmortem.md'), new RegExp(`^\\| RTO recovered-from-drift \\| ${escape(figure)} from bad-revision-fetched \\| 30m 00s \\| met \\|$`, 'm'));
  assert.match(read('changelog-entry.md'), new RegExp(`^- RTO recovered-from-drift: ${escape(figure)} from bad-revision-fetched \\(objective 30m 00s: met\\)\\.$`, 'm'));
  assert.equal(read('changelog-entry.md'), renderChangelogEntry(result));
  assert.ok(renderPostmortem(withObjective(60_000)).includes(`| RTO recovered-from-drift | ${figure} from bad-revision-fetched | 1m 00s | MISSED |`));
  assert.ok(followUpsOf(withObjective(60_000)).some((item) => item.startsWith(`RTO recovered-from-drift ${figure} from bad-revision-fetched missed its objective 1m 00s`)));
});

test('metrics: the RTO help says a milestone may count from a step', () => {
  assert.match(read('metrics.txt'), /^# HELP dr_drill_rto_seconds Achieved RTO: time after T0 at which the milestone was reached, or for a milestone measured from a step after that step's event \(the awaited object's own lastTransitionTime when the step recorded one, else the step's end; /m);
  assert.match(renderPrometheusText(prometheusFamilies(result)), /^# HELP dr_drill_rto_seconds Achieved RTO per milestone: after T0, or after the event of the milestone's from step when it declares one \(the awaited object's lastTransitionTime, else the step's end\)/m);
});

function withObjective(objectiveMs: number): DrillResult {
  return { ...result, milestones: result.milestones.map((milestone) => (milestone === recovered ? { ...milestone, objectiveMs, verdict: 'missed' } : milestone)) };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('chat notification: the RTO bullet names the step', () => {
  assert.ok(notificationText(result).includes(`• RTO recovered-from-drift: ${figure} from bad-revision-fetched (objective 30m 00s, met)`), notificationText(result));
});

test('an RTO counted from the object\'s own time names the source wherever it names the step', () => {
  const source = 'GitRepository flux-system/flux-system Ready lastTransitionTime';
  const earlier = { ...recovered, fromMs: recovered.fromMs! - 1_400, fromSource: source, rtoMs: recovered.rtoMs! + 1_400 };
  const counted = { ...result, milestones: result.milestones.map((milestone) => (milestone === recovered ? earlier : milestone)) };
  const from = `${escape(achievedRto(earlier))} from bad-revision-fetched \\(${escape(source)}\\)`;
  assert.equal(measuredFrom(earlier), ` from bad-revision-fetched (${source})`);
  assert.ok(summaryLines(counted).includes(`  RTO recovered-from-drift: ${achievedRto(earlier)} from bad-revision-fetched (${source}) (objective 30m 00s: met)`), summaryLines(counted).join('\n'));
  assert.match(figuresTable(counted).join('\n'), new RegExp(`^ {2}RTO recovered-from-drift +${from} +30m 00s +met$`, 'm'));
  assert.match(renderMarkdown(counted), new RegExp(`^\\| recovered-from-drift \\| ${from} \\| 30m 00s \\|`, 'm'));
  const junit = renderJunit(counted);
  assert.match(junit, new RegExp(`name="RTO recovered-from-drift: ${from} \\(objective 30m 00s\\)"`));
  assert.match(junit, new RegExp(`<property name="rto.recovered-from-drift.from_source" value="${escape(source)}"/>`));
  assert.match(junit, new RegExp(`<property name="rto.recovered-from-drift.from_seconds" value="${earlier.fromMs / 1000}"/>`));
  assert.doesNotMatch(renderJunit(result), /from_source/, 'counted from the step\'s end: nothing more to name');
  assert.match(renderPostmortem(counted), new RegExp(`^\\| RTO recovered-from-drift \\| ${from} \\| 30m 00s \\| met \\|$`, 'm'));
  assert.match(renderChangelogEntry(counted), new RegExp(`^- RTO recovered-from-drift: ${from} \\(objective 30m 00s: met\\)\\.$`, 'm'));
  assert.ok(notificationText(counted).includes(`• RTO recovered-from-drift: ${achievedRto(earlier)} from bad-revision-fetched (${source}) (objective`), notificationText(counted));
  assert.match(renderTrendMarkdown(trendSeries([counted], 'gitops-drift')), new RegExp(`\\| RTO recovered-from-drift \\| [^|]+ \\| ${from} \\|`));
});

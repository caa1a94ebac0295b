/**
 * Runbook 002's closing report, rendered from a result: a CHANGELOG entry (date, scenario, verdict,
 * RTO/RPO against objectives, what failed) and a post-mortem with the timeline, the critical
 * path, the slowest steps, warnings, failures with their causes and logs, missed objectives and
 * follow-ups for the improvement plan (lessons learned).
 */
import type { DrillResult, MilestoneResult, RpoResult, StepResult, Verdict } from '../result/model.ts';
import { isSimulated } from '../result/model.ts';
import { formatDuration } from '../util/duration.ts';
import { measuredFrom } from './figures.ts';

const VERDICT: Record<Verdict, string> = { met: 'met', missed: 'MISSED', 'not-reached': 'NOT REACHED', 'not-measured': 'NOT MEASURED', 'no-objective': 'no objective' };
const PROBLEM: ReadonlySet<StepResult['status']> = new Set(['failed', 'timed-out', 'cancelled']);

/** The entry for `docs/CHANGELOG.md`: a heading and a few bullets, newest first. */
export function renderChangelogEntry(result: DrillResult): string {
  const lines = [`## ${result.run.startedAt.slice(0, 10)}: DR drill \`${result.drill.name}\` (${result.drill.scenario}) ${result.status}`, ''];
  lines.push(`- Run \`${result.run.id}\` on target \`${result.run.target}\`${isSimulated(result.run) ? ' (simulated)' : ''}, T0 ${result.run.startedAt}, drill time ${formatDuration(result.run.durationMs)}.`);
  lines.push(`- Verdict: ${inline(result.reason)}.`);
  for (const milestone of result.milestones) lines.push(`- RTO ${milestone.name}: ${rtoText(milestone)}.`);
  for (const rpo of result.rpo) lines.push(`- RPO ${rpo.dataClass}: ${rpoText(rpo)}.`);
  const failed = result.steps.filter((step) => PROBLEM.has(step.status));
  for (const step of failed) lines.push(`- ${step.finally ? 'Teardown step' : 'Step'} \`${step.id}\` ${step.status}: ${inline(step.error?.message ?? step.reason ?? '')}.`);
  for (const error of result.errors) lines.push(`- ${error.code}: ${inline(error.message)}.`);
  return `${lines.join('\n')}\n`;
}

/** The post-mortem: what happened, when, why, and what to improve. */
export function renderPostmortem(result: DrillResult, options: { slowest?: number } = {}): string {
  const lines: string[] = [`# Post-mortem: DR drill \`${result.drill.name}\` on ${result.run.startedAt.slice(0, 10)}`, ''];
  lines.push(`Scenario **${result.drill.scenario}**, target \`${result.run.target}\`${isSimulated(result.run) ? ' (simulated: drill time on a virtual clock)' : ''}, run \`${result.run.id}\`.`);
  lines.push(`Outcome: **${result.status}**: ${inline(result.reason)}.`, '');

  lines.push('## Objectives', '', '| | Achieved | Objective | Verdict |', '| --- | ---: | ---: | --- |');
  for (const milestone of result.milestones) lines.push(`| RTO ${milestone.name} | ${milestone.rtoMs === undefined ? 'not reached' : `${formatDuration(milestone.rtoMs)}${measuredFrom(milestone)}`} | ${objective(milestone.objectiveMs)} | ${VERDICT[milestone.verdict]} |`);
  for (const rpo of result.rpo) lines.push(`| RPO ${rpo.dataClass} | ${rpo.achievedMs === undefined ? 'not measured' : formatDuration(rpo.achievedMs)} | ${objective(rpo.objectiveMs)} | ${VERDICT[rpo.verdict]} |`);
  lines.push('');

  lines.push('## Timeline', '', `T0 (the declared disaster): ${result.run.startedAt}. Offsets are drill time after T0.`, '');
  for (const step of timeline(result.steps)) {
    const offset = step.startMs === undefined ? '—' : `+${formatDuration(step.startMs)}`;
    const took = step.durationMs === undefined ? '' : ` in ${formatDuration(step.durationMs)}`;
    const attempts = step.attempts.length > 1 ? ` after ${step.attempts.length} attempts` : '';
    lines.push(`- ${offset} \`${step.id}\`${step.finally ? ' (teardown)' : ''}: ${step.status}${took}${attempts}${step.status === 'passed' ? '' : `: ${inline(step.error?.message ?? step.reason ?? '')}`}`);
  }
  lines.push('');

  for (const milestone of result.milestones.filter((item) => item.criticalPath.length > 0)) {
    lines.push(`Critical path to **${milestone.name}**: ${milestone.criticalPath.map((id) => `\`${id}\``).join(' → ')}.`);
  }
  const slowest = result.steps.filter((step) => step.status === 'passed' && (step.durationMs ?? 0) > 0).sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0)).slice(0, options.slowest ?? 5);
  if (slowest.length > 0) {
    lines.push('', '## Slowest steps', '');
    for (const step of slowest) lines.push(`- \`${step.id}\`: ${formatDuration(step.durationMs ?? 0)}`);
  }

  const failures = result.steps.filter((step) => PROBLEM.has(step.status));
  if (failures.length > 0 || result.errors.length > 0) {
    lines.push('', '## What failed and why', '');
    for (const step of failures) {
      lines.push(`### \`${step.id}\` ${step.status}${step.finally ? ' (teardown: resources may be left behind)' : ''}`, '');
      lines.push(inline(step.error?.message ?? step.reason ?? 'no reason recorded'));
      if (step.error?.details) lines.push('', '```text', step.error.details, '```');
      if (step.logFile) lines.push('', `Log: \`${step.logFile}\``);
      lines.push('');
    }
    for (const error of result.errors) lines.push(`- ${error.code}: ${inline(error.message)}`);
  }
  const warned = result.steps.filter((step) => step.warnings?.length);
  if (warned.length > 0) {
    lines.push('', '## Warnings', '');
    for (const step of warned) for (const warning of step.warnings!) lines.push(`- \`${step.id}\`: ${inline(warning)}`);
  }

  lines.push('', '## Lessons learned and follow-ups', '', 'For `IMPROVEMENT_PLAN.md`:', '');
  const followUps = followUpsOf(result);
  if (followUps.length === 0) lines.push('- Nothing failed and every objective was met: keep the drill on its schedule and compare the trend.');
  for (const item of followUps) lines.push(`- [ ] ${item}`);
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** What the improvement plan should pick up, one line each, derived from the result alone. */
export function followUpsOf(result: DrillResult): string[] {
  const items: string[] = [];
  for (const step of result.steps.filter((candidate) => PROBLEM.has(candidate.status))) {
    if (step.finally) items.push(`Teardown step \`${step.id}\` ${step.status}: check for leftovers of run \`${result.run.id}\` (dr-drill teardown <drill> --run-id ${result.run.id}) and fix the cause: ${inline(step.error?.message ?? '')}`);
    else if (step.status === 'timed-out') items.push(`\`${step.id}\` timed out after ${formatDuration(step.timeoutMs)}: find what it waited for (its log) and fix that, or raise the timeout if the work legitimately takes longer`);
    else if (step.status === 'failed') items.push(`\`${step.id}\` failed: ${inline(step.error?.message ?? '')}; fix it in the runbook or the drill`);
  }
  for (const milestone of result.milestones) {
    if (milestone.verdict === 'missed') items.push(`RTO ${milestone.name} ${formatDuration(milestone.rtoMs ?? 0)}${measuredFrom(milestone)} missed its objective ${objective(milestone.objectiveMs)}: shorten the critical path ${milestone.criticalPath.join(' → ')}`);
    if (milestone.verdict === 'not-reached') items.push(`Milestone ${milestone.name} was not reached: ${milestone.reason ?? `${milestone.after.join(', ')} must all pass`}`);
    if (milestone.verdict === 'not-measured') items.push(`Milestone ${milestone.name} was not measured on ${result.run.target}: ${milestone.reason ?? 'some of its steps do not apply there'}; rehearse it on a target where they do`);
  }
  for (const rpo of result.rpo) {
    if (rpo.verdict === 'missed') items.push(`RPO ${rpo.dataClass} ${formatDuration(rpo.achievedMs ?? 0)} missed its objective ${objective(rpo.objectiveMs)}: back up more often or check why the newest backup is old`);
    if (rpo.verdict === 'not-reached' || rpo.verdict === 'not-measured') items.push(`RPO ${rpo.dataClass} was not measured: no restore of that class brought data back`);
  }
  const warnings = result.steps.reduce((count, step) => count + (step.warnings?.length ?? 0), 0);
  if (warnings > 0) items.push(`Review the ${warnings} warning(s) above: a warning today is often next year's failure`);
  return items;
}

/**
 * Adds the entry to an existing changelog without touching the rest: after the marker
 * `<!-- dr-drill:changelog -->` if there is one, else after the first `# ` title (and the text
 * directly under it), else at the top. Every other byte stays as it was.
 */
export function insertChangelogEntry(existing: string, entry: string): string {
  const block = entry.endsWith('\n') ? entry : `${entry}\n`;
  const marker = existing.indexOf('<!-- dr-drill:changelog -->');
  if (marker >= 0) {
    const lineEnd = existing.indexOf('\n', marker);
    const at = lineEnd < 0 ? existing.length : lineEnd + 1;
    return lineEnd < 0 ? `${existing}\n\n${block}` : `${existing.slice(0, at)}\n${block}${existing.slice(at)}`;
  }
  const title = /^# .*$/m.exec(existing);
  if (!title) return `${block}\n${existing}`;
  // The entry goes before the first second-level heading after the title, or at the end.
  const rest = existing.slice(title.index + title[0].length);
  const nextHeading = /^## /m.exec(rest);
  if (!nextHeading) return `${existing}${existing.endsWith('\n') ? '\n' : '\n\n'}${block}`;
  const at = title.index + title[0].length + nextHeading.index;
  return `${existing.slice(0, at)}${block}\n${existing.slice(at)}`;
}

function timeline(steps: StepResult[]): StepResult[] {
  return [...steps].sort((a, b) => (a.startMs ?? Number.MAX_SAFE_INTEGER) - (b.startMs ?? Number.MAX_SAFE_INTEGER) || Number(a.finally) - Number(b.finally));
}

function rtoText(milestone: MilestoneResult): string {
  const achieved = milestone.rtoMs === undefined ? 'not reached' : `${formatDuration(milestone.rtoMs)}${measuredFrom(milestone)}`;
  return milestone.objectiveMs === undefined ? achieved : `${achieved} (objective ${formatDuration(milestone.objectiveMs)}: ${VERDICT[milestone.verdict]})`;
}

function rpoText(rpo: RpoResult): string {
  const achieved = rpo.achievedMs === undefined ? 'not measured' : formatDuration(rpo.achievedMs);
  return rpo.objectiveMs === undefined ? achieved : `${achieved} (objective ${formatDuration(rpo.objectiveMs)}: ${VERDICT[rpo.verdict]})`;
}

function objective(ms: number | undefined): string {
  return ms === undefined ? '—' : formatDuration(ms);
}

/** One line of Markdown text: no line breaks, no table pipes. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

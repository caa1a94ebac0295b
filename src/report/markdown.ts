/** summary.md: what a person needs in ten seconds — verdict, RTO and RPO against objectives, slowest steps. */
import { isSimulated, PREFLIGHT_SKIPPED, type DrillResult, type StepResult, type Verdict } from '../result/model.ts';
import { formatDuration } from '../util/duration.ts';
import { achievedRpo, achievedRto, measuredFrom } from './figures.ts';

const STATUS_ICON: Record<DrillResult['status'], string> = { passed: '✅', failed: '❌', cancelled: '⚠️', error: '💥' };
const VERDICT_TEXT: Record<Verdict, string> = { met: '✅ met', missed: '❌ missed', 'not-reached': '❌ not reached', 'not-measured': '❌ not measured', 'no-objective': '—' };
const STEP_ICON: Record<StepResult['status'], string> = { passed: '✅', failed: '❌', 'timed-out': '⏱️', cancelled: '⚠️', skipped: '⏭️', 'not-run': '⏭️', 'not-applicable': '➖' };

export function renderMarkdown(result: DrillResult, options: { slowest?: number } = {}): string {
  const lines: string[] = [];
  const speed = isSimulated(result.run) ? ' (simulated: drill time on a virtual clock)' : '';
  lines.push(`## ${STATUS_ICON[result.status]} DR drill \`${result.drill.name}\` ${result.status} on \`${result.run.target}\``);
  lines.push('');
  lines.push(`${escapeCell(result.reason)}.`);
  lines.push('');
  if (result.run.preflight === 'skipped') {
    lines.push('> [!CAUTION]', `> **${PREFLIGHT_SKIPPED}.**`, '');
  }
  if (result.run.faults) lines.push('> [!NOTE]', `> Faults injected on purpose: ${Object.entries(result.run.faults).map(([step, fault]) => `${step}=${fault}`).join(', ')}.`, '');
  lines.push(`Scenario **${result.drill.scenario}** · T0 ${result.run.startedAt} · drill time ${formatDuration(result.run.durationMs)}${speed} · run \`${result.run.id}\``);
  lines.push('');

  if (result.milestones.length > 0) {
    lines.push('| Milestone | Achieved RTO | Objective | Verdict | Critical path |', '| --- | ---: | ---: | --- | --- |');
    for (const milestone of result.milestones) {
      lines.push(
        `| ${milestone.name} | ${achievedRto(milestone)}${measuredFrom(milestone)} | ${milestone.objectiveMs === undefined ? '—' : formatDuration(milestone.objectiveMs)} | ${VERDICT_TEXT[milestone.verdict]} | ${milestone.criticalPath.join(' → ') || '—'} |`,
      );
    }
    lines.push('');
    for (const milestone of result.milestones) if (milestone.reason) lines.push(`- RTO **${milestone.name}** ${escapeCell(milestone.reason)}`);
    if (result.milestones.some((milestone) => milestone.reason)) lines.push('');
  }
  if (result.rpo.length > 0) {
    lines.push('| Data class | Achieved RPO | Objective | Verdict | Oldest restored data |', '| --- | ---: | ---: | --- | --- |');
    for (const rpo of result.rpo) {
      const oldest = rpo.samples.reduce<(typeof rpo.samples)[number] | undefined>((worst, sample) => (!worst || sample.ageMs > worst.ageMs ? sample : worst), undefined);
      lines.push(
        `| ${rpo.dataClass} | ${achievedRpo(rpo)} | ${rpo.objectiveMs === undefined ? '—' : formatDuration(rpo.objectiveMs)} | ${VERDICT_TEXT[rpo.verdict]} | ${oldest ? escapeCell(oldest.source) : '—'} |`,
      );
    }
    lines.push('');
    for (const rpo of result.rpo) if (rpo.reason) lines.push(`- RPO **${rpo.dataClass}** ${escapeCell(rpo.reason)}`);
    if (result.rpo.some((rpo) => rpo.reason)) lines.push('');
  }

  const problems = result.steps.filter((step) => ['failed', 'timed-out', 'cancelled'].includes(step.status));
  if (problems.length > 0) {
    lines.push('### What went wrong', '');
    for (const step of problems) {
      lines.push(`- ${STEP_ICON[step.status]} **${step.id}**${step.finally ? ' (teardown)' : ''} ${step.status}: ${escapeCell(step.error?.message ?? '')}${step.logFile ? ` — log: \`${step.logFile}\`` : ''}`);
    }
    const notRun = result.steps.filter((step) => step.status === 'skipped' || step.status === 'not-run');
    if (notRun.length > 0) lines.push(`- ⏭️ not run: ${notRun.map((step) => step.id).join(', ')}`);
  }
  const notApplicable = result.steps.filter((step) => step.status === 'not-applicable');
  if (notApplicable.length > 0) {
    if (problems.length === 0) lines.push('### Not applicable on this target', '');
    for (const step of notApplicable) lines.push(`- ➖ **${step.id}**: ${escapeCell(step.reason ?? '')}`);
    lines.push('');
  }
  const standIns = result.steps.filter((step) => step.standIn);
  if (standIns.length > 0) {
    lines.push(`### Stand-ins on ${result.run.target}`, '', 'Not done for real on this target: what each step stood for.', '');
    for (const step of standIns) lines.push(`- 🔁 **${step.id}** (${step.status === 'not-applicable' ? 'not run' : step.kind}): ${escapeCell(step.standIn!)}`);
    lines.push('');
  }
  if (result.controls?.length) {
    const icon = { detected: '✅', 'not-detected': '❌', 'not-run': '⏭️', 'not-applicable': '➖' } as const;
    lines.push('### Negative controls', '', '| Control | Fault | Result |', '| --- | --- | --- |');
    for (const control of result.controls) {
      const injected = Object.entries(control.faults).map(([step, fault]) => `${step}=${fault}`).join(', ');
      lines.push(`| ${control.name} | ${escapeCell(control.description ? `${control.description} (${injected})` : injected)} | ${icon[control.status]} ${control.status}: ${escapeCell(control.reason)} |`);
    }
    lines.push('');
  }
  const warned = result.steps.filter((step) => step.warnings?.length);
  if (warned.length > 0) {
    lines.push('### Warnings', '');
    for (const step of warned) for (const warning of step.warnings!) lines.push(`- ⚠️ **${step.id}**: ${escapeCell(warning)}`);
    lines.push('');
  }

  const slowest = result.steps
    .filter((step) => step.durationMs !== undefined)
    .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
    .slice(0, options.slowest ?? 5);
  if (slowest.length > 0) {
    lines.push('<details><summary>Slowest steps</summary>', '', '| Step | Phase | Duration | Status |', '| --- | --- | ---: | --- |');
    for (const step of slowest) lines.push(`| ${step.id} | ${step.phase} | ${formatDuration(step.durationMs ?? 0)} | ${STEP_ICON[step.status]} ${step.status} |`);
    lines.push('', '</details>', '');
  }
  const teardown = result.steps.filter((step) => step.finally);
  const teardownFailed = teardown.filter((step) => step.status === 'failed' || step.status === 'timed-out');
  if (teardownFailed.length > 0) {
    lines.push('### ⚠️ Teardown failed: drill resources may be left behind', '');
    for (const step of teardownFailed) lines.push(`- **${step.id}** ${step.status}: ${escapeCell(step.error?.message ?? '')}${step.error?.details ? ` (${escapeCell(step.error.details)})` : ''}`);
    lines.push('', 'Remove them by running only the teardown again for this run (idempotent):', '', '```sh', teardownCommand(result), '```', '');
  }
  if (teardown.length > 0) {
    lines.push(`Teardown: ${teardown.map((step) => `${STEP_ICON[step.status]} ${step.id}`).join(', ')}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The exact command that runs the drill's finally steps again for this run. */
export function teardownCommand(result: DrillResult): string {
  const quote = (text: string) => (/^[\w./:@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  return `npx dr-drill teardown ${quote(result.drill.file)} --run-id ${quote(result.run.id)} --target ${quote(result.run.target)}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** `dr-drill plan`: what would run, in order, with dependencies and timeouts. */
import type { StepKind } from '../contract/step.ts';
import type { Plan, StepRegistry } from '../drill/plan.ts';
import { knownInputs } from '../preflight/needs.ts';
import { countedFrom } from '../result/counted-from.ts';
import { formatDuration } from '../util/duration.ts';

/** With the registry, a milestone measured from a step names the instant that step's kind reports as its event's start. */
export function renderPlan(plan: Plan, registry?: StepRegistry): string {
  const lines = [`drill ${plan.drill.name} (${plan.drill.scenario}) on target ${plan.target}`, ''];
  for (const phase of plan.phases) {
    lines.push(`phase ${phase.name}${phase.dependsOn.length > 0 ? ` (after ${phase.dependsOn.join(', ')})` : ''}`);
    for (const id of phase.stepIds) {
      const step = plan.steps.find((candidate) => candidate.id === id)!;
      const retries = step.retries > 0 ? `, ${step.retries} retr${step.retries === 1 ? 'y' : 'ies'} from ${formatDuration(step.retryDelayMs)}` : '';
      if (step.notApplicable) lines.push(`  ${step.id.padEnd(24)} ${'-'.padEnd(18)} not applicable on ${plan.target}: ${step.notApplicable}`);
      else lines.push(`  ${step.id.padEnd(24)} ${step.kind.padEnd(18)} timeout ${formatDuration(step.timeoutMs)}${retries}${step.rpoClass ? `, RPO ${step.rpoClass}` : ''}`);
      if (step.standIn) lines.push(`  ${''.padEnd(24)} stand-in for: ${step.standIn}`);
    }
  }
  if (plan.finallySteps.length > 0) {
    lines.push('finally (always runs)');
    for (const step of plan.finallySteps) {
      lines.push(`  ${step.id.padEnd(24)} ${step.kind.padEnd(18)} timeout ${formatDuration(step.timeoutMs)}`);
      if (step.standIn) lines.push(`  ${''.padEnd(24)} stand-in for: ${step.standIn}`);
    }
  }
  lines.push('', 'objectives');
  for (const milestone of plan.milestones) lines.push(`  RTO ${milestone.name.padEnd(20)} ${milestone.objectiveMs === undefined ? 'none' : `<= ${formatDuration(milestone.objectiveMs)}`} after ${milestone.after.join(', ')}${milestone.from ? `,${countedFrom(milestone.from, milestone.fromTime === 'step-end' ? undefined : expectedSource(plan, milestone.from, registry))}` : ''}`);
  for (const rpo of plan.rpoObjectives) lines.push(`  RPO ${rpo.dataClass.padEnd(20)} <= ${formatDuration(rpo.objectiveMs)}`);
  if (plan.controls.length > 0) lines.push('', `negative controls (--controls) on ${plan.target}`);
  for (const control of plan.controls) {
    const faults = Object.entries(control.faults).map(([step, fault]) => `${step}=${fault}`).join(', ');
    const status = control.notApplicable ? `not applicable: ${control.notApplicable}` : control.problems.length > 0 ? `cannot run on ${plan.target} (--controls refuses it): ${control.problems.map((problem) => problem.message).join('; ')}` : `${faults}, detected by ${control.detectedBy?.join(', ') ?? 'the drill turning red'}`;
    lines.push(`  ${control.name.padEnd(24)} ${status}`);
  }
  return lines.join('\n');
}

/** What the from-step's kind says it will report as its event's start with these inputs (values known only at run time stay as written). */
function expectedSource(plan: Plan, stepId: string, registry: StepRegistry | undefined): string | undefined {
  const step = plan.steps.find((candidate) => candidate.id === stepId);
  const kind = step && !step.notApplicable ? registry?.get(step.kind) : undefined;
  if (!step || !kind?.observedSince) return undefined;
  return kind.observedSince(knownInputs(kind, (step.spec.with ?? {}) as Record<string, unknown>) as Parameters<NonNullable<StepKind['observedSince']>>[0]);
}

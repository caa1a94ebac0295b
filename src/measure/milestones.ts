/**
 * Achieved RTO per milestone, its verdict, and the chain of steps that made up its time. A
 * milestone is reached only when every one of its `after` steps passed: a step that did not pass
 * makes it "not reached", a step not applicable on this target makes it "not measured" there.
 * Neither is ever met. A milestone measured `from` a step counts from when that step's event
 * happened: the instant the awaited object itself recorded (a condition's lastTransitionTime) when
 * the step reported one, else the step's end, and never later than that end; with fromTime
 * step-end, from the step's end. It is not reached when that step did not pass.
 */
import { describeStatus } from '../result/status-text.ts';
import type { PlannedMilestone } from '../drill/plan.ts';
import type { StepRecord } from '../engine/run.ts';
import type { MilestoneResult } from '../result/model.ts';

export function measureMilestones(milestones: PlannedMilestone[], records: Map<string, StepRecord>, target: string): MilestoneResult[] {
  return milestones.map((milestone) => {
    const steps = milestone.after.map((id) => records.get(id)).filter((record): record is StepRecord => record !== undefined);
    const notApplicable = steps.filter((record) => record.status === 'not-applicable').map((record) => record.step.id);
    const start = milestone.from === undefined ? undefined : records.get(milestone.from);
    const startIds = milestone.from === undefined ? [] : [milestone.from];
    const notPassed = [
      ...[...startIds, ...milestone.after].filter((id) => !records.has(id)),
      ...(start && start.status !== 'passed' && start.status !== 'not-applicable' ? [start.step.id] : []),
      ...steps.filter((record) => record.status !== 'passed' && record.status !== 'not-applicable').map((record) => record.step.id),
    ];
    if (start?.status === 'not-applicable') notApplicable.unshift(start.step.id);
    const reached = notPassed.length === 0 && notApplicable.length === 0;
    const result: MilestoneResult = { name: milestone.name, after: milestone.after, reached, verdict: 'no-objective', criticalPath: [] };
    if (milestone.description) result.description = milestone.description;
    if (milestone.from !== undefined) result.from = milestone.from;
    if (milestone.objectiveMs !== undefined) result.objectiveMs = milestone.objectiveMs;
    if (reached) {
      const last = steps.reduce((latest, record) => ((record.endMs ?? 0) > (latest.endMs ?? 0) ? record : latest));
      const from = start ? startOf(start, milestone.fromTime) : { ms: 0 };
      if (start) result.fromMs = from.ms;
      if (from.source) result.fromSource = from.source;
      result.rtoMs = (last.endMs ?? 0) - from.ms;
      result.criticalPath = criticalPath(last, records, milestone.from);
      if (milestone.objectiveMs !== undefined) result.verdict = result.rtoMs <= milestone.objectiveMs ? 'met' : 'missed';
      return result;
    }
    // A step that did not pass is the stronger truth: the milestone was not reached at all.
    if (notPassed.length > 0) {
      result.notPassed = notPassed;
      result.reason = `not reached: ${notPassed.map((id) => `${id} ${describe(records.get(id))}`).join(', ')}`;
      if (milestone.objectiveMs !== undefined) result.verdict = 'not-reached';
    } else {
      result.reason = `not measured on target ${target}: ${notApplicable.join(', ')} not applicable`;
      if (milestone.objectiveMs !== undefined) result.verdict = 'not-measured';
    }
    if (notApplicable.length > 0) result.notApplicable = notApplicable;
    return result;
  });
}

/**
 * When the event a from-step waited for happened. The object's own instant counts even when it is
 * before the step began (the state already held then); one after the step's end (an API server
 * clock ahead of ours) cannot be, so the end bounds it.
 */
export function startOf(record: StepRecord, fromTime: 'event' | 'step-end' = 'event'): { ms: number; source?: string } {
  const end = record.endMs ?? 0;
  const observed = fromTime === 'event' ? record.observedSince : undefined;
  return observed && observed.ms < end ? { ms: observed.ms, source: observed.source } : { ms: end };
}

/** `failed`, `timed out`, `was skipped`, ...: how a step that did not pass ended, for reasons. */
export function describe(record: StepRecord | undefined): string {
  return describeStatus(record?.status);
}

/**
 * Walk back from the last step, always through the dependency that finished last (it gated the
 * start); a milestone measured from a step stops there (the path starts after it).
 */
export function criticalPath(last: StepRecord, records: Map<string, StepRecord>, stopAt?: string): string[] {
  const path: string[] = [];
  let current: StepRecord | undefined = last;
  while (current && current.step.id !== stopAt) {
    path.push(current.step.id);
    const deps: StepRecord[] = current.step.dependsOn.map((id) => records.get(id)).filter((record): record is StepRecord => record?.endMs !== undefined);
    current = deps.length === 0 ? undefined : deps.reduce((latest, record) => ((record.endMs ?? 0) > (latest.endMs ?? 0) ? record : latest));
  }
  return path.reverse();
}

/** Achieved RTO per milestone, its verdict, and the chain of steps that made up its time. */
import type { PlannedMilestone } from '../drill/plan.ts';
import { isDone, type StepRecord } from '../engine/run.ts';
import type { MilestoneResult } from '../result/model.ts';

export function measureMilestones(milestones: PlannedMilestone[], records: Map<string, StepRecord>): MilestoneResult[] {
  return milestones.map((milestone) => {
    const steps = milestone.after.map((id) => records.get(id)).filter((record): record is StepRecord => record !== undefined);
    const reached = steps.length === milestone.after.length && steps.every((record) => isDone(record.status));
    const result: MilestoneResult = { name: milestone.name, after: milestone.after, reached, verdict: 'no-objective', criticalPath: [] };
    if (milestone.description) result.description = milestone.description;
    if (milestone.objectiveMs !== undefined) result.objectiveMs = milestone.objectiveMs;
    if (reached) {
      const last = steps.reduce((latest, record) => ((record.endMs ?? 0) > (latest.endMs ?? 0) ? record : latest));
      result.rtoMs = last.endMs ?? 0;
      result.criticalPath = criticalPath(last, records);
      if (milestone.objectiveMs !== undefined) result.verdict = result.rtoMs <= milestone.objectiveMs ? 'met' : 'missed';
    } else if (milestone.objectiveMs !== undefined) {
      result.verdict = 'not-reached';
    }
    return result;
  });
}

/** Walk back from the last step, always through the dependency that finished last (it gated the start). */
export function criticalPath(last: StepRecord, records: Map<string, StepRecord>): string[] {
  const path: string[] = [];
  let current: StepRecord | undefined = last;
  while (current) {
    path.push(current.step.id);
    const deps: StepRecord[] = current.step.dependsOn.map((id) => records.get(id)).filter((record): record is StepRecord => record?.endMs !== undefined);
    current = deps.length === 0 ? undefined : deps.reduce((latest, record) => ((record.endMs ?? 0) > (latest.endMs ?? 0) ? record : latest));
  }
  return path.reverse();
}

/**
 * Achieved RPO per data class, judged so that it can only err on the safe side: the oldest of
 * the newest-data samples is the class's RPO; only samples of restores that passed count (data
 * that did not come back is not restored, whatever backup it was to come from); a class one of
 * whose restores did not pass is "not restored" and not met; a class with an objective but no
 * sample was not measured, which is a miss: a drill cannot claim an objective it did not measure.
 */
import type { PlannedStep } from '../drill/plan.ts';
import type { RecordedRpoSample, StepRecord } from '../engine/run.ts';
import type { RpoResult, RpoSample } from '../result/model.ts';
import { describe } from './milestones.ts';

export function measureRpo(
  objectives: { dataClass: string; objectiveMs: number }[],
  samples: RecordedRpoSample[],
  records: Map<string, StepRecord>,
  target: string,
): RpoResult[] {
  const classes = new Map<string, RpoResult>();
  const entryFor = (dataClass: string) => {
    const entry = classes.get(dataClass) ?? { dataClass, verdict: 'no-objective' as const, samples: [] };
    classes.set(dataClass, entry);
    return entry;
  };
  for (const objective of objectives) {
    classes.set(objective.dataClass, { dataClass: objective.dataClass, objectiveMs: objective.objectiveMs, verdict: 'not-reached', samples: [] });
  }
  for (const sample of samples) {
    if (records.get(sample.stepId)?.status !== 'passed') continue;
    const recorded: RpoSample = { stepId: sample.stepId, source: sample.source, dataTime: sample.dataTime, ageMs: sample.ageMs };
    if (sample.detail) recorded.detail = sample.detail;
    entryFor(sample.dataClass ?? 'unclassified').samples.push(recorded);
  }
  const stepsByClass = new Map<string, PlannedStep[]>();
  for (const { step } of records.values()) {
    if (step.rpoClass) stepsByClass.set(step.rpoClass, [...(stepsByClass.get(step.rpoClass) ?? []), step]);
  }
  for (const entry of classes.values()) {
    const steps = stepsByClass.get(entry.dataClass) ?? [];
    const notRestored = steps.filter((step) => !['passed', 'not-applicable'].includes(records.get(step.id)!.status)).map((step) => step.id);
    const notApplicable = steps.filter((step) => records.get(step.id)!.status === 'not-applicable').map((step) => step.id);
    const failing = entry.objectiveMs === undefined ? 'no-objective' : undefined;
    if (notRestored.length > 0) {
      entry.notRestored = notRestored;
      entry.reason = `not restored: ${notRestored.map((id) => `${id} ${describe(records.get(id))}`).join(', ')}`;
      entry.verdict = failing ?? 'not-reached';
    } else if (entry.samples.length === 0) {
      const allNotApplicable = steps.length > 0 && notApplicable.length === steps.length;
      entry.reason = allNotApplicable ? `not measured on target ${target}: ${notApplicable.join(', ')} not applicable` : 'not measured (no step recorded a sample)';
      entry.verdict = failing ?? (allNotApplicable ? 'not-measured' : 'not-reached');
    } else {
      entry.achievedMs = Math.max(...entry.samples.map((sample) => sample.ageMs));
      entry.verdict = failing ?? (entry.achievedMs <= entry.objectiveMs! ? 'met' : 'missed');
    }
  }
  return [...classes.values()];
}

/**
 * Achieved RPO per data class. Judged conservatively: the oldest of the newest-data samples is
 * the class's RPO. A class with an objective but no sample was not measured, which is a miss:
 * a drill cannot claim an objective it did not measure.
 */
import type { RecordedRpoSample } from '../engine/run.ts';
import type { RpoResult, RpoSample } from '../result/model.ts';

export function measureRpo(objectives: { dataClass: string; objectiveMs: number }[], samples: RecordedRpoSample[]): RpoResult[] {
  const classes = new Map<string, RpoResult>();
  for (const objective of objectives) {
    classes.set(objective.dataClass, { dataClass: objective.dataClass, objectiveMs: objective.objectiveMs, verdict: 'not-reached', samples: [] });
  }
  for (const sample of samples) {
    const dataClass = sample.dataClass ?? 'unclassified';
    const entry = classes.get(dataClass) ?? { dataClass, verdict: 'no-objective' as const, samples: [] };
    classes.set(dataClass, entry);
    const recorded: RpoSample = { stepId: sample.stepId, source: sample.source, dataTime: sample.dataTime, ageMs: sample.ageMs };
    if (sample.detail) recorded.detail = sample.detail;
    entry.samples.push(recorded);
  }
  for (const entry of classes.values()) {
    if (entry.samples.length === 0) continue;
    entry.achievedMs = Math.max(...entry.samples.map((sample) => sample.ageMs));
    entry.verdict = entry.objectiveMs === undefined ? 'no-objective' : entry.achievedMs <= entry.objectiveMs ? 'met' : 'missed';
  }
  return [...classes.values()];
}

/**
 * How every report words an RTO or RPO figure, so that summary, console, JUnit, trend, CI
 * annotations and chat say the same thing: the exact figure, or why there is none.
 */
import type { MilestoneResult, RpoResult, Verdict } from '../result/model.ts';
import { countedFrom } from '../result/counted-from.ts';
import { formatDuration } from '../util/duration.ts';

/**
 * ` from bad-revision-fetched (GitRepository flux-system/flux-system Ready lastTransitionTime)` after the
 * RTO figure of a milestone measured from a step instead of T0 (milestone `from:`), naming the
 * object's own instant when the figure counts from it; empty otherwise or without a figure.
 */
export function measuredFrom(milestone: Pick<MilestoneResult, 'from' | 'fromSource' | 'rtoMs'>): string {
  return milestone.from === undefined || milestone.rtoMs === undefined ? '' : countedFrom(milestone.from, milestone.fromSource);
}


/** `1h 07m 12s`, `not reached`, `not measured on this target` (every report adds measuredFrom after a figure). */
export function achievedRto(milestone: MilestoneResult): string {
  if (milestone.rtoMs !== undefined) return formatDuration(milestone.rtoMs);
  return milestone.notPassed?.length || !milestone.notApplicable?.length ? 'not reached' : 'not measured on this target';
}

/** `5h 11m 00s`, `not restored`, `not measured`, `not measured on this target`. */
export function achievedRpo(rpo: RpoResult): string {
  if (rpo.achievedMs !== undefined) return formatDuration(rpo.achievedMs);
  if (rpo.notRestored?.length) return 'not restored';
  return rpo.verdict === 'not-measured' ? 'not measured on this target' : 'not measured';
}

export const VERDICT_WORDS: Record<Verdict, string> = { met: 'met', missed: 'missed', 'not-reached': 'not reached', 'not-measured': 'not measured', 'no-objective': 'no objective' };

/** The console's lines after a run: `  RTO control-plane: 18m 09s (objective 4h 00m 00s: met)`, `  RTO recovered: 4m 10s from bad-revision-applied (...)`. */
export function summaryLines(result: { milestones: MilestoneResult[]; rpo: RpoResult[] }): string[] {
  const objective = (ms: number | undefined, verdict: Verdict) => (ms === undefined ? '' : ` (objective ${formatDuration(ms)}: ${verdict})`);
  const why = (reason: string | undefined) => (reason ? `; ${reason}` : '');
  return [
    ...result.milestones.map((milestone) => `  RTO ${milestone.name}: ${achievedRto(milestone)}${measuredFrom(milestone)}${objective(milestone.objectiveMs, milestone.verdict)}${milestone.rtoMs === undefined ? why(milestone.reason) : ''}`),
    ...result.rpo.map((rpo) => `  RPO ${rpo.dataClass}: ${achievedRpo(rpo)}${objective(rpo.objectiveMs, rpo.verdict)}${rpo.achievedMs === undefined ? why(rpo.reason) : ''}`),
  ];
}

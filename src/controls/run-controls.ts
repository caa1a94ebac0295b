/**
 * Negative controls: after the drill passed, each control re-runs it with its faults injected and
 * counts as detected only when that run turned red the way the control says. A drill whose
 * checks cannot fail proves nothing; this is how a drill proves its checks can.
 */
import path from 'node:path';
import type { ControlResult, DrillResult } from '../result/model.ts';
import type { PlannedControl } from '../drill/plan.ts';
import type { FaultName } from '../drill/faults.ts';
import { objectiveFailed } from '../result/model.ts';
import { EXIT } from '../result/exit-codes.ts';
import { errorMessage } from '../util/errors.ts';

export interface ControlRun {
  result: DrillResult;
  reportDir: string;
}

/** Runs one faulted copy of the drill and returns its result; supplied by run-drill. */
export type RunFaulted = (control: PlannedControl, faults: Map<string, FaultName>, runId: string, outDir: string) => Promise<ControlRun>;

/** What a person watching the run is told: a control's faulted re-run started, or how it ended. */
export type ControlProgress = { kind: 'started'; name: string; index: number; total: number; faults: Record<string, FaultName> } | { kind: 'finished'; result: ControlResult; durationMs: number };

export async function runControls(main: DrillResult, controls: readonly PlannedControl[], options: { outDir: string; signal?: AbortSignal; runFaulted: RunFaulted; onProgress?: (progress: ControlProgress) => void; now?: () => number }): Promise<ControlResult[]> {
  const results: ControlResult[] = [];
  const now = options.now ?? (() => performance.now());
  for (const [index, control] of controls.entries()) {
    const base = { name: control.name, ...(control.description ? { description: control.description } : {}), faults: { ...control.faults }, failedSteps: [] as string[] };
    if (control.notApplicable) {
      results.push({ ...base, status: 'not-applicable', reason: `not applicable on ${main.run.target}: ${control.notApplicable}` });
      continue;
    }
    if (main.status !== 'passed') {
      results.push({ ...base, status: 'not-run', reason: `the drill itself did not pass (${main.status}), so a red faulted run would prove nothing` });
      continue;
    }
    if (options.signal?.aborted) {
      results.push({ ...base, status: 'not-run', reason: 'not run: the drill was cancelled' });
      continue;
    }
    const runId = `${main.run.id}-c${index + 1}`.slice(0, 40);
    const reportDir = path.join(options.outDir, 'controls', control.name);
    let result: DrillResult;
    const startedAt = now();
    const finish = (judged: ControlResult) => {
      results.push(judged);
      options.onProgress?.({ kind: 'finished', result: judged, durationMs: now() - startedAt });
    };
    options.onProgress?.({ kind: 'started', name: control.name, index: index + 1, total: controls.length, faults: { ...control.faults } });
    try {
      ({ result } = await options.runFaulted(control, new Map(Object.entries(control.faults)), runId, reportDir));
    } catch (error) {
      // Refused before T0 (the fault could not be planted): nothing proved the checks can fail.
      finish({ ...base, runId, status: 'not-detected', reason: `the faulted run did not start: ${errorMessage(error)}` });
      continue;
    }
    finish({ ...base, runId, reportDir: path.relative(options.outDir, reportDir).split(path.sep).join('/'), ...judge(control, result) });
  }
  return results;
}

/** What of the faulted run caught the fault: failed steps, and the objectives (rto:, rpo:) it did not meet. */
function judge(control: PlannedControl, result: DrillResult): Pick<ControlResult, 'status' | 'reason' | 'failedSteps'> {
  const failedSteps = result.steps.filter((step) => step.status === 'failed' || step.status === 'timed-out').map((step) => step.id);
  const caught = new Set([
    ...failedSteps,
    ...result.milestones.filter((milestone) => objectiveFailed(milestone.verdict)).map((milestone) => `rto:${milestone.name}`),
    ...result.rpo.filter((rpo) => objectiveFailed(rpo.verdict)).map((rpo) => `rpo:${rpo.dataClass}`),
  ]);
  const unplanted = result.steps.find((step) => step.error?.code === 'EPLANT');
  if (unplanted) return { status: 'not-detected', reason: `the fault was never in place: ${unplanted.error!.message}`, failedSteps };
  if (result.status !== 'failed') {
    return { status: 'not-detected', reason: `the faulted run ended ${result.status}: ${result.reason}`, failedSteps };
  }
  const missing = (control.detectedBy ?? []).filter((detector) => !caught.has(detector));
  if (missing.length > 0) {
    return { status: 'not-detected', reason: `the faulted run failed, but not in ${missing.join(', ')} (failed: ${[...caught].join(', ') || 'no step'}; ${result.reason})`, failedSteps };
  }
  return { status: 'detected', reason: `turned red as expected: ${result.reason}`, failedSteps };
}

/** The drill's verdict with its controls: a control that ran and was not detected, or could not run, fails a drill that passed. */
export function withControls(result: DrillResult, controls: ControlResult[]): DrillResult {
  const undetected = controls.filter((control) => control.status !== 'detected' && control.status !== 'not-applicable');
  const updated: DrillResult = { ...result, controls };
  if (result.status === 'passed' && undetected.length > 0) {
    updated.status = 'failed';
    updated.exitCode = EXIT.stepFailed;
    updated.reason = `negative control${undetected.length > 1 ? 's' : ''} ${undetected.map((control) => `${control.name} ${control.status}`).join(', ')}: the drill's checks did not prove they can fail`;
  }
  return updated;
}

/**
 * Negative controls: after the drill passed, each control re-runs it with its faults injected and
 * counts as detected only when that run turned red the way the control says. A drill whose
 * checks cannot fail proves nothing; this is how a drill proves its checks can.
 */
import path from 'node:path';
import type { ControlResult, DrillResult } from '../result/model.ts';
import type { ControlSpec } from '../drill/schema.ts';
import type { Fault } from '../targets/sim/world.ts';
import { EXIT } from '../result/exit-codes.ts';

export interface ControlRun {
  result: DrillResult;
  reportDir: string;
}

/** Runs one faulted copy of the drill and returns its result; supplied by run-drill. */
export type RunFaulted = (control: ControlSpec, faults: Map<string, Fault>, runId: string, outDir: string) => Promise<ControlRun>;

export async function runControls(main: DrillResult, controls: readonly ControlSpec[], options: { outDir: string; signal?: AbortSignal; runFaulted: RunFaulted }): Promise<ControlResult[]> {
  const results: ControlResult[] = [];
  for (const [index, control] of controls.entries()) {
    const base = { name: control.name, ...(control.description ? { description: control.description } : {}), faults: { ...control.faults }, failedSteps: [] as string[] };
    if (main.run.target !== 'sim') {
      results.push({ ...base, status: 'not-run', reason: `controls inject their faults on the sim target; this run was on ${main.run.target} (run the controls with --target sim)` });
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
    const { result } = await options.runFaulted(control, new Map(Object.entries(control.faults) as [string, Fault][]), runId, reportDir);
    results.push({ ...base, runId, reportDir: path.relative(options.outDir, reportDir).split(path.sep).join('/'), ...judge(control, result) });
  }
  return results;
}

function judge(control: ControlSpec, result: DrillResult): Pick<ControlResult, 'status' | 'reason' | 'failedSteps'> {
  const failedSteps = result.steps.filter((step) => step.status === 'failed' || step.status === 'timed-out').map((step) => step.id);
  if (result.status !== 'failed') {
    return { status: 'not-detected', reason: `the faulted run ended ${result.status}: ${result.reason}`, failedSteps };
  }
  const missing = (control.detectedBy ?? []).filter((stepId) => !failedSteps.includes(stepId));
  if (missing.length > 0) {
    return { status: 'not-detected', reason: `the faulted run failed, but not in ${missing.join(', ')} (failed: ${failedSteps.join(', ') || 'no step'}; ${result.reason})`, failedSteps };
  }
  return { status: 'detected', reason: `turned red as expected: ${result.reason}`, failedSteps };
}

/** The drill's verdict with its controls: a control that was not detected fails a drill that passed. */
export function withControls(result: DrillResult, controls: ControlResult[]): DrillResult {
  const undetected = controls.filter((control) => control.status !== 'detected');
  const updated: DrillResult = { ...result, controls };
  if (result.status === 'passed' && undetected.length > 0) {
    updated.status = 'failed';
    updated.exitCode = EXIT.stepFailed;
    updated.reason = `negative control${undetected.length > 1 ? 's' : ''} ${undetected.map((control) => `${control.name} ${control.status}`).join(', ')}: the drill's checks did not prove they can fail`;
  }
  return updated;
}

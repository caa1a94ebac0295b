/**
 * Runs a plan: the main steps as a DAG (scheduler.ts), each step's attempts with timeouts,
 * retries and cancellation (attempts.ts), then the `finally` steps, which run whatever happened
 * before them, a crash of the engine or of a listener included. Knows nothing about Terraform or
 * Kubernetes: step kinds do.
 */
import { DrillError, errorMessage } from '../util/errors.ts';
import type { StepError } from '../result/model.ts';
import type { Scope } from '../drill/expressions.ts';
import type { DrillEvent } from './events.ts';
import { runStep, toStepError } from './attempts.ts';
import { runMainSteps } from './scheduler.ts';
import { describeReason, markNotApplicable, skip, type EngineOptions, type EngineOutcome, type RunContext, type StepRecord } from './run-context.ts';
import { expandVariables } from './variables.ts';

export type { EngineOptions, EngineOutcome, RecordedRpoSample, StepRecord } from './run-context.ts';
export { isDone } from './run-context.ts';
export { toStepError } from './attempts.ts';

export async function runEngine(options: EngineOptions): Promise<EngineOutcome> {
  const { plan, clock, masker } = options;
  const t0Mono = clock.monotonic();
  const t0 = options.t0 ?? clock.now();
  const since = () => clock.monotonic() - t0Mono;
  const errors: StepError[] = [];
  const emit = guardedEmitter(options, errors);
  const records = new Map<string, StepRecord>();
  for (const step of [...plan.steps, ...plan.finallySteps]) records.set(step.id, { step, status: 'not-run', attempts: [], outputs: {} });
  const scope: Scope = {
    env: options.env,
    vars: {},
    steps: {},
    run: { id: options.runId, dir: options.workDir },
    drill: { dir: plan.drillDir, name: plan.drill.name },
    target: { ...options.session.facts, kind: plan.target },
  };
  const variables = expandVariables(plan.variables, scope);
  scope.vars = variables.values;
  const context: RunContext = { options, scope, records, rpoSamples: [], since, emit: announceMilestones(emit, plan.milestones, records), t0, variableErrors: variables.errors, errors };
  emit({ kind: 'drill.started', atMs: 0, drill: plan.drill.name, target: plan.target, runId: options.runId, t0: new Date(t0).toISOString(), steps: records.size });

  let cancelReason: string | undefined;
  const onCancel = () => {
    cancelReason = describeReason(options.cancelSignal.reason);
    emit({ kind: 'drill.cancelling', atMs: since(), reason: cancelReason });
  };
  if (options.cancelSignal.aborted) onCancel();
  else options.cancelSignal.addEventListener('abort', onCancel, { once: true });

  // A crash stops the main steps the way a cancellation does, then teardown runs all the same.
  const crash = new AbortController();
  const mainSignal = AbortSignal.any([options.cancelSignal, crash.signal]);
  const running = new Map<string, Promise<void>>();
  try {
    await runMainSteps(context, mainSignal, running);
  } catch (error) {
    errors.push(crashError(error, masker));
    crash.abort(new DrillError('EINTERNAL', `dr-drill crashed: ${errorMessage(error)}`));
    await Promise.allSettled(running.values());
    for (const record of records.values()) {
      if (!record.step.finally && record.status === 'not-run' && record.startMs === undefined) record.reason = `not run: dr-drill crashed before it (${masker.mask(errorMessage(error))})`;
    }
  }
  await runFinallySteps(context);
  options.cancelSignal.removeEventListener('abort', onCancel);
  return { t0, endMs: since(), records, rpoSamples: context.rpoSamples, cancelled: cancelReason !== undefined, cancelReason, errors };
}

/**
 * Finally steps: always, one after another, each with its own timeout. A cancellation that arrives
 * now is recorded (the job was cancelled) but lets teardown finish; only forceSignal stops it.
 */
async function runFinallySteps(context: RunContext): Promise<void> {
  const { options, records, emit, since } = context;
  const steps = options.plan.finallySteps;
  if (steps.length === 0) return;
  emit({ kind: 'finally.started', atMs: since(), steps: steps.length });
  const finallySignal = options.forceSignal ?? new AbortController().signal;
  for (const step of steps) {
    const record = records.get(step.id)!;
    try {
      if (step.notApplicable) markNotApplicable(context, record);
      else if (finallySignal.aborted) skip(context, record, 'not-run', `not run: teardown was forcibly cancelled (${describeReason(finallySignal.reason)})`);
      else await runStep(context, record, finallySignal);
    } catch (error) {
      // One teardown step's crash must not keep the others from running.
      context.errors.push(crashError(error, options.masker));
      record.status = 'failed';
      record.error = { code: 'EINTERNAL', message: options.masker.mask(`dr-drill crashed while running this teardown step: ${errorMessage(error)}`) };
      record.endMs = since();
    }
  }
}

/** After a step passes, every milestone whose steps have now all passed is announced (the result measures it the same way). */
function announceMilestones(emit: (event: DrillEvent) => void, milestones: EngineOptions['plan']['milestones'], records: Map<string, StepRecord>): (event: DrillEvent) => void {
  const reached = new Set<string>();
  return (event) => {
    emit(event);
    if (event.kind !== 'step.finished' || event.status !== 'passed') return;
    for (const milestone of milestones) {
      if (reached.has(milestone.name) || !milestone.after.every((stepId) => records.get(stepId)?.status === 'passed')) continue;
      reached.add(milestone.name);
      emit({ kind: 'milestone.reached', atMs: event.atMs, name: milestone.name });
    }
  };
}

/** Events go to the listener masked; a listener that throws is reported once and never stops the run. */
function guardedEmitter(options: EngineOptions, errors: StepError[]): (event: DrillEvent) => void {
  let reported = false;
  return (event) => {
    try {
      options.onEvent(options.masker.maskDeep(event));
    } catch (error) {
      if (reported) return;
      reported = true;
      errors.push({ code: 'EINTERNAL', message: options.masker.mask(`a progress listener failed on ${event.kind}: ${errorMessage(error)}`) });
    }
  };
}

function crashError(error: unknown, masker: EngineOptions['masker']): StepError {
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return toStepError(error instanceof DrillError ? error : new DrillError('EINTERNAL', `dr-drill crashed: ${errorMessage(error)}`, { details: `please report this with the step logs${stack}` }), masker);
}

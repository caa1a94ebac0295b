/**
 * Runs one step: each attempt with its own timeout, retries with backoff, cancellation. A stopped
 * attempt (timeout, cancellation) gets a moment to settle, so its own account of what it was
 * waiting for becomes the reason and none of its work goes on behind the next step's back.
 */
import { DrillError, errorMessage } from '../util/errors.ts';
import type { Masker } from '../util/mask.ts';
import { formatDuration } from '../util/duration.ts';
import type { AttemptResult, StepError, StepStatus } from '../result/model.ts';
import { CLUSTER_ACCESS, OBSERVED_SINCE, type StepProduct } from '../contract/step.ts';
import type { Clock } from './clock.ts';
import type { DrillEvent } from './events.ts';
import { retryDelay } from './retry.ts';
import { describeReason, type RunContext, type StepRecord } from './run-context.ts';
import { createStepContext, resolveInputs } from './step-context.ts';

class StepTimeoutError extends DrillError {
  constructor(timeoutMs: number) {
    super('ESTEPTIMEOUT', `timed out after ${formatDuration(timeoutMs)}`, {
      details: 'raise the step\'s timeout if the work legitimately takes longer, or find out why it hangs from the step log',
    });
  }
}

const NOT_RETRYABLE = new Set(['EINPUT', 'EUNKNOWNREF', 'EPRODTARGET', 'EPREFLIGHT', 'EUSAGE', 'EPLANT']);

/** How long (drill time) a stopped step may take to settle with its own account of what it was waiting for. */
const STOPPED_STEP_GRACE_MS = 2000;

export async function runStep(context: RunContext, record: StepRecord, outerSignal: AbortSignal): Promise<void> {
  const { options, since, emit } = context;
  const { step } = record;
  record.startMs = since();
  const maxAttempts = step.retries + 1;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const attemptStart = since();
    emit({ kind: 'step.started', atMs: attemptStart, stepId: step.id, name: step.name, phase: step.phase, attempt, finally: step.finally, ...(step.standIn ? { standIn: step.standIn } : {}) });
    // A control's fault goes in before the first attempt, outside its timer: a fault that is not in place ends the step here.
    const unplanted = attempt === 1 ? await plantFault(context, record, outerSignal) : undefined;
    const { status, error } = unplanted ?? (await runAttempt(context, record, attempt, outerSignal));
    const attemptResult: AttemptResult = { attempt, startMs: attemptStart, durationMs: since() - attemptStart, status };
    if (error) attemptResult.error = error;
    record.attempts.push(attemptResult);
    record.status = status;
    if (error) record.error = error;
    else delete record.error;

    const retryable = (status === 'failed' || status === 'timed-out') && !NOT_RETRYABLE.has(error?.code ?? '') && attempt < maxAttempts;
    if (!retryable) break;
    const delayMs = retryDelay(step.retryDelayMs, attempt);
    emit({ kind: 'step.retrying', atMs: since(), stepId: step.id, attempt, delayMs, error: error! });
    try {
      await options.clock.sleep(delayMs, outerSignal);
    } catch {
      record.status = 'cancelled';
      record.error = { code: 'ECANCELLED', message: `cancelled while waiting to retry: ${describeReason(outerSignal.reason)}` };
      break;
    }
  }
  record.endMs = since();
  const finished: DrillEvent = { kind: 'step.finished', atMs: record.endMs, stepId: step.id, status: record.status, durationMs: record.endMs - record.startMs, finally: step.finally };
  if (record.error) finished.error = record.error;
  emit(finished);
}

async function runAttempt(context: RunContext, record: StepRecord, attempt: number, outerSignal: AbortSignal): Promise<{ status: StepStatus; error?: StepError }> {
  const { options } = context;
  const { step } = record;
  const { controller, dispose } = boundedBy(outerSignal, options.clock, step.timeoutMs, () => new StepTimeoutError(step.timeoutMs));

  let work: Promise<StepProduct | void> | undefined;
  try {
    const kind = options.registry.get(step.kind);
    if (!kind) throw new DrillError('EUNKNOWNKIND', `unknown step kind "${step.kind}"`);
    const inputs = resolveInputs(context, step, kind.inputs);
    const attemptContext = createStepContext(context, record, attempt, controller.signal);
    work = kind.run(attemptContext.stepContext, inputs);
    // A step abandoned at its timeout may still reject later; that is expected, never a crash.
    work.catch(() => undefined);
    const outputs = await abortable(work, controller.signal);
    const access = outputs?.[CLUSTER_ACCESS];
    if (access !== undefined) options.session.useClusterAccess(access);
    const observed = outputs?.[OBSERVED_SINCE];
    // An epoch instant becomes run time by its age now: the run's clock (virtual on sim) is the one both readings share.
    if (observed) record.observedSince = { ms: context.since() - (options.clock.now() - observed.at), source: observed.source };
    else delete record.observedSince;
    record.outputs = Object.fromEntries(Object.entries(outputs ?? {}));
    context.scope.steps[step.id] = { outputs: record.outputs };
    attemptContext.commitRpoSamples();
    return { status: 'passed' };
  } catch (caught) {
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    const late = reason !== undefined && caught === reason && work ? await settledError(work, STOPPED_STEP_GRACE_MS, options.clock) : caught;
    if (reason instanceof StepTimeoutError) return { status: 'timed-out', error: withLastError(toStepError(reason, options.masker), reason, late, options.masker) };
    if (outerSignal.aborted) return { status: 'cancelled', error: { code: 'ECANCELLED', message: `cancelled: ${describeReason(outerSignal.reason)}` } };
    return { status: 'failed', error: toStepError(caught, options.masker) };
  } finally {
    dispose();
  }
}

/**
 * Plants a negative control's fault before the step's first attempt (only targets with plantBefore
 * do), under the run's cancellation and bounded by the step's timeout, but outside the attempt:
 * whatever keeps the fault from being in place (an error, the bound, a cancellation) ends the step
 * as EPLANT or cancelled, never as a timeout a control could count as its detection.
 */
async function plantFault(context: RunContext, record: StepRecord, outerSignal: AbortSignal): Promise<{ status: StepStatus; error: StepError } | undefined> {
  const { options } = context;
  const { step } = record;
  const plant = options.session.plantBefore;
  const kind = options.registry.get(step.kind);
  if (!plant || !kind) return undefined;
  let inputs: unknown;
  try {
    inputs = resolveInputs(context, step, kind.inputs);
  } catch {
    return undefined; // the attempt reports the inputs
  }
  const { controller, dispose } = boundedBy(outerSignal, options.clock, step.timeoutMs, () => new Error(`planting did not finish within the step's timeout of ${formatDuration(step.timeoutMs)}`));
  const { log } = createStepContext(context, record, 1, controller.signal).stepContext;
  try {
    await abortable(plant({ id: step.id, kind: step.kind, inputs }, (line) => log.info(`fault: ${line}`), controller.signal), controller.signal);
    return undefined;
  } catch (error) {
    if (outerSignal.aborted) return { status: 'cancelled', error: { code: 'ECANCELLED', message: `cancelled while its control's fault was being planted: ${describeReason(outerSignal.reason)}` } };
    const why = controller.signal.aborted ? errorMessage(controller.signal.reason) : errorMessage(error);
    return { status: 'failed', error: toStepError(new DrillError('EPLANT', `the control's fault could not be planted before ${step.id}: ${why}`, { details: "the faulted run proves nothing about the drill's checks; fix the target (see the step log) and run the controls again" }), options.masker) };
  } finally {
    dispose();
  }
}

/** A controller aborted by the run's cancellation, or with `reason()` once `timeoutMs` of drill time passed; dispose() when done. */
function boundedBy(outerSignal: AbortSignal, clock: Clock, timeoutMs: number, reason: () => unknown): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const abortFromOuter = () => controller.abort(outerSignal.reason);
  if (outerSignal.aborted) abortFromOuter();
  else outerSignal.addEventListener('abort', abortFromOuter, { once: true });
  const timer = new AbortController();
  clock
    .sleep(timeoutMs, timer.signal)
    .then(() => controller.abort(reason()))
    .catch(() => undefined);
  return {
    controller,
    dispose() {
      timer.abort();
      outerSignal.removeEventListener('abort', abortFromOuter);
    },
  };
}

/** What the step knew when it was stopped ("Kustomizations not Ready: apps ...") is the reason a person needs. */
function withLastError(error: StepError, reason: unknown, late: unknown, masker: Masker): StepError {
  // An AbortError only repeats that the step was stopped; it says nothing about why.
  const cause = late === undefined || late === reason || (late as Error)?.name === 'AbortError' ? undefined : errorMessage(late);
  if (!cause || cause === errorMessage(reason)) return error;
  const masked = masker.mask(cause);
  return { ...error, message: `${error.message}: ${masked.split('\n')[0]}`, details: `${error.details ?? ''}\nlast error: ${masked}`.trim() };
}

/** The error `work` rejects with within `ms` of drill time, or undefined. */
async function settledError(work: Promise<unknown>, ms: number, clock: Clock): Promise<unknown> {
  const stop = new AbortController();
  const outcome = await Promise.race([
    work.then(
      () => undefined,
      (error: unknown) => error,
    ),
    clock.sleep(ms, stop.signal).then(
      () => undefined,
      () => undefined,
    ),
  ]);
  stop.abort();
  return outcome;
}

/** Settles when the work settles or the signal aborts, whichever is first. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function toStepError(error: unknown, masker: Masker): StepError {
  if (error instanceof DrillError) {
    const result: StepError = { code: error.code, message: masker.mask(error.message) };
    if (error.details) result.details = masker.mask(error.details);
    return result;
  }
  return { code: 'ESTEPFAILED', message: masker.mask(errorMessage(error)) };
}

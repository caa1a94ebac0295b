/**
 * Runs a plan: steps as a DAG (a step starts when the steps it depends on have passed), each
 * attempt with its own timeout, retries with backoff, cancellation through an AbortSignal, and
 * `finally` steps that always run. Knows nothing about Terraform or Kubernetes: step kinds do.
 */
import type { Plan, PlannedStep, StepRegistry } from '../drill/plan.ts';
import { expand, UnresolvedReferenceError, type Scope } from '../drill/expressions.ts';
import { DrillError, errorMessage } from '../util/errors.ts';
import type { Masker } from '../util/mask.ts';
import { formatDuration } from '../util/duration.ts';
import type { AttemptResult, StepError, StepStatus } from '../result/model.ts';
import type { Logger, RpoSampleInput, StepContext, StepOutputs } from '../steps/types.ts';
import type { TargetSession } from '../targets/types.ts';
import type { Clock } from './clock.ts';
import type { DrillEvent, LogLevel } from './events.ts';
import { retryDelay } from './retry.ts';
import { loggingShell } from './logging-shell.ts';

export interface EngineOptions {
  plan: Plan;
  registry: StepRegistry;
  session: TargetSession;
  clock: Clock;
  runId: string;
  workDir: string;
  env: Record<string, string | undefined>;
  masker: Masker;
  /** T0, when the caller declared the disaster (defaults to now). */
  t0?: number;
  /** Aborts the main steps; `finally` steps still run. */
  cancelSignal: AbortSignal;
  /** Aborts `finally` steps too (a second signal from the user or CI). */
  forceSignal?: AbortSignal;
  onEvent: (event: DrillEvent) => void;
  /** Every masked log line of a step, for its log file. */
  onLogLine?: (stepId: string, line: string) => void;
}

export interface StepRecord {
  step: PlannedStep;
  status: StepStatus;
  reason?: string;
  startMs?: number;
  endMs?: number;
  attempts: AttemptResult[];
  error?: StepError;
  outputs: StepOutputs;
  /** What the step logged as warnings (masked), for the reports; the first few only. */
  warnings?: string[];
}

const MAX_WARNINGS = 20;

export interface RecordedRpoSample {
  stepId: string;
  dataClass: string | undefined;
  source: string;
  dataTime: string;
  ageMs: number;
  detail?: string;
}

export interface EngineOutcome {
  /** T0 in epoch milliseconds of drill time. */
  t0: number;
  endMs: number;
  records: Map<string, StepRecord>;
  rpoSamples: RecordedRpoSample[];
  cancelled: boolean;
  cancelReason: string | undefined;
}

class StepTimeoutError extends DrillError {
  constructor(timeoutMs: number) {
    super('ESTEPTIMEOUT', `timed out after ${formatDuration(timeoutMs)}`, {
      details: 'raise the step\'s timeout if the work legitimately takes longer, or find out why it hangs from the step log',
    });
  }
}

const NOT_RETRYABLE = new Set(['EINPUT', 'EUNKNOWNREF', 'EPRODTARGET', 'EPREFLIGHT', 'EUSAGE']);

export async function runEngine(options: EngineOptions): Promise<EngineOutcome> {
  const { plan, clock, masker } = options;
  const t0Mono = clock.monotonic();
  const t0 = options.t0 ?? clock.now();
  const since = () => clock.monotonic() - t0Mono;
  const emit = (event: DrillEvent) => options.onEvent(masker.maskDeep(event));
  const records = new Map<string, StepRecord>();
  const rpoSamples: RecordedRpoSample[] = [];
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

  for (const step of [...plan.steps, ...plan.finallySteps]) records.set(step.id, { step, status: 'not-run', attempts: [], outputs: {} });
  emit({ kind: 'drill.started', atMs: 0, drill: plan.drill.name, target: plan.target, runId: options.runId, t0: new Date(t0).toISOString(), steps: records.size });

  let cancelReason: string | undefined;
  const onCancel = () => {
    cancelReason = describeReason(options.cancelSignal.reason);
    emit({ kind: 'drill.cancelling', atMs: since(), reason: cancelReason });
  };
  if (options.cancelSignal.aborted) onCancel();
  else options.cancelSignal.addEventListener('abort', onCancel, { once: true });

  const context = { options, scope, records, rpoSamples, since, emit, t0, variableErrors: variables.errors };

  // Main DAG.
  const running = new Map<string, Promise<void>>();
  const remaining = new Set(plan.steps.map((step) => step.id));
  while (remaining.size > 0 || running.size > 0) {
    for (const id of [...remaining]) {
      const record = records.get(id)!;
      if (options.cancelSignal.aborted) {
        remaining.delete(id);
        skip(context, record, 'not-run', `not run: the drill was cancelled (${cancelReason ?? 'cancelled'})`);
        continue;
      }
      const blocking = record.step.dependsOn.map((dep) => records.get(dep)!).find((dep) => !isDone(dep.status) && !running.has(dep.step.id) && !remaining.has(dep.step.id));
      if (blocking) {
        remaining.delete(id);
        skip(context, record, 'skipped', `skipped: step "${blocking.step.id}" ${describeStatus(blocking.status)}`);
        continue;
      }
      if (record.step.dependsOn.every((dep) => isDone(records.get(dep)!.status))) {
        remaining.delete(id);
        if (record.step.notApplicable) {
          markNotApplicable(context, record);
          continue;
        }
        running.set(id, runStep(context, record, options.cancelSignal).finally(() => running.delete(id)));
      }
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (remaining.size > 0) {
      // Nothing runnable and nothing running: unreachable for a valid plan, but never spin.
      for (const id of remaining) skip(context, records.get(id)!, 'not-run', 'not run: its dependencies never completed');
      remaining.clear();
    }
  }
  // Finally steps: always, one after another, each with its own timeout. A cancellation that
  // arrives now is recorded (the job was cancelled) but lets teardown finish; only forceSignal stops it.
  if (plan.finallySteps.length > 0) {
    emit({ kind: 'finally.started', atMs: since(), steps: plan.finallySteps.length });
    const finallySignal = options.forceSignal ?? new AbortController().signal;
    for (const step of plan.finallySteps) {
      const record = records.get(step.id)!;
      if (step.notApplicable) {
        markNotApplicable(context, record);
        continue;
      }
      if (finallySignal.aborted) {
        skip(context, record, 'not-run', `not run: teardown was forcibly cancelled (${describeReason(finallySignal.reason)})`);
        continue;
      }
      await runStep(context, record, finallySignal);
    }
  }
  options.cancelSignal.removeEventListener('abort', onCancel);

  return { t0, endMs: since(), records, rpoSamples, cancelled: cancelReason !== undefined, cancelReason };
}

type RunContext = {
  options: EngineOptions;
  scope: Scope;
  records: Map<string, StepRecord>;
  rpoSamples: RecordedRpoSample[];
  since: () => number;
  emit: (event: DrillEvent) => void;
  t0: number;
  /** Why a variable could not be expanded (a missing environment variable), by name. */
  variableErrors: Map<string, string>;
};

/** Passed, or declared not applicable by the target: either way dependents may go on. */
export function isDone(status: StepStatus): boolean {
  return status === 'passed' || status === 'not-applicable';
}

function markNotApplicable(context: RunContext, record: StepRecord): void {
  record.startMs = record.endMs = context.since();
  skip(context, record, 'not-applicable', `not applicable on target ${context.options.plan.target}: ${record.step.notApplicable}`);
}

function skip(context: RunContext, record: StepRecord, status: StepStatus, reason: string): void {
  record.status = status;
  record.reason = reason;
  context.emit({ kind: 'step.skipped', atMs: context.since(), stepId: record.step.id, status, reason });
}

async function runStep(context: RunContext, record: StepRecord, outerSignal: AbortSignal): Promise<void> {
  const { options, since, emit } = context;
  const { step } = record;
  const kind = options.registry.get(step.kind);
  record.startMs = since();
  const maxAttempts = step.retries + 1;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const attemptStart = since();
    emit({ kind: 'step.started', atMs: attemptStart, stepId: step.id, name: step.name, phase: step.phase, attempt, finally: step.finally });
    const controller = new AbortController();
    const abortFromOuter = () => controller.abort(outerSignal.reason);
    if (outerSignal.aborted) abortFromOuter();
    else outerSignal.addEventListener('abort', abortFromOuter, { once: true });
    const timerController = new AbortController();
    options.clock
      .sleep(step.timeoutMs, timerController.signal)
      .then(() => controller.abort(new StepTimeoutError(step.timeoutMs)))
      .catch(() => undefined);

    let status: StepStatus;
    let error: StepError | undefined;
    let work: Promise<StepOutputs | void> | undefined;
    try {
      if (!kind) throw new DrillError('EUNKNOWNKIND', `unknown step kind "${step.kind}"`);
      const inputs = resolveInputs(context, step, kind.inputs);
      const stepContext = createStepContext(context, record, attempt, controller.signal);
      work = kind.run(stepContext, inputs);
      const outputs = await abortable(work, controller.signal);
      record.outputs = outputs ?? {};
      context.scope.steps[step.id] = { outputs: record.outputs };
      status = 'passed';
    } catch (caught) {
      const reason = controller.signal.aborted ? controller.signal.reason : undefined;
      if (reason instanceof StepTimeoutError) {
        status = 'timed-out';
        error = toStepError(reason, options.masker);
        // What the step knew when it was stopped ("Kustomizations not Ready: apps (Ready=False
        // HealthCheckFailed ...)") is the reason a person needs: give it a moment to say so.
        const late = caught === reason && work ? await settledError(work, STOPPED_STEP_GRACE_MS, options.clock) : caught;
        // An AbortError only repeats that the step was stopped; it says nothing about why.
        const cause = late === undefined || late === reason || (late as Error)?.name === 'AbortError' ? undefined : errorMessage(late);
        if (cause && cause !== errorMessage(reason)) {
          const masked = options.masker.mask(cause);
          error.message = `${error.message}: ${masked.split('\n')[0]}`;
          error.details = `${error.details ?? ''}\nlast error: ${masked}`.trim();
        }
      } else if (outerSignal.aborted) {
        status = 'cancelled';
        error = { code: 'ECANCELLED', message: `cancelled: ${describeReason(outerSignal.reason)}` };
      } else {
        status = 'failed';
        error = toStepError(caught, options.masker);
      }
    } finally {
      timerController.abort();
      outerSignal.removeEventListener('abort', abortFromOuter);
    }

    const durationMs = since() - attemptStart;
    const attemptResult: AttemptResult = { attempt, startMs: attemptStart, durationMs, status };
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

function resolveInputs(context: RunContext, step: PlannedStep, schema: { safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } } }): unknown {
  let expanded: unknown;
  try {
    expanded = expand(step.spec.with, context.scope);
  } catch (error) {
    if (error instanceof UnresolvedReferenceError) {
      const [root, name] = error.reference.path;
      const why = root === 'vars' && name ? context.variableErrors.get(name) : undefined;
      throw new DrillError('EUNKNOWNREF', `cannot resolve ${error.reference.text}`, { details: why ? `variable ${name}: ${why}` : error.message, location: step.location });
    }
    throw error;
  }
  const parsed = schema.safeParse(expanded);
  if (!parsed.success) {
    const problems = (parsed.error?.issues ?? []).map((issue) => `${issue.path.map(String).join('.') || '(inputs)'}: ${issue.message}`);
    throw new DrillError('EINPUT', `invalid inputs for ${step.kind}`, { details: problems.join('\n'), location: step.location });
  }
  return parsed.data;
}

function createStepContext(context: RunContext, record: StepRecord, attempt: number, signal: AbortSignal): StepContext {
  const { options, since, emit } = context;
  const stepId = record.step.id;
  const log = (level: LogLevel) => (message: string) => {
    if (level === 'warn') {
      record.warnings ??= [];
      if (record.warnings.length < MAX_WARNINGS) record.warnings.push(options.masker.mask(message));
    }
    for (const line of options.masker.mask(message).split('\n')) {
      emit({ kind: 'step.log', atMs: since(), stepId, level, message: line });
      options.onLogLine?.(stepId, `[${formatDuration(since())}] ${level.toUpperCase().padEnd(5)} ${line}`);
    }
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return {
    stepId,
    attempt,
    log: logger,
    signal,
    shell: loggingShell(options.session.shellFor(stepId), logger, () => ({ ...options.env, ...options.session.commandEnv() })),
    http: options.session.httpFor(stepId),
    clock: options.clock,
    t0: context.t0,
    workDir: options.workDir,
    drillDir: options.plan.drillDir,
    runId: options.runId,
    drillName: options.plan.drill.name,
    env: options.env,
    target: options.session,
    cluster: () => options.session.clusterFor(stepId),
    addSecret: (value, secretOptions) => options.masker.add(value, secretOptions),
    recordRpo: (sample: RpoSampleInput) => {
      const dataTime = sample.dataTime instanceof Date ? sample.dataTime : new Date(sample.dataTime);
      if (Number.isNaN(dataTime.getTime())) throw new DrillError('EINTERNAL', `RPO sample from ${sample.source} has an invalid time "${String(sample.dataTime)}"`);
      // Data from after T0 was not there at the disaster: a chooser that picked it is wrong, never age 0.
      if (dataTime.getTime() > context.t0) throw new DrillError('EINTERNAL', `RPO sample from ${sample.source} has data time ${dataTime.toISOString()}, after T0 ${new Date(context.t0).toISOString()}`, { details: 'only data that existed at T0 can be restored; the step must skip newer backups' });
      const ageMs = context.t0 - dataTime.getTime();
      const recorded: RecordedRpoSample = { stepId, dataClass: record.step.rpoClass, source: sample.source, dataTime: dataTime.toISOString(), ageMs };
      if (sample.detail) recorded.detail = sample.detail;
      context.rpoSamples.push(recorded);
      emit({ kind: 'rpo.sampled', atMs: since(), stepId, dataClass: record.step.rpoClass ?? '(none)', ageMs, source: sample.source });
    },
  };
}

/** How long a stopped step may take to reject with its own account of what it was waiting for. */
const STOPPED_STEP_GRACE_MS = 2000;

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

function expandVariables(variables: Record<string, string>, scope: Scope): { values: Record<string, string>; errors: Map<string, string> } {
  const values: Record<string, string> = {};
  const errors = new Map<string, string>();
  for (const [name, value] of Object.entries(variables)) {
    try {
      values[name] = String(expand(value, scope));
    } catch (error) {
      // Left unresolved: a step that uses it fails with this reason; unused ones don't matter.
      if (!(error instanceof UnresolvedReferenceError)) throw error;
      errors.set(name, error.message);
    }
  }
  return { values, errors };
}

export function toStepError(error: unknown, masker: Masker): StepError {
  if (error instanceof DrillError) {
    const result: StepError = { code: error.code, message: masker.mask(error.message) };
    if (error.details) result.details = masker.mask(error.details);
    return result;
  }
  return { code: 'ESTEPFAILED', message: masker.mask(errorMessage(error)) };
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return 'aborted';
  return errorMessage(reason);
}

function describeStatus(status: StepStatus): string {
  switch (status) {
    case 'failed':
      return 'failed';
    case 'timed-out':
      return 'timed out';
    case 'cancelled':
      return 'was cancelled';
    case 'skipped':
      return 'was skipped';
    default:
      return 'did not run';
  }
}

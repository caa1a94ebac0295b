/**
 * What a step attempt receives: its inputs (expressions expanded, validated against the kind's
 * schema) and its context (scoped logger, shell and HTTP of the target, clock, RPO recording).
 */
import type { PlannedStep } from '../drill/plan.ts';
import { expand, UnresolvedReferenceError } from '../drill/expressions.ts';
import { DrillError } from '../util/errors.ts';
import { formatDuration } from '../util/duration.ts';
import type { Logger, RpoSampleInput, StepContext } from '../contract/step.ts';
import type { LogLevel } from './events.ts';
import { loggingShell } from './logging-shell.ts';
import type { RecordedRpoSample, RunContext, StepRecord } from './run-context.ts';

const MAX_WARNINGS = 20;

interface InputSchema {
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } };
}

export function resolveInputs(context: RunContext, step: PlannedStep, schema: InputSchema): unknown {
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

export interface AttemptContext {
  stepContext: StepContext;
  /**
   * RPO samples count only for data that actually came back: an attempt's samples are kept when
   * it passes, and dropped when it fails, times out or is cancelled.
   */
  commitRpoSamples(): void;
}

export function createStepContext(context: RunContext, record: StepRecord, attempt: number, signal: AbortSignal): AttemptContext {
  const { options, since, emit } = context;
  const stepId = record.step.id;
  const pendingSamples: RecordedRpoSample[] = [];
  const log = (level: LogLevel) => (message: string) => {
    const masked = options.masker.mask(message);
    if (level === 'warn') {
      record.warnings ??= [];
      if (record.warnings.length < MAX_WARNINGS) record.warnings.push(masked);
    }
    for (const line of masked.split('\n')) {
      emit({ kind: 'step.log', atMs: since(), stepId, level, message: line });
      options.onLogLine?.(stepId, `[${formatDuration(since())}] ${level.toUpperCase().padEnd(5)} ${line}`);
    }
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const stepContext: StepContext = {
    stepId,
    attempt,
    log: logger,
    signal,
    shell: loggingShell(options.session.shellFor(stepId), logger, () => ({ ...options.env, ...options.session.commandEnv() }), { masker: options.masker }),
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
    progress: (state) => emit({ kind: 'step.progress', atMs: since(), stepId, state: options.masker.mask(state) }),
    recordRpo: (sample: RpoSampleInput) => {
      const dataTime = sample.dataTime instanceof Date ? sample.dataTime : new Date(sample.dataTime);
      if (Number.isNaN(dataTime.getTime())) throw new DrillError('EINTERNAL', `RPO sample from ${sample.source} has an invalid time "${String(sample.dataTime)}"`);
      // Data from after T0 was not there at the disaster: a chooser that picked it is wrong, never age 0.
      if (dataTime.getTime() > context.t0) throw new DrillError('EINTERNAL', `RPO sample from ${sample.source} has data time ${dataTime.toISOString()}, after T0 ${new Date(context.t0).toISOString()}`, { details: 'only data that existed at T0 can be restored; the step must skip newer backups' });
      const ageMs = context.t0 - dataTime.getTime();
      const recorded: RecordedRpoSample = { stepId, dataClass: record.step.rpoClass, source: sample.source, dataTime: dataTime.toISOString(), ageMs };
      if (sample.detail) recorded.detail = sample.detail;
      pendingSamples.push(recorded);
    },
  };
  return {
    stepContext,
    commitRpoSamples: () => {
      for (const sample of pendingSamples) {
        context.rpoSamples.push(sample);
        emit({ kind: 'rpo.sampled', atMs: since(), stepId, dataClass: sample.dataClass ?? '(none)', ageMs: sample.ageMs, source: sample.source });
      }
      pendingSamples.length = 0;
    },
  };
}

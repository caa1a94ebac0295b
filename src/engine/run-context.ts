/** What one engine run shares between its scheduler, attempt runner and step contexts. */
import type { Plan, PlannedStep, StepRegistry } from '../drill/plan.ts';
import type { Scope } from '../drill/expressions.ts';
import { errorMessage } from '../util/errors.ts';
import type { Masker } from '../util/mask.ts';
import type { AttemptResult, StepError, StepStatus } from '../result/model.ts';
import type { StepOutputs } from '../contract/step.ts';
import type { TargetSession } from '../contract/target.ts';
import type { Clock } from './clock.ts';
import type { DrillEvent } from './events.ts';

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
  /** When the state the step waited for began by the awaited object's own record, drill ms after T0. */
  observedSince?: { ms: number; source: string };
}

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
  /** What went wrong outside any step (a crash in the engine, a listener that threw); never hides a step's record. */
  errors: StepError[];
}

export interface RunContext {
  options: EngineOptions;
  scope: Scope;
  records: Map<string, StepRecord>;
  rpoSamples: RecordedRpoSample[];
  /** Drill milliseconds since T0. */
  since: () => number;
  emit: (event: DrillEvent) => void;
  t0: number;
  /** Why a variable could not be expanded (a missing environment variable), by name. */
  variableErrors: Map<string, string>;
  errors: StepError[];
}

/** Passed, or declared not applicable by the target: either way dependents may go on. */
export function isDone(status: StepStatus): boolean {
  return status === 'passed' || status === 'not-applicable';
}

export function markNotApplicable(context: RunContext, record: StepRecord): void {
  record.startMs = record.endMs = context.since();
  skip(context, record, 'not-applicable', `not applicable on target ${context.options.plan.target}: ${record.step.notApplicable}`);
}

export function skip(context: RunContext, record: StepRecord, status: StepStatus, reason: string): void {
  record.status = status;
  record.reason = reason;
  context.emit({ kind: 'step.skipped', atMs: context.since(), stepId: record.step.id, status, reason });
}

export function describeReason(reason: unknown): string {
  if (reason === undefined) return 'aborted';
  return errorMessage(reason);
}

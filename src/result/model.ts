/**
 * The result of one drill run: the single source of truth. Every report (JUnit, Markdown,
 * OpenMetrics, trend, CI summaries) is rendered from this and nothing else. Bump
 * RESULT_SCHEMA_VERSION on any incompatible change and keep `readResult` able to read old ones.
 */
export const RESULT_SCHEMA_VERSION = 1;

export type DrillStatus = 'passed' | 'failed' | 'cancelled' | 'error';
/** `not-applicable`: the target declares the step does not apply there; it counts as done. */
export type StepStatus = 'passed' | 'failed' | 'timed-out' | 'cancelled' | 'skipped' | 'not-run' | 'not-applicable';
/**
 * `not-reached`: a step the figure depends on did not pass (a milestone not reached, data not
 * restored) or no step recorded an RPO sample; `not-measured`: the steps it depends on are not
 * applicable on this target. Every verdict but `met` and `no-objective` fails the objective.
 */
export type Verdict = 'met' | 'missed' | 'not-reached' | 'not-measured' | 'no-objective';

/** True when the verdict fails its objective: too slow or too old, or no figure at all. */
export function objectiveFailed(verdict: Verdict): boolean {
  return verdict === 'missed' || verdict === 'not-reached' || verdict === 'not-measured';
}

export interface StepError {
  code: string;
  message: string;
  details?: string;
}

export interface AttemptResult {
  attempt: number;
  /** Offset from T0, drill milliseconds. */
  startMs: number;
  durationMs: number;
  status: StepStatus;
  error?: StepError;
}

export interface StepResult {
  id: string;
  name: string;
  kind: string;
  phase: string;
  /** True for steps in the drill's `finally` block (teardown). */
  finally: boolean;
  status: StepStatus;
  /** Why a step did not run or stopped (a failed dependency, cancellation, ...). */
  reason?: string;
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  timeoutMs: number;
  attempts: AttemptResult[];
  error?: StepError;
  /** Step outputs, masked. */
  outputs: Record<string, unknown>;
  /** What the step warned about (Velero restore warnings, skipped failed backups, ...), masked. */
  warnings?: string[];
  /** Path of the step's log, relative to the report directory. */
  logFile?: string;
  dependsOn: string[];
  /** Where the step is declared: the drill file as given to the CLI and the line of its `id`. Absent in results written before it existed. */
  location?: { file: string; line: number };
  /** On this target the step is a stand-in: what the drill's step stands for that was not done for real. */
  standIn?: string;
  /**
   * When the state the step waited for began, after T0 (negative: before it), by the awaited
   * objects' own record rather than when the step saw it: a milestone measured from the step counts from here.
   */
  observedSinceMs?: number;
  /** What observedSinceMs is, e.g. `Kustomization flux-system/apps Ready lastTransitionTime`. */
  observedSinceSource?: string;
}

export interface PhaseResult {
  name: string;
  dependsOn: string[];
  status: StepStatus;
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  steps: string[];
}

export interface MilestoneResult {
  name: string;
  description?: string;
  /** The steps that together mark the milestone. */
  after: string[];
  /** True only when every `after` step passed. */
  reached: boolean;
  /** Why there is no achieved RTO, naming the steps (did not pass, or not applicable on this target). */
  reason?: string;
  /** `after` steps that did not pass (failed, timed out, cancelled, skipped, not run). */
  notPassed?: string[];
  /** `after` steps not applicable on this target: the milestone is not measured here. */
  notApplicable?: string[];
  /** Measured from this step instead of T0 (e.g. the step that saw Flux apply a bad revision). */
  from?: string;
  /**
   * With `from`: when the event began, after T0; the RTO counts from here. The step's
   * observedSinceMs when earlier than its end (fromSource names it), else the step's end.
   */
  fromMs?: number;
  /** With `from`: what fromMs is when it is not the step's end (`Kustomization flux-system/apps Ready lastTransitionTime`). */
  fromSource?: string;
  /** Achieved RTO: time after T0 (or after fromMs) at which the milestone was reached. */
  rtoMs?: number;
  objectiveMs?: number;
  verdict: Verdict;
  /** Steps on the longest chain that led to the milestone, in order. */
  criticalPath: string[];
}

export interface RpoSample {
  stepId: string;
  /** What the data point is and where its time comes from, e.g. `velero backup velero/daily-20261125 status.startTimestamp`. */
  source: string;
  /** When the restored data was current (ISO 8601). */
  dataTime: string;
  /** Age of that data at T0. */
  ageMs: number;
  detail?: string;
}

export interface RpoResult {
  dataClass: string;
  /** The worst (largest) age among the samples: RPO is judged conservatively. */
  achievedMs?: number;
  objectiveMs?: number;
  verdict: Verdict;
  /** Why there is no achieved RPO, naming the steps (data not restored, no sample, not applicable). */
  reason?: string;
  /** RPO steps of this class whose data did not come back (failed, timed out, cancelled, not run): the class is not met. */
  notRestored?: string[];
  /** Samples of restores that passed; a failed restore records none. */
  samples: RpoSample[];
}

/** What every report says of a run with run.preflight `skipped`. */
export const PREFLIGHT_SKIPPED = 'PREFLIGHT SKIPPED (--skip-preflight): nothing proved this drill isolated from production (kube context, Terraform state, VM IDs, IPs, Git branch, backup write access), nor that its tools and credentials were there';

export interface RunInfo {
  id: string;
  target: string;
  /** T0: the declared disaster, ISO 8601. */
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** `virtual`: the simulated target's discrete-event clock (drill time, exact); `real`: wall time. Absent in results written before it existed. */
  clock?: 'real' | 'virtual';
  /** 1 for real targets; on the simulated target the real-time pace it was replayed at (0: as fast as possible). Never affects a figure. */
  timeScale: number;
  /** CI context when known: provider, pipeline URL, commit. */
  ci?: { provider: string; url?: string; ref?: string; commit?: string; trigger?: string };
  /** `skipped`: run with --skip-preflight, so nothing proved the drill isolated from production; every report says so. Absent in results written before it existed. */
  preflight?: 'passed' | 'skipped';
  /** Faults injected on purpose, by step id (--fault, a negative control's re-run): the run was meant to turn red. */
  faults?: Record<string, string>;
}

/** Whether a run's durations are simulated drill time (results from before `clock` existed said so by a time scale other than 1). */
export function isSimulated(run: RunInfo): boolean {
  return run.clock !== undefined ? run.clock === 'virtual' : run.timeScale !== 1;
}

export interface DrillResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  tool: { name: 'dr-drill'; version: string };
  drill: { name: string; file: string; scenario: string; description?: string };
  run: RunInfo;
  status: DrillStatus;
  /** One sentence that explains the status. */
  reason: string;
  exitCode: number;
  phases: PhaseResult[];
  steps: StepResult[];
  milestones: MilestoneResult[];
  rpo: RpoResult[];
  /** Problems outside any step (a crash, a cancellation). */
  errors: StepError[];
  /** Negative controls, when the run was asked to run them (dr-drill run --controls). */
  controls?: ControlResult[];
}

/** A fault the drill must detect; `detected` only when the faulted run turned red the expected way; `not-applicable`: the drill file says the target cannot inject it. */
export interface ControlResult {
  name: string;
  description?: string;
  /** Faults injected, by step id. */
  faults: Record<string, string>;
  status: 'detected' | 'not-detected' | 'not-run' | 'not-applicable';
  /** Why: the faulted run's verdict, the steps that failed, or why the control did not run. */
  reason: string;
  runId?: string;
  /** Steps of the faulted run that failed or timed out. */
  failedSteps: string[];
  /** The faulted run's reports, relative to the report directory. */
  reportDir?: string;
}

/** What a plan is: the validated, target-specific shape of a drill that the engine runs. */
import type { DrillError, ErrorLocation } from '../util/errors.ts';
import type { StepKind } from '../contract/step.ts';
import type { FaultName } from './faults.ts';
import type { DrillFile, StepSpec, TargetKind } from './schema.ts';

export interface PlannedStep {
  id: string;
  name: string;
  kind: string;
  phase: string;
  finally: boolean;
  spec: StepSpec;
  /** Step ids that must pass before this one starts. */
  dependsOn: string[];
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  rpoClass: string | undefined;
  /** Why the target says this step does not apply (it is recorded, not run). */
  notApplicable: string | undefined;
  /** What the drill's step stands for that this target does not do for real (never silent: see standInOf). */
  standIn: string | undefined;
  location: ErrorLocation;
}

export interface PlannedPhase {
  name: string;
  description: string | undefined;
  dependsOn: string[];
  stepIds: string[];
}

export interface PlannedMilestone {
  name: string;
  description: string | undefined;
  after: string[];
  /** Measured from this step's event instead of T0. */
  from: string | undefined;
  /** The from-step's event: the object's own instant (event) or the step's end. */
  fromTime: 'event' | 'step-end';
  objectiveMs: number | undefined;
}

/** A negative control as it runs on the plan's target (its overrides there applied). */
export interface PlannedControl {
  name: string;
  description: string | undefined;
  /** Faults by step id, injectable on this target (checked when the target injects any). */
  faults: Record<string, FaultName>;
  /** Step ids, `rto:<milestone>` and `rpo:<data class>` that must catch the fault; undefined: the drill must turn red. */
  detectedBy: string[] | undefined;
  /** Why the control does not run on this target. */
  notApplicable: string | undefined;
  /** Faults this target cannot inject (file, field, fix): `run --controls` refuses the drill on this target with them. */
  problems: DrillError[];
}

export interface Plan {
  file: string;
  drillDir: string;
  drill: DrillFile;
  target: TargetKind;
  /** Variables for this target, before expansion. */
  variables: Record<string, string>;
  phases: PlannedPhase[];
  /** Steps in a valid execution order (topological). */
  steps: PlannedStep[];
  finallySteps: PlannedStep[];
  milestones: PlannedMilestone[];
  rpoObjectives: { dataClass: string; objectiveMs: number }[];
  controls: PlannedControl[];
  secretEnv: string[];
}

export type StepRegistry = ReadonlyMap<string, StepKind>;

/** Records one problem of the drill at a field path; every rule reports through it. */
export type PlanFail = (code: DrillError['code'], message: string, at: (string | number)[], details: string) => void;

/**
 * What a step kind is and what it receives. A step kind knows nothing about the engine: it gets
 * a context and validated inputs, does one job, and returns outputs (or throws).
 */
import type { z } from 'zod';
import type { Clock } from '../engine/clock.ts';
import type { Cluster } from '../engine/cluster.ts';
import type { Shell } from '../engine/shell.ts';
import type { HttpClient } from '../engine/http.ts';
import type { TargetSession } from '../targets/types.ts';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RpoSampleInput {
  /** What the data point is, e.g. `velero backup velero/daily-20261125020000`. */
  source: string;
  /** When the restored data was current. */
  dataTime: Date | string;
  detail?: string;
}

export interface StepContext {
  readonly stepId: string;
  readonly attempt: number;
  readonly log: Logger;
  /** Aborted on timeout and on cancellation; pass it to every wait and command. */
  readonly signal: AbortSignal;
  readonly shell: Shell;
  readonly http: HttpClient;
  readonly clock: Clock;
  /** T0 (declared disaster), epoch milliseconds of drill time. */
  readonly t0: number;
  /** The run's private working directory (mode 0700), removed at the end unless kept. */
  readonly workDir: string;
  /** Directory of the drill file; relative paths in inputs are resolved against it. */
  readonly drillDir: string;
  readonly runId: string;
  readonly drillName: string;
  /** Environment for commands: the process environment as the drill sees it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly target: TargetSession;
  /** The drill cluster's API; fails when no kubeconfig is known yet. */
  cluster(): Promise<Cluster>;
  /** Record the age at T0 of the newest data this step brought back. */
  recordRpo(sample: RpoSampleInput): void;
  /** Register a value that must be masked in every output from now on. */
  addSecret(value: string, options?: { wholeOnly?: boolean }): void;
  /** What a long wait is waiting for right now (`apps: Ready=False Progressing`): a heartbeat in the live progress. */
  progress(state: string): void;
}

export type StepOutputs = Record<string, unknown>;

export interface StepKind<Schema extends z.ZodType = z.ZodType> {
  readonly kind: string;
  /** One line for `dr-drill kinds` and the JSON Schema. */
  readonly summary: string;
  readonly inputs: Schema;
  run(context: StepContext, inputs: z.output<Schema>): Promise<StepOutputs | void>;
}

export function defineStep<Schema extends z.ZodType>(step: StepKind<Schema>): StepKind<Schema> {
  return step;
}

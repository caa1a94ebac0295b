/**
 * What a step kind is and what it receives. A step kind knows nothing about the engine: it gets
 * a context and validated inputs, does one job, and returns outputs (or throws).
 */
import type { z } from 'zod';
import type { Clock } from './clock.ts';
import type { Cluster } from './cluster.ts';
import type { Shell } from './shell.ts';
import type { HttpClient } from './http.ts';
import type { ClusterAccess, TargetView } from './target.ts';

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
  readonly target: TargetView;
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

/** Marks the cluster access a step produced (or `null`: removed) on its outputs; the engine hands it to the target. */
export const CLUSTER_ACCESS: unique symbol = Symbol('dr-drill.clusterAccess');

/**
 * When the state a step waited for began, by the awaited object's own record (a condition's
 * lastTransitionTime), not when the step saw it: a milestone measured `from` the step counts from here.
 */
export interface ObservedSince {
  /** Epoch milliseconds (drill time). */
  at: number;
  /** What the instant is, e.g. `Kustomization flux-system/apps Ready lastTransitionTime`. */
  source: string;
}

/** Marks when the awaited state began on a step's outputs; the engine records it on the step. */
export const OBSERVED_SINCE: unique symbol = Symbol('dr-drill.observedSince');

export type StepProduct = StepOutputs & { [CLUSTER_ACCESS]?: ClusterAccess | null; [OBSERVED_SINCE]?: ObservedSince };

/** A step's outputs together with the drill cluster's access it created (or null when it removed the cluster). */
export function withClusterAccess(outputs: StepOutputs | StepProduct, access: ClusterAccess | null): StepProduct {
  return withMessage(outputs, CLUSTER_ACCESS, access);
}

/** A step's outputs together with when the state it waited for began; none known leaves the outputs as they are. */
export function withObservedSince(outputs: StepOutputs | StepProduct, since: ObservedSince | undefined): StepProduct {
  return since === undefined ? outputs : withMessage(outputs, OBSERVED_SINCE, since);
}

function withMessage(outputs: StepOutputs | StepProduct, key: symbol, value: unknown): StepProduct {
  // Not enumerable: it is a message to the engine, never one of the step's outputs. Copying the
  // descriptors keeps the messages already on the outputs.
  return Object.defineProperty(Object.defineProperties({}, Object.getOwnPropertyDescriptors(outputs)), key, { value, enumerable: false });
}

/** A step's inputs as they are known before the run: a value that depends on the run (a step output) is undefined. */
export type KnownInputs<T> = T extends readonly (infer Item)[] ? KnownInputs<Item>[] | undefined : T extends object ? { [Key in keyof T]?: KnownInputs<T[Key]> } : T | undefined;

/** How a step uses a Velero backup storage location. */
export interface BackupLocationUse {
  namespace: string;
  /** The location the step names; a restore uses the locations of the backups it may pick (`backup`, `schedule`). */
  name?: string | undefined;
  use: 'restore' | 'set-read-only' | 'set-writable' | 'put-back';
  backup?: string | undefined;
  schedule?: string | undefined;
  /** A restore that would go through a location it can write (requireReadOnlyLocation: false). */
  allowsWritable?: boolean;
}

/**
 * What preflight needs of one step, declared by its kind beside its input schema: the programs it
 * runs, the inputs that decide whether it is isolated from production, and the secret files it uses.
 */
export interface PreflightNeeds {
  /** Programs the step runs; an inner list names alternatives (terraform or tofu). A relative path is resolved against `cwd`. */
  tools?: readonly (string | undefined | readonly string[])[];
  /** Working directory of those programs, relative to the drill file. */
  cwd?: string | undefined;
  /** Terraform the step runs: its state (workspace, backend config) and variable files. */
  terraform?: { dir?: string | undefined; workspace?: string | undefined; productionWorkspaces?: readonly (string | undefined)[] | undefined; backendConfig?: readonly (string | undefined)[] | undefined; varFiles?: readonly (string | undefined)[] | undefined };
  /** Git remotes the step reads; each must answer before the run. */
  gitRemotes?: readonly (string | undefined)[];
  /** Branches the step commits to (a Flux bootstrap): never production's. `via` says how, for the message. */
  gitWrites?: readonly { branch: string; via: string }[];
  /** Input fields that name production on purpose, to read from it (the branch git.head measures): left out of the isolation checks. */
  readsProduction?: readonly string[];
  backupLocations?: readonly BackupLocationUse[];
  /** SOPS age key file the step hands to programs (relative to the drill file). */
  ageKeyFile?: string | undefined;
}

export interface StepKind<Schema extends z.ZodType = z.ZodType> {
  readonly kind: string;
  /** One line for `dr-drill kinds` and the JSON Schema. */
  readonly summary: string;
  readonly inputs: Schema;
  /** What preflight checks for this step; kinds without one need nothing beyond the checks every step gets. */
  readonly preflight?: (inputs: KnownInputs<z.output<Schema>>) => PreflightNeeds;
  run(context: StepContext, inputs: z.output<Schema>): Promise<StepProduct | void>;
  /** What a successful run reports as the instant its awaited state began (see ObservedSince), for `plan`; undefined: it reports none with these inputs. */
  readonly observedSince?: (inputs: KnownInputs<z.output<Schema>>) => string | undefined;
}

export function defineStep<Schema extends z.ZodType>(step: StepKind<Schema>): StepKind<Schema> {
  return step;
}

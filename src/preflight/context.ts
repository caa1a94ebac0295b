/**
 * What the preflight checks share: the plan's applicable steps with their inputs expanded as far
 * as they are known before the run, what each step's kind declares it needs, and the target's
 * shell and (on an existing cluster) its API.
 */
import path from 'node:path';
import type { Plan, PlannedStep, StepRegistry } from '../drill/plan.ts';
import { expand, referencesIn, UnresolvedReferenceError, type Scope } from '../drill/expressions.ts';
import type { LoadedDrill } from '../drill/load.ts';
import type { Cluster } from '../contract/cluster.ts';
import type { Shell } from '../contract/shell.ts';
import type { PreflightNeeds, StepKind } from '../contract/step.ts';
import { DrillError, formatError, type ErrorCode, type ErrorLocation } from '../util/errors.ts';
import { needsOf } from './needs.ts';

export interface PreflightContext {
  plan: Plan;
  shell: Shell;
  registry: StepRegistry;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Steps the target runs (not the ones it declares not applicable), main steps then finally. */
  steps: PlannedStep[];
  /** A step's inputs with every expression that can be known now resolved; unknown ones are undefined. */
  inputsOf(step: PlannedStep): Record<string, unknown>;
  /** What the step's kind declares preflight must check of it. */
  needsOf(step: PlannedStep): PreflightNeeds;
  kindOf(step: PlannedStep): StepKind | undefined;
  /** The drill cluster's API when it exists before the run (an existing cluster), else undefined. */
  cluster(): Promise<Cluster | undefined>;
  /** A value from the drill file with expressions resolved, or undefined when it depends on the run. */
  resolve(value: string | undefined): string | undefined;
  locate(at: (string | number)[]): ErrorLocation;
  problem(code: Extract<ErrorCode, 'EPREFLIGHT' | 'EPRODTARGET'>, message: string, details: string, location: ErrorLocation): void;
  note(check: string, message: string): void;
  problems: DrillError[];
  notes: { check: string; message: string }[];
}

export interface ContextOptions {
  shell: Shell;
  registry: StepRegistry;
  env: Record<string, string | undefined>;
  runId: string;
  signal: AbortSignal;
  /** The target's ${target.*} values. */
  facts?: Readonly<Record<string, string>>;
  cluster?: () => Promise<Cluster | undefined>;
}

export function createContext(plan: Plan, loaded: LoadedDrill | undefined, options: ContextOptions): PreflightContext {
  const scope: Scope = {
    env: options.env,
    vars: {},
    steps: {},
    run: { id: options.runId, dir: path.join('(run directory)') },
    drill: { dir: plan.drillDir, name: plan.drill.name },
    target: { ...options.facts, kind: plan.target },
  };
  for (const [name, value] of Object.entries(plan.variables)) {
    const expanded = lenient(value, scope);
    if (typeof expanded === 'string') scope.vars[name] = expanded;
  }
  const problems: DrillError[] = [];
  const notes: { check: string; message: string }[] = [];
  const cache = new Map<string, Record<string, unknown>>();
  const needs = new Map<string, PreflightNeeds>();
  const reported = new Set<string>();
  const context: PreflightContext = {
    plan,
    shell: options.shell,
    registry: options.registry,
    env: options.env,
    signal: options.signal,
    steps: [...plan.steps, ...plan.finallySteps].filter((step) => !step.notApplicable),
    inputsOf(step) {
      if (!cache.has(step.id)) cache.set(step.id, lenient(step.spec.with, scope) as Record<string, unknown>);
      return cache.get(step.id)!;
    },
    needsOf(step) {
      if (!needs.has(step.id)) needs.set(step.id, needsOf(options.registry, step.kind, context.inputsOf(step)));
      return needs.get(step.id)!;
    },
    kindOf: (step) => options.registry.get(step.kind),
    cluster: options.cluster ?? (async () => undefined),
    resolve: (value) => (value === undefined ? undefined : (lenient(value, scope) as string | undefined)),
    locate: (at) => {
      const location = loaded?.locate(at) ?? { file: plan.file };
      return { ...location, field: at.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('') };
    },
    problem(code, message, details, location) {
      const error = new DrillError(code, message, { details, location });
      // Two steps naming one file, or one value reached twice, is one problem.
      const key = formatError(error);
      if (!reported.has(key)) reported.add(key), problems.push(error);
    },
    note: (check, message) => notes.push({ check, message }),
    problems,
    notes,
  };
  return context;
}

/** Expand what can be expanded; a string whose expression needs the run (step outputs, target facts) becomes undefined. */
function lenient(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (referencesIn(value).length === 0) return value;
    try {
      return expand(value, scope);
    } catch (error) {
      if (error instanceof UnresolvedReferenceError) return undefined;
      throw error;
    }
  }
  if (Array.isArray(value)) return value.map((item) => lenient(item, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, lenient(item, scope)]));
  return value;
}

/** Where a step's input lives in the drill file. */
export function inputAt(context: PreflightContext, step: PlannedStep, ...field: (string | number)[]): ErrorLocation {
  const overridden = context.plan.drill.targets[context.plan.target]?.steps?.[step.id]?.with !== undefined;
  if (overridden) return context.locate(['targets', context.plan.target, 'steps', step.id, 'with', ...field]);
  return context.locate([...stepPath(context.plan, step), 'with', ...field]);
}

/** Where in a step's inputs a declared value was written, alone or inside a longer text (its kind declares values, not field names). */
export function inputWith(context: PreflightContext, step: PlannedStep, value: unknown): ErrorLocation {
  const find = (tree: unknown, at: (string | number)[], matches: (leaf: unknown) => boolean): (string | number)[] | undefined => {
    if (matches(tree)) return at;
    const children: [string | number, unknown][] = Array.isArray(tree) ? tree.map((item, index) => [index, item]) : tree && typeof tree === 'object' ? Object.entries(tree) : [];
    for (const [key, item] of children) {
      const hit = find(item, [...at, key], matches);
      if (hit) return hit;
    }
    return undefined;
  };
  const inputs = context.inputsOf(step);
  // Written alone, else inside a longer text (--branch=main).
  const at = find(inputs, [], (leaf) => leaf === value) ?? (typeof value === 'string' && value ? find(inputs, [], (leaf) => typeof leaf === 'string' && leaf.includes(value)) : undefined);
  return inputAt(context, step, ...(at ?? []));
}

export function stepPath(plan: Plan, step: PlannedStep): (string | number)[] {
  if (step.finally) return ['finally', plan.drill.finally.findIndex((spec) => spec.id === step.id)];
  const phase = plan.drill.phases.findIndex((candidate) => candidate.name === step.phase);
  return ['phases', phase, 'steps', plan.drill.phases[phase]!.steps.findIndex((spec) => spec.id === step.id)];
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^/:@]+):[^@/]+@/, '$1:***@');
}

/**
 * Targets whose infrastructure is simulated or local (`sim`, `local`): they need no credentials
 * for real infrastructure, and files that only a real run reads (age key, variable files) may be
 * absent there; present files are still checked.
 */
export function simulatedInfrastructure(target: string): boolean {
  return target === 'sim' || target === 'local';
}

/**
 * From a loaded drill to a validated plan: a DAG of steps with resolved timeouts, the
 * cross-field rules (unique ids, phase dependencies without cycles, known step kinds, inputs,
 * references), milestones and objectives. Pure: nothing here touches the world.
 */
import path from 'node:path';
import type { z } from 'zod';
import { DrillError, DrillErrors, type ErrorLocation } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import type { StepKind } from '../steps/types.ts';
import { expressionProblems, referencesIn, type Reference } from './expressions.ts';
import type { LoadedDrill } from './load.ts';
import { formatFieldPath } from './load.ts';
import { ancestry, findCycle, topologicalOrder } from './graph.ts';
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
  objectiveMs: number | undefined;
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
  secretEnv: string[];
}

export type StepRegistry = ReadonlyMap<string, StepKind>;

export function buildPlan(loaded: LoadedDrill, registry: StepRegistry, options: { target?: TargetKind } = {}): Plan {
  const { spec, locate } = loaded;
  const errors: DrillError[] = [];
  const target = options.target ?? spec.target;
  const fail = (code: DrillError['code'], message: string, at: (string | number)[], details: string) =>
    errors.push(new DrillError(code, message, { details, location: locate(at) }));

  // Phases: unique names, dependencies that exist, no cycles.
  const phaseIndex = new Map<string, number>();
  spec.phases.forEach((phase, index) => {
    if (phaseIndex.has(phase.name)) fail('EDRILLSCHEMA', `duplicate phase name "${phase.name}"`, ['phases', index, 'name'], 'give every phase a unique name');
    phaseIndex.set(phase.name, index);
  });
  const phaseDeps = spec.phases.map((phase, index) => {
    if (phase.dependsOn === undefined) return index === 0 ? [] : [spec.phases[index - 1]!.name];
    phase.dependsOn.forEach((dep, depIndex) => {
      if (!phaseIndex.has(dep)) {
        fail('EDRILLSCHEMA', `phase "${phase.name}" depends on unknown phase "${dep}"`, ['phases', index, 'dependsOn', depIndex], `use one of: ${[...phaseIndex.keys()].join(', ')}`);
      } else if (dep === phase.name) {
        fail('EDAGCYCLE', `phase "${phase.name}" depends on itself`, ['phases', index, 'dependsOn', depIndex], 'remove it from its own dependsOn');
      }
    });
    return phase.dependsOn.filter((dep) => phaseIndex.has(dep) && dep !== phase.name);
  });
  const cycle = findCycle(spec.phases.map((phase) => phase.name), (name) => phaseDeps[phaseIndex.get(name)!] ?? []);
  if (cycle) {
    const first = phaseIndex.get(cycle[0]!)!;
    fail('EDAGCYCLE', `phases depend on each other in a cycle: ${cycle.join(' -> ')}`, ['phases', first, 'dependsOn'], 'break the cycle: a phase cannot (indirectly) depend on itself');
  }

  // Steps: unique ids, known kinds, inputs.
  const stepLocations = new Map<string, (string | number)[]>();
  const phases: PlannedPhase[] = [];
  const steps: PlannedStep[] = [];
  const lastStepOfPhase = new Map<string, string>();
  const overrides = spec.targets[target]?.steps ?? {};
  const planStep = (original: StepSpec, at: (string | number)[], phase: string, isFinally: boolean, dependsOn: string[]): PlannedStep => {
    const override = overrides[original.id];
    const stepSpec: StepSpec = override
      ? { ...original, kind: override.kind ?? original.kind, with: override.with ?? original.with, timeout: override.timeout ?? original.timeout, rpo: override.rpo ?? original.rpo }
      : original;
    const inputsAt = override?.with ? ['targets', target, 'steps', original.id, 'with'] : [...at, 'with'];
    if (stepLocations.has(stepSpec.id)) {
      fail('EDRILLSCHEMA', `duplicate step id "${stepSpec.id}"`, [...at, 'id'], `step ids must be unique in the drill; "${stepSpec.id}" is also at ${formatFieldPath(stepLocations.get(stepSpec.id)!)}`);
    }
    stepLocations.set(stepSpec.id, at);
    const kind = registry.get(stepSpec.kind);
    if (!kind) {
      const suggestion = closest(stepSpec.kind, [...registry.keys()]);
      fail('EUNKNOWNKIND', `unknown step kind "${stepSpec.kind}"`, [...at, 'kind'], suggestion ? `did you mean "${suggestion}"? \`dr-drill kinds\` lists every kind` : '`dr-drill kinds` lists every kind');
    } else {
      if (!override?.notApplicable) errors.push(...validateInputs(kind.inputs, stepSpec.with, inputsAt, locate));
    }
    return {
      id: stepSpec.id,
      name: stepSpec.name ?? stepSpec.id,
      kind: stepSpec.kind,
      phase,
      finally: isFinally,
      spec: stepSpec,
      dependsOn,
      timeoutMs: parseDuration(stepSpec.timeout),
      retries: stepSpec.retries,
      retryDelayMs: parseDuration(stepSpec.retryDelay),
      rpoClass: stepSpec.rpo,
      notApplicable: override?.notApplicable,
      standIn: standInOf(original, override),
      location: locate(at),
    };
  };

  const phaseOrder = cycle ? spec.phases.map((phase) => phase.name) : topologicalOrder(spec.phases.map((phase) => phase.name), (name) => phaseDeps[phaseIndex.get(name)!] ?? []);
  for (const phaseName of phaseOrder) {
    const index = phaseIndex.get(phaseName)!;
    const phase = spec.phases[index]!;
    const deps = phaseDeps[index] ?? [];
    let previous: string[] = deps.map((dep) => lastStepOfPhase.get(dep)).filter((id): id is string => id !== undefined);
    const stepIds: string[] = [];
    phase.steps.forEach((stepSpec, stepIndex) => {
      const planned = planStep(stepSpec, ['phases', index, 'steps', stepIndex], phase.name, false, previous);
      steps.push(planned);
      stepIds.push(planned.id);
      previous = [planned.id];
    });
    lastStepOfPhase.set(phase.name, stepIds[stepIds.length - 1]!);
    phases.push({ name: phase.name, description: phase.description, dependsOn: deps, stepIds });
  }
  const finallySteps = spec.finally.map((stepSpec, index) => planStep(stepSpec, ['finally', index], 'finally', true, []));

  // Overrides of every target, not only this run's: a typo for another target is still a typo.
  const allStepIds = new Set([...spec.phases.flatMap((phase) => phase.steps.map((step) => step.id)), ...spec.finally.map((step) => step.id)]);
  for (const [targetName, targetOptions] of Object.entries(spec.targets)) {
    for (const stepId of Object.keys((targetOptions as { steps?: Record<string, unknown> } | undefined)?.steps ?? {})) {
      if (!allStepIds.has(stepId)) {
        fail('EUNKNOWNREF', `targets.${targetName}.steps names unknown step "${stepId}"`, ['targets', targetName, 'steps', stepId], `use one of: ${closest(stepId, [...allStepIds]) ?? [...allStepIds].join(', ')}`);
      }
    }
  }

  // Expressions that are not expressions (an unclosed `${`, an empty `${}`, an unknown root) would
  // pass through literally: each is an error at the exact string.
  const expressionSites: [unknown, (string | number)[]][] = [
    ...[...steps, ...finallySteps].filter((step) => !step.notApplicable).map((step): [unknown, (string | number)[]] => [step.spec.with, overrides[step.id]?.with ? ['targets', target, 'steps', step.id, 'with'] : [...stepLocations.get(step.id)!, 'with']]),
    [spec.variables, ['variables']],
    [spec.targets[target]?.variables ?? {}, ['targets', target, 'variables']],
  ];
  for (const [value, at] of expressionSites) {
    walkStringsAt(value, at, (text, where) => {
      for (const problem of expressionProblems(text)) fail('EUNKNOWNREF', problem, where, 'expressions are ${env.X}, ${env.X:-default}, ${vars.X}, ${steps.<id>.outputs.<key>}, ${run.id}, ${run.dir}, ${drill.dir}, ${target.kind}; write $${ for a literal ${');
    });
  }

  // References: steps.X must run before; roots must exist.
  const runsBefore = stepPrecedence(steps, phases);
  const variables = { ...spec.variables, ...(spec.targets[target]?.variables ?? {}) };
  for (const step of [...steps, ...finallySteps]) {
    const at = stepLocations.get(step.id)!;
    if (step.notApplicable) continue;
    for (const reference of referencesIn(step.spec.with)) {
      const problem = checkReference(reference, step, runsBefore, stepLocations, variables, finallySteps);
      if (problem) fail('EUNKNOWNREF', `step "${step.id}": ${problem.message}`, [...at, 'with'], problem.fix);
    }
  }
  Object.entries(variables).forEach(([name, value]) => {
    for (const reference of referencesIn(value)) {
      if (['vars', 'steps'].includes(reference.path[0]!)) {
        fail('EUNKNOWNREF', `variable "${name}" refers to ${reference.text}`, ['variables', name], 'variables may only use ${env.X}, ${run.*}, ${drill.*} and ${target.kind}');
      }
    }
  });

  // Milestones and objectives.
  const milestoneOverrides = spec.targets[target]?.milestones ?? {};
  for (const name of Object.keys(milestoneOverrides)) {
    if (!(name in spec.milestones)) fail('EUNKNOWNREF', `targets.${target}.milestones names unknown milestone "${name}"`, ['targets', target, 'milestones', name], `override one of: ${Object.keys(spec.milestones).join(', ') || 'none (define it under milestones first)'}`);
  }
  const milestones: PlannedMilestone[] = Object.entries({ ...spec.milestones, ...milestoneOverrides }).filter(([name]) => name in spec.milestones).map(([name, milestone]) => {
    const at = name in milestoneOverrides ? ['targets', target, 'milestones', name] : ['milestones', name];
    milestone.after.forEach((stepId, index) => {
      if (finallySteps.some((step) => step.id === stepId)) {
        fail('EUNKNOWNREF', `milestone "${name}" names finally step "${stepId}"`, [...at, 'after', index], 'a milestone measures recovery; teardown (finally) steps are not part of it: name steps in phases');
      } else if (!stepLocations.has(stepId)) {
        fail('EUNKNOWNREF', `milestone "${name}" names unknown step "${stepId}"`, [...at, 'after', index], `use ids of steps in phases: ${closest(stepId, steps.map((step) => step.id)) ?? steps[0]?.id ?? ''}`);
      }
    });
    const objective = spec.objectives.rto[name];
    return { name, description: milestone.description, after: milestone.after, objectiveMs: objective === undefined ? undefined : parseDuration(objective) };
  });
  for (const name of Object.keys(spec.objectives.rto)) {
    if (!(name in spec.milestones)) {
      fail('EUNKNOWNREF', `RTO objective for unknown milestone "${name}"`, ['objectives', 'rto', name], `define it under milestones: (known: ${Object.keys(spec.milestones).join(', ') || 'none'})`);
    }
  }
  const rpoObjectives = Object.entries(spec.objectives.rpo).map(([dataClass, objective]) => ({ dataClass, objectiveMs: parseDuration(objective) }));
  for (const { dataClass } of rpoObjectives) {
    if (![...steps, ...finallySteps].some((step) => step.rpoClass === dataClass)) {
      fail('EUNKNOWNREF', `RPO objective for data class "${dataClass}" that no step measures`, ['objectives', 'rpo', dataClass], `add rpo: ${dataClass} to the restore step that brings this data back, or remove the objective`);
    }
  }
  for (const step of [...steps, ...finallySteps]) {
    if (step.rpoClass && !(step.rpoClass in spec.objectives.rpo)) {
      fail('EUNKNOWNREF', `step "${step.id}" records RPO for data class "${step.rpoClass}" that has no objective`, [...stepLocations.get(step.id)!, 'rpo'], `add it under objectives.rpo or use one of: ${Object.keys(spec.objectives.rpo).join(', ') || 'none'}`);
    }
  }

  // Negative controls: the steps they fault and expect to fail exist.
  const knownSteps = [...stepLocations.keys()];
  spec.controls.forEach((control, index) => {
    const check = (stepId: string, at: (string | number)[]) => {
      if (!stepLocations.has(stepId)) fail('EUNKNOWNREF', `control "${control.name}" names unknown step "${stepId}"`, at, `use one of: ${closest(stepId, knownSteps) ?? knownSteps.join(', ')}`);
    };
    for (const stepId of Object.keys(control.faults)) check(stepId, ['controls', index, 'faults', stepId]);
    control.detectedBy?.forEach((stepId, at) => check(stepId, ['controls', index, 'detectedBy', at]));
  });

  if (errors.length > 0) throw new DrillErrors(errors);
  return {
    file: loaded.file,
    drillDir: path.dirname(path.resolve(loaded.file)),
    drill: spec,
    target,
    variables,
    phases,
    steps,
    finallySteps,
    milestones,
    rpoObjectives,
    secretEnv: spec.secrets,
  };
}

/**
 * Only the teardown: the `finally` steps of a run that could not finish its own (a CI job killed
 * after its grace period). Nothing else runs and nothing is measured.
 */
export function teardownPlan(plan: Plan): Plan {
  return { ...plan, phases: [], steps: [], milestones: [], rpoObjectives: [] };
}

/** Run ids name Terraform workspaces (drill-<id>) and Kubernetes objects: DNS-label characters only. */
export const RUN_ID_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/**
 * Validate inputs as far as they are known before the run: problems at fields whose value holds
 * a `${steps...}` or `${run...}` expression are left to the run, where the value exists.
 */
function validateInputs(schema: z.ZodType, inputs: Record<string, unknown>, at: (string | number)[], locate: LoadedDrill['locate']): DrillError[] {
  const result = schema.safeParse(inputs);
  if (result.success) return [];
  return result.error.issues
    .filter((issue) => !hasExpressionAt(inputs, issue.path))
    .map((issue) => {
      const issuePath = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
      const fieldPath = [...at, ...issuePath];
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown input "${issue.keys.join('", "')}"`
          : issue.code === 'invalid_type' && getAt(inputs, issuePath) === undefined
            ? `missing required input "${formatFieldPath(issuePath)}"`
            : `${formatFieldPath(issuePath)}: ${issue.message.replace(/^Invalid input: /, '')}`;
      return new DrillError('EINPUT', message, {
        details: 'see `dr-drill kinds` for the inputs of each step kind',
        location: locate(issue.code === 'unrecognized_keys' ? [...fieldPath, issue.keys[0] ?? ''] : fieldPath),
      });
    });
}

function hasExpressionAt(inputs: unknown, issuePath: readonly PropertyKey[]): boolean {
  for (let length = issuePath.length; length >= 0; length--) {
    const value = getAt(inputs, issuePath.slice(0, length));
    if (typeof value === 'string') return referencesIn(value).length > 0;
    if (value !== undefined) return false;
  }
  return false;
}

function getAt(value: unknown, at: readonly PropertyKey[]): unknown {
  let current = value;
  for (const part of at) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function checkReference(
  reference: Reference,
  step: PlannedStep,
  runsBefore: (before: string, after: string) => boolean,
  stepLocations: Map<string, unknown>,
  variables: Record<string, string>,
  finallySteps: PlannedStep[],
): { message: string; fix: string } | undefined {
  const [root, name, third] = reference.path;
  switch (root) {
    case 'steps': {
      if (!name || third !== 'outputs' || reference.path.length < 4) {
        return { message: `malformed reference ${reference.text}`, fix: 'write ${steps.<id>.outputs.<key>}' };
      }
      if (!stepLocations.has(name)) return { message: `${reference.text} names unknown step "${name}"`, fix: 'use the id of a step that runs before this one' };
      if (step.finally) {
        // Teardown runs whatever happened, also when no other step ran: it can rely only on finally steps before it.
        const earlier = finallySteps.findIndex((candidate) => candidate.id === name) < finallySteps.findIndex((candidate) => candidate.id === step.id);
        if (!finallySteps.some((candidate) => candidate.id === name) || !earlier) {
          return { message: `${reference.text}: a finally step cannot rely on step "${name}", which may not have run (teardown runs also after a failure or cancellation)`, fix: 'derive the value from ${run.id} or ${vars.X} (e.g. workspace: drill-${run.id}), or read it from an earlier finally step' };
        }
        return undefined;
      }
      if (!runsBefore(name, step.id)) {
        return { message: `${reference.text} refers to step "${name}", which does not finish before this step`, fix: 'move the step after it, or add its phase to this phase\'s dependsOn' };
      }
      return undefined;
    }
    case 'vars':
      if (!name || !(name in variables)) return { message: `${reference.text}: variable "${name}" is not defined`, fix: 'add it under variables:' };
      return undefined;
    case 'env':
    case 'run':
    case 'drill':
    case 'target':
      return name ? undefined : { message: `malformed reference ${reference.text}`, fix: `write \${${root}.<name>}` };
    default:
      // Reported where the string is, with every other malformed expression (expressionProblems).
      return undefined;
  }
}

function walkStringsAt(value: unknown, at: (string | number)[], visit: (text: string, at: (string | number)[]) => void): void {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) value.forEach((item, index) => walkStringsAt(item, [...at, index], visit));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walkStringsAt(item, [...at, key], visit);
}

/**
 * Whether step `before` finishes before step `after` starts. Steps of a phase run in order and a
 * phase starts after its dependencies, so this is step order within a phase, else phase ancestry.
 */
function stepPrecedence(steps: PlannedStep[], phases: PlannedPhase[]): (before: string, after: string) => boolean {
  const place = new Map(steps.map((step, index) => [step.id, { phase: step.phase, index }]));
  const phaseDeps = new Map(phases.map((phase) => [phase.name, phase.dependsOn]));
  const phaseBefore = ancestry([...phaseDeps.keys()], (phase) => phaseDeps.get(phase) ?? []);
  return (before, after) => {
    const a = place.get(before);
    const b = place.get(after);
    if (!a || !b) return false;
    return a.phase === b.phase ? a.index < b.index : phaseBefore(a.phase, b.phase);
  };
}

/** The candidate within edit distance 3, for "did you mean" hints. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * A target's override is a stand-in when it says so, replaces the step's kind, or marks it not
 * applicable: the drill's step is then not done for real there, and every report says what it stood for.
 */
export function standInOf(original: StepSpec, override: { kind?: string | undefined; notApplicable?: string | undefined; standIn?: string | undefined } | undefined): string | undefined {
  if (!override) return undefined;
  if (override.standIn) return override.standIn;
  const what = `${original.kind} step "${original.name ?? original.id}"`;
  if (override.notApplicable) return `${what}: not run on this target`;
  if (override.kind && override.kind !== original.kind) return `${what}, replaced by ${override.kind}`;
  return undefined;
}

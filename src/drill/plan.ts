/**
 * From a loaded drill to a validated plan: a DAG of steps with resolved timeouts, the
 * cross-field rules (unique ids, phase dependencies without cycles, known step kinds, inputs,
 * references), milestones and objectives. Pure: nothing here touches the world.
 */
import path from 'node:path';
import { DrillError, DrillErrors } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import { closest } from '../util/closest.ts';
import { expressionProblems, referencesIn } from './expressions.ts';
import type { LoadedDrill } from './load.ts';
import { formatFieldPath } from './load.ts';
import { findCycle, topologicalOrder } from './graph.ts';
import { planControls } from './controls.ts';
import { planObjectives } from './objectives.ts';
import { checkReference, stepPrecedence, walkStringsAt } from './references.ts';
import { validateInputs } from './step-inputs.ts';

import type { Plan, PlanFail, PlannedPhase, PlannedStep, StepRegistry } from './plan-types.ts';
import type { StepSpec, TargetKind } from './schema.ts';

export { closest } from '../util/closest.ts';
export type { Plan, PlanFail, PlannedControl, PlannedMilestone, PlannedPhase, PlannedStep, StepRegistry } from './plan-types.ts';

export function buildPlan(loaded: LoadedDrill, registry: StepRegistry, options: { target?: TargetKind } = {}): Plan {
  const { spec, locate } = loaded;
  const errors: DrillError[] = [];
  const target = options.target ?? spec.target;
  const problem = (...[code, message, at, details]: Parameters<PlanFail>) => new DrillError(code, message, { details, location: locate(at) });
  const fail: PlanFail = (...args) => errors.push(problem(...args));

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

  const { milestones, rpoObjectives } = planObjectives({ spec, target, steps, finallySteps, stepLocations, runsBefore, fail });
  const controls = planControls({ spec, target, steps, finallySteps, stepLocations, milestones, fail, problem });

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
    controls,
    secretEnv: spec.secrets,
  };
}

/**
 * Only the teardown: the `finally` steps of a run that could not finish its own (a CI job killed
 * after its grace period). Nothing else runs and nothing is measured.
 */
export function teardownPlan(plan: Plan): Plan {
  return { ...plan, phases: [], steps: [], milestones: [], rpoObjectives: [], controls: [] };
}

/** Run ids name Terraform workspaces (drill-<id>) and Kubernetes objects: DNS-label characters only. */
export const RUN_ID_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

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

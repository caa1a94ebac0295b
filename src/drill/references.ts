/** The reference rules: what `${steps.X}`, `${vars.X}` and the other roots may name, and which steps finish before which. */
import type { Reference } from './expressions.ts';
import { ancestry } from './graph.ts';
import type { PlannedPhase, PlannedStep } from './plan-types.ts';

export function checkReference(
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

export function walkStringsAt(value: unknown, at: (string | number)[], visit: (text: string, at: (string | number)[]) => void): void {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) value.forEach((item, index) => walkStringsAt(item, [...at, index], visit));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walkStringsAt(item, [...at, key], visit);
}

/**
 * Whether step `before` finishes before step `after` starts. Steps of a phase run in order and a
 * phase starts after its dependencies, so this is step order within a phase, else phase ancestry.
 */
export function stepPrecedence(steps: PlannedStep[], phases: PlannedPhase[]): (before: string, after: string) => boolean {
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


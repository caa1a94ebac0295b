/** The milestone and objective rules of a plan: every name they use exists and means what it says. */
import { parseDuration } from '../util/duration.ts';
import { closest } from '../util/closest.ts';
import type { PlanFail, PlannedMilestone, PlannedStep } from './plan-types.ts';
import type { DrillFile, TargetKind } from './schema.ts';

export interface ObjectiveRuleInput {
  spec: DrillFile;
  target: TargetKind;
  steps: PlannedStep[];
  finallySteps: PlannedStep[];
  stepLocations: Map<string, (string | number)[]>;
  runsBefore: (before: string, after: string) => boolean;
  fail: PlanFail;
}

export function planObjectives({ spec, target, steps, finallySteps, stepLocations, runsBefore, fail }: ObjectiveRuleInput): { milestones: PlannedMilestone[]; rpoObjectives: { dataClass: string; objectiveMs: number }[] } {
  // A milestone measured `from` a step needs that step to end before every step it is reached by;
  // otherwise its RTO could be negative or meaningless.
  const checkMilestoneStart = (name: string, from: string, after: string[], at: (string | number)[]) => {
    if (finallySteps.some((step) => step.id === from)) {
      fail('EUNKNOWNREF', `milestone "${name}" is measured from finally step "${from}"`, [...at, 'from'], 'measure from a step in phases (the step that caused the disaster, e.g. the one that applied the bad revision)');
    } else if (!stepLocations.has(from)) {
      fail('EUNKNOWNREF', `milestone "${name}" is measured from unknown step "${from}"`, [...at, 'from'], `use the id of a step in phases: ${closest(from, steps.map((step) => step.id)) ?? steps[0]?.id ?? ''}`);
    } else {
      const notAfter = after.filter((stepId) => stepLocations.has(stepId) && !runsBefore(from, stepId));
      if (notAfter.length > 0) {
        fail('EUNKNOWNREF', `milestone "${name}" is measured from step "${from}", which does not finish before ${notAfter.join(', ')}`, [...at, 'from'], 'measure from a step that runs before every step in after: (an earlier step of the same phase, or a step of a phase they depend on)');
      }
    }
  };
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
    if (milestone.from !== undefined) checkMilestoneStart(name, milestone.from, milestone.after, at);
    const objective = spec.objectives.rto[name];
    return { name, description: milestone.description, after: milestone.after, from: milestone.from, fromTime: milestone.fromTime ?? 'event', objectiveMs: objective === undefined ? undefined : parseDuration(objective) };
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

  return { milestones, rpoObjectives };
}

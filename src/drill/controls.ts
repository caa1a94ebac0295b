/**
 * The negative-control rules of a plan: each control resolved for the target, naming steps and
 * objectives that exist (always checked). Whether the target can inject its faults is recorded on
 * the control, not failed here: a drill whose controls only sim can inject still runs on local;
 * `run --controls` on local refuses those controls, at their fields (run-drill).
 */
import { DrillError } from '../util/errors.ts';
import { closest } from '../util/closest.ts';
import { faultProblem, injectsFaults, type FaultName } from './faults.ts';
import type { PlanFail, PlannedControl, PlannedMilestone, PlannedStep } from './plan-types.ts';
import type { DrillFile, TargetKind } from './schema.ts';

export interface ControlRuleInput {
  spec: DrillFile;
  target: TargetKind;
  steps: PlannedStep[];
  finallySteps: PlannedStep[];
  stepLocations: Map<string, (string | number)[]>;
  milestones: PlannedMilestone[];
  fail: PlanFail;
  /** The same problem as `fail` would record, as an error to keep for later. */
  problem: (...args: Parameters<PlanFail>) => DrillError;
}

export function planControls({ spec, target, steps, finallySteps, stepLocations, milestones, fail, problem: located }: ControlRuleInput): PlannedControl[] {
  const names = spec.controls.map((control) => control.name);
  for (const [targetName, options] of Object.entries(spec.targets)) {
    for (const overridden of Object.keys((options as { controls?: Record<string, unknown> } | undefined)?.controls ?? {})) {
      if (!names.includes(overridden)) fail('EUNKNOWNREF', `targets.${targetName}.controls names unknown control "${overridden}"`, ['targets', targetName, 'controls', overridden], `override one of: ${closest(overridden, names) ?? (names.join(', ') || 'none (define it under controls first)')}`);
    }
  }
  const planned = new Map([...steps, ...finallySteps].map((step) => [step.id, step]));
  const knownSteps = [...stepLocations.keys()];
  const overrides = spec.targets[target]?.controls ?? {};
  return spec.controls.map((control, index): PlannedControl => {
    if (names.indexOf(control.name) !== index) fail('EDRILLSCHEMA', `duplicate control name "${control.name}"`, ['controls', index, 'name'], 'give every control a unique name: reports and their directories are named after it');
    const override = overrides[control.name];
    const overrideAt = ['targets', target, 'controls', control.name];
    const faults = (override?.faults ?? control.faults) as Record<string, FaultName>;
    const faultsAt = override?.faults ? [...overrideAt, 'faults'] : ['controls', index, 'faults'];
    const detectedBy = override?.detectedBy ?? control.detectedBy;
    const detectedAt = override?.detectedBy ? [...overrideAt, 'detectedBy'] : ['controls', index, 'detectedBy'];
    const stepExists = (stepId: string, at: (string | number)[]) => {
      if (stepLocations.has(stepId)) return true;
      fail('EUNKNOWNREF', `control "${control.name}" names unknown step "${stepId}"`, at, `use one of: ${closest(stepId, knownSteps) ?? knownSteps.join(', ')}`);
      return false;
    };
    // Like a milestone whose steps do not apply, a control whose every faulted step does not run here does not apply.
    const skipped = Object.keys(faults).filter((stepId) => planned.get(stepId)?.notApplicable);
    const notApplicable = override?.notApplicable ?? (skipped.length > 0 && skipped.length === Object.keys(faults).length ? `the step${skipped.length > 1 ? 's' : ''} it faults do${skipped.length > 1 ? '' : 'es'} not run on ${target}: ${skipped.map((stepId) => `${stepId} (${planned.get(stepId)!.notApplicable})`).join(', ')}` : undefined);
    const problems: DrillError[] = [];
    for (const [stepId, fault] of Object.entries(faults)) {
      if (!stepExists(stepId, [...faultsAt, stepId]) || notApplicable || !injectsFaults(target)) continue;
      const step = planned.get(stepId)!;
      const problem = step.notApplicable ? { message: `it injects "${fault}" into step "${stepId}", which is not applicable on ${target}`, fix: 'attach the fault to a step that runs on this target' } : faultProblem(target, fault, stepId, step.kind);
      if (problem) problems.push(located('EUSAGE', `control "${control.name}": ${problem.message}`, [...faultsAt, stepId], `${problem.fix}; or give it targets.${target}.controls.${control.name} with faults: this target injects, or notApplicable: why not`));
    }
    detectedBy?.forEach((detector, at) => {
      const [what, objective] = detector.includes(':') ? (detector.split(':') as [string, string]) : [undefined, detector];
      if (what === undefined) stepExists(detector, [...detectedAt, at]);
      else if (what === 'rto' && !milestones.some((milestone) => milestone.name === objective)) fail('EUNKNOWNREF', `control "${control.name}" is detected by unknown milestone "${objective}"`, [...detectedAt, at], `use rto:<milestone> with one of: ${milestones.map((milestone) => milestone.name).join(', ') || 'none'}`);
      else if (what === 'rpo' && !(objective in spec.objectives.rpo)) fail('EUNKNOWNREF', `control "${control.name}" is detected by data class "${objective}", which has no RPO objective`, [...detectedAt, at], `use rpo:<data class> with one of: ${Object.keys(spec.objectives.rpo).join(', ') || 'none'}`);
    });
    return { name: control.name, description: control.description, faults, detectedBy, notApplicable, problems };
  });
}

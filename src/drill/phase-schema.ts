/** The schema of a drill's phases, steps, milestones and objectives. */
import { z } from 'zod';
import { name, objective, retryDelay, stepTimeout, MAX_RETRY_DELAY } from './schema-fields.ts';

export const stepSchema = z
  .strictObject({
    id: name.meta({ description: 'Unique step id; referenced by milestones and by `${steps.<id>.outputs.<key>}`.' }),
    name: z.string().optional().meta({ description: 'Human-readable name for reports; defaults to the id.' }),
    kind: z.string().meta({ description: 'Registered step kind, e.g. terraform.apply, flux.wait, velero.restore. `dr-drill kinds` lists them.' }),
    with: z
      .record(z.string(), z.unknown())
      .default({})
      .meta({ description: 'Inputs of the step kind. Strings may use ${env.X}, ${vars.X}, ${steps.<id>.outputs.<key>}, ${run.id}, ${run.dir}, ${drill.dir}.' }),
    timeout: stepTimeout.default('10m'),
    retries: z.int().min(0).max(20).default(0).meta({ description: 'Further attempts after a failure (not after a timeout of the whole drill or a cancellation).' }),
    retryDelay: retryDelay.default('10s').meta({ description: `Wait before the first retry, at most ${MAX_RETRY_DELAY}; doubles for each further retry (capped at 10 minutes).` }),
    rpo: name.optional().meta({ description: 'Data class (a key of objectives.rpo) that the RPO samples of this step count towards.' }),
    description: z.string().optional(),
  })
  .meta({ id: 'Step', description: 'One action of a registered kind with its own timeout and retry policy.' });

export const phaseSchema = z.strictObject({
  name: name.meta({ description: 'Phase name; one JUnit test suite per phase.' }),
  description: z.string().optional(),
  dependsOn: z
    .array(name)
    .optional()
    .meta({ description: 'Phases that must finish first. Without it a phase follows the phase before it; with it, independent phases run in parallel.' }),
  steps: z.array(stepSchema).min(1, { error: 'a phase needs at least one step' }).meta({ description: 'Steps, run one after the other.' }),
});

export const milestoneSchema = z.strictObject({
  after: z.array(name).min(1).meta({ description: 'Step ids; the milestone is reached when all of them have passed.' }),
  from: name
    .optional()
    .meta({
      description:
        'Measure from this step instead of T0 (e.g. the step that saw a bad revision applied, or the baseline before the node failure): the RTO is the time from that step\'s event (see fromTime) to the milestone. The step must pass, and run before every `after` step.',
    }),
  fromTime: z
    .enum(['event', 'step-end'])
    .default('event')
    .meta({
      description:
        'When the from-step\'s event happened. event (default): the instant the awaited object itself records (its condition\'s lastTransitionTime), never later than the step\'s end, else the step\'s end: for a step that waits for something happening on its own (Flux applying a revision). step-end: the step\'s end: for a baseline check before the drill itself causes the failure (a drain after it), where the objects\' earlier times are not the event.',
    }),
  description: z.string().optional(),
});

export const objectivesSchema = z.strictObject({
  rto: z
    .record(name, objective)
    .default({})
    .meta({ description: 'Recovery time objective per milestone: the milestone must be reached within this time after T0 (the declared disaster).' }),
  rpo: z
    .record(name, objective)
    .default({})
    .meta({ description: 'Recovery point objective per data class: restored data may be at most this old at T0.' }),
});

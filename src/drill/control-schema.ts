/** The schema of negative controls: the faults a control injects and what must catch them, with per-target overrides. */
import { z } from 'zod';
import { FAULT_NAMES, faultsOf } from './faults.ts';
import { name } from './schema-fields.ts';

const faults = z
  .record(z.string(), z.enum(FAULT_NAMES))
  .refine((value) => Object.keys(value).length > 0, { error: 'a control needs at least one fault' })
  .meta({
    description: `Faults by step id. sim: fail, hang or slow (the step itself). local: a fault planted in the world the step meets (before T0, in the cluster it creates, or as it starts), one of: ${faultsOf('local')}. A fault the target cannot inject is refused.`,
    examples: [{ 'velero-restore': 'fail' }, { 'velero-restore': 'tampered-backup' }],
  });

/** A step id, or `rto:<milestone>` / `rpo:<data class>`: that objective must fail. */
const detector = z.string().regex(/^(?:(?:rto|rpo):)?[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/, { error: 'a step id, or rto:<milestone> or rpo:<data class> (e.g. rpo:data)' });

const detectedBy = z
  .array(detector)
  .optional()
  .meta({ description: 'What must catch the fault for the control to count as detected: step ids that must fail (or time out), and rto:<milestone> / rpo:<data class> objectives that must not be met. Default: the drill must turn red.' });

export const controlSchema = z
  .strictObject({
    name: name.meta({ description: 'Control name, e.g. tampered-backup; used in reports.' }),
    description: z.string().optional().meta({ description: 'The fault this control stands for (a tampered backup, a wrong age key, a missing canary, ...).' }),
    faults,
    detectedBy,
  })
  .meta({ description: 'A negative control: a fault the drill must detect. dr-drill run --controls runs each after the drill; it passes only when the drill turns red.' });

export const controlOverrideSchema = z
  .strictObject({
    faults: faults.optional(),
    detectedBy,
    notApplicable: z.string().min(1).optional().meta({ description: 'The target cannot inject this control\'s fault, and why; it is reported as not applicable and does not run there.' }),
  })
  .meta({ description: 'How a control differs on this target: the faults this target injects for it, what catches them there, or why it does not apply.' });

/**
 * velero.location: make a Velero backup storage location read-only for the drill, and put it
 * back afterwards. A drill cluster that restores from production's bucket must never write to it
 * (a drill's own schedule or a garbage collection would change production's backups).
 *
 *   - id: bsl-read-only            # before velero.restore
 *     kind: velero.location
 *     with: { name: default, accessMode: ReadOnly }
 *   finally:
 *   - id: bsl-put-back             # always: restores the mode the first step found
 *     kind: velero.location
 *     with: { name: default, restore: true }
 *
 * The mode found is kept on the location itself (annotation dr-drill.io/previous-access-mode),
 * so the finally step needs no output of a step that may not have run.
 */
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const VELERO = 'velero.io/v1';
export const PREVIOUS_MODE_ANNOTATION = 'dr-drill.io/previous-access-mode';

const inputs = z
  .strictObject({
    namespace: z.string().default('velero').meta({ description: 'Namespace Velero runs in.' }),
    name: z.string().default('default').meta({ description: 'BackupStorageLocation name.' }),
    accessMode: z.enum(['ReadOnly', 'ReadWrite']).optional().meta({ description: 'Set this access mode (ReadOnly for a drill), remembering the one found.' }),
    restore: z.boolean().default(false).meta({ description: 'Put back the access mode an earlier velero.location step found (use in finally).' }),
  })
  .refine((value) => (value.accessMode !== undefined) !== value.restore, { error: 'give either accessMode: (set it) or restore: true (put it back), not both' });

export const veleroLocation = defineStep({
  kind: 'velero.location',
  summary: 'set a Velero backup storage location ReadOnly for the drill (and put the previous mode back in finally with restore: true)',
  inputs,
  preflight: (input) => ({
    backupLocations: [{ use: input.restore ? 'put-back' : input.accessMode === 'ReadOnly' ? 'set-read-only' : 'set-writable', namespace: input.namespace ?? 'velero', name: input.name ?? 'default' }],
  }),
  async run(context, input) {
    const cluster = await context.cluster();
    const ref = { apiVersion: VELERO, kind: 'BackupStorageLocation', namespace: input.namespace, name: input.name };
    const location = await cluster.get(ref);
    if (!location) {
      throw new DrillError('EVELERO', `backup storage location ${input.namespace}/${input.name} not found`, { details: 'list them with: velero backup-location get' });
    }
    const current: string = location.spec?.accessMode ?? 'ReadWrite';
    const remembered = location.metadata.annotations?.[PREVIOUS_MODE_ANNOTATION];
    if (input.restore) {
      if (!remembered) {
        context.log.info(`backup storage location ${input.name}: nothing to put back (no ${PREVIOUS_MODE_ANNOTATION} annotation)`);
        return { accessMode: current, changed: false };
      }
      await cluster.patch(ref, { metadata: { annotations: { [PREVIOUS_MODE_ANNOTATION]: null } }, spec: { accessMode: remembered } });
      context.log.info(`backup storage location ${input.name}: access mode ${current} -> ${remembered} (put back)`);
      return { accessMode: remembered, changed: remembered !== current };
    }
    const wanted = input.accessMode!;
    if (current === wanted) {
      context.log.info(`backup storage location ${input.name} is already ${wanted}`);
      return { accessMode: wanted, previousAccessMode: current, changed: false };
    }
    // Remember the first mode found: a retry must not record ReadOnly as the one to restore.
    await cluster.patch(ref, { metadata: { annotations: { [PREVIOUS_MODE_ANNOTATION]: remembered ?? current } }, spec: { accessMode: wanted } });
    context.log.info(`backup storage location ${input.name}: access mode ${current} -> ${wanted}`);
    return { accessMode: wanted, previousAccessMode: remembered ?? current, changed: true };
  },
});

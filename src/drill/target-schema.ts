/** The schema of a drill's per-target options: the sim and local targets, real targets, and per-step overrides. */
import { z } from 'zod';
import { controlOverrideSchema } from './control-schema.ts';
import { milestoneSchema } from './phase-schema.ts';
import { duration, name, stepTimeout } from './schema-fields.ts';

export const stepOverrideSchema = z
  .strictObject({
    kind: z.string().optional().meta({ description: 'Use this step kind on this target instead.' }),
    with: z.record(z.string(), z.unknown()).optional().meta({ description: 'Inputs on this target (replace the step\'s inputs).' }),
    timeout: stepTimeout.optional(),
    rpo: name.optional().meta({ description: 'Data class the RPO samples of this step count towards on this target (e.g. when another kind measures the data here).' }),
    notApplicable: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Do not run this step on this target, and say why; it counts as done for dependencies and milestones and is reported as not applicable.' }),
    standIn: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'What the drill\'s step stands for that this target does not do for real (e.g. "talosctl health of the Talos nodes: a kwok node that runs no kubelet"); listed as a stand-in in plan, console and every report. A step whose kind the target replaces, or that it marks not applicable, is a stand-in even without it.' }),
  })
  .meta({ description: 'How a step differs on this target.' });

const targetCommon = {
  milestones: z
    .record(name, milestoneSchema)
    .default({})
    .meta({ description: 'Milestones defined differently on this target (e.g. critical-apps without an app the target does not have); reports name the override.' }),
  variables: z.record(z.string(), z.string()).default({}).meta({ description: 'Variables that override `variables` on this target; may use ${target.*}.' }),
  steps: z
    .record(name, stepOverrideSchema)
    .default({})
    .meta({ description: 'Per-step differences on this target, by step id (another kind, other inputs, or not applicable).' }),
  controls: z
    .record(name, controlOverrideSchema)
    .default({})
    .meta({ description: 'Per-control differences on this target, by control name: the faults this target injects instead, what catches them, or not applicable.' }),
};

export const simTargetSchema = z.strictObject({
  timeScale: z.number({ error: 'must be a number' }).gt(0, { error: 'must be greater than 0 (drill milliseconds per real millisecond)' }).max(1e9, { error: 'must be at most 1e9' }).optional().meta({ description: 'Replay at this pace (drill milliseconds per real millisecond, e.g. 600: an hour in 6 seconds) to watch the drill; unset: as fast as possible. Figures never depend on it: sim runs on a virtual clock.' }),
  durations: z
    .record(z.string(), duration)
    .default({})
    .meta({ description: 'How long simulated work takes, by step id or simulated component (e.g. terraform-apply: 14m, flux/apps: 20m).' }),
  cluster: z
    .enum(['provisioned-by-drill', 'existing'])
    .default('provisioned-by-drill')
    .meta({ description: 'provisioned-by-drill: a provisioning step creates the simulated cluster (cold start); existing: it is there from the start (namespace restore on an existing cluster).' }),
  backupAge: duration.default('5h').meta({ description: 'Age at T0 of the newest simulated backup.' }),
  configAge: duration.default('20m').meta({ description: 'Age at T0 of the newest simulated Git commit.' }),
  sops: z
    .boolean()
    .default(false)
    .meta({ description: 'Seal the simulated GitOps tree as production\'s is sealed: a .sops.yaml and the apps layer\'s Secrets encrypted for a production age key the target generates (its file is ${target.ageKeyFile}), the apps Kustomization decrypting with flux-system/sops-age.' }),
  backupLocationAccessMode: z.enum(['ReadOnly', 'ReadWrite']).default('ReadOnly').meta({ description: 'Access mode of the simulated Velero backup storage location; ReadWrite rehearses a location the drill could write (refused).' }),
  ...targetCommon,
});

const realTargetBase = targetCommon;

export const localTargetSchema = z.strictObject({
  gitops: z
    .string()
    .optional()
    .meta({
      description:
        'GitOps tree the local target serves as "production\'s" Git repository (relative to the drill file; ${env.X} allowed). Default: the built-in sample (infrastructure-controllers, infrastructure-configs, apps with paperless and mediabox). Its clusters/drill/ holds the Flux Kustomizations.',
    }),
  ...realTargetBase,
});

export const targetsSchema = z.strictObject({
  sim: simTargetSchema.optional(),
  local: localTargetSchema.optional(),
  kubeconfig: z
    .strictObject({
      ...realTargetBase,
      kubeconfig: z.string().optional().meta({ description: 'Path of the kubeconfig; defaults to $KUBECONFIG.' }),
      context: z.string().optional().meta({ description: 'Context to use; must not be a production context.' }),
    })
    .optional(),
  'proxmox-talos': z.strictObject({ ...realTargetBase }).optional(),
});

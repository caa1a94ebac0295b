/**
 * local.up and local.down: create and remove the disposable cluster of the `local` target (the
 * local stand-in for terraform.apply / terraform.destroy, which recreate Talos VMs on Proxmox).
 * Both refuse to run on another target.
 */
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';

function control(context: StepContext, kind: string) {
  const local = context.target.localCluster;
  if (!local) {
    throw new DrillError('EINPUT', `${kind} runs only on the local target, not ${context.target.kind}`, {
      details: `use it in targets.local.steps.<id> (kind: ${kind}); other targets provision with terraform.apply or command`,
    });
  }
  return local;
}

const upInputs = z.strictObject({
  nodes: z.int().min(1).max(20).optional().meta({ description: 'Fake nodes kwok-node-0 … kwok-node-<n-1> that join before Flux applies anything (default 1); node-loss drills need several.' }),
  gitBranch: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The branch of the target\'s Git repository Flux syncs, e.g. drill/${run.id} created by git.branch (default: the branch the target serves as production\'s).' }),
});

export const localUp = defineStep({
  kind: 'local.up',
  summary: 'local target: start the disposable cluster (kwok control plane, fake nodes, real Flux) and bootstrap Flux from the target\'s Git server',
  inputs: upInputs,
  async run(context, input) {
    const shape = { ...(input.nodes !== undefined ? { nodes: input.nodes } : {}), ...(input.gitBranch !== undefined ? { gitBranch: input.gitBranch } : {}) };
    const started = await control(context, 'local.up').up((line) => context.log.info(line), shape);
    if (input.gitBranch !== undefined) context.log.info(`Flux syncs branch ${input.gitBranch}`);
    context.log.info(`local cluster ${started.name} is up; kubeconfig ${started.kubeconfigPath}`);
    return { cluster: started.name, kubeconfig: started.kubeconfigPath, startupMs: started.timings['total'] ?? 0 };
  },
});

export const localDown = defineStep({
  kind: 'local.down',
  summary: 'local target: stop the disposable cluster and prove that no process or file is left',
  inputs: z.strictObject({}),
  async run(context) {
    const stopped = await control(context, 'local.down').down((line) => context.log.info(line));
    if (!stopped) context.log.info('no local cluster was running: nothing to remove');
    return { removed: stopped?.name ?? '' };
  },
});

/**
 * local.node-join: a new kwok node joins the local target's cluster (the local stand-in for
 * reprovisioning a Talos node with the Taskfile or Terraform after `talosctl reset`). The node is
 * created as the target registers it, not waited for: kwok-controller reports it Ready, which the
 * drill's own check measures.
 * Refuses to run on another target, where a fake node would be a lie.
 */
import { z } from 'zod';
import { DrillError, errorMessage } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';
import { statusOf } from '../kubernetes/drain.ts';

const inputs = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a node name (lower-case DNS name, e.g. kwok-node-1)' }).meta({ description: 'The node that joins, e.g. the name of the node that was reset.' }),
  labels: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra node labels (a node pool, a topology zone).' }),
});

export const localNodeJoin = defineStep({
  kind: 'local.node-join',
  summary: 'local target: a new kwok node joins the cluster (stand-in for reprovisioning a reset node)',
  inputs,
  async run(context, input) {
    if (!context.target.localCluster) {
      throw new DrillError('EINPUT', `local.node-join runs only on the local target, not ${context.target.kind}`, { details: 'use it in targets.local.steps.<id> (kind: local.node-join); other targets reprovision the node with command or terraform.apply' });
    }
    const cluster = await context.cluster();
    const { node, statusFrom } = context.target.localCluster.joiningNode(context.stepId, input.name, input.labels);
    try {
      await cluster.create(node);
    } catch (error) {
      if (statusOf(error) === 409) throw new DrillError('ECLUSTER', `node ${input.name} already exists`, { details: 'a reprovisioned node joins after the old one is gone: remove its Node object first (k8s.delete, the reset stand-in)', cause: error });
      throw new DrillError('ECLUSTER', `node ${input.name} could not join: ${errorMessage(error)}`, { cause: error });
    }
    context.log.info(`node/${input.name} created; its status comes from ${statusFrom}`);
    return { node: input.name };
  },
});

/** k8s.uncordon: make a node schedulable again (kubectl uncordon) once it is back and healthy. */
import { z } from 'zod';
import { conditionOf } from '../../contract/cluster.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const inputs = z.strictObject({
  node: z.string().min(1),
  requireReady: z.boolean().default(true).meta({ description: 'Refuse to uncordon a node that is not Ready (pods would be scheduled onto a broken node).' }),
  allowUnowned: z.boolean().default(false).meta({ description: 'On an existing cluster: uncordon a node this run did not create.' }),
});

export const kubernetesUncordon = defineStep({
  kind: 'k8s.uncordon',
  summary: 'make a node schedulable again (kubectl uncordon), only when it is Ready',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const ref = { apiVersion: 'v1', kind: 'Node', name: input.node };
    const node = await cluster.get(ref);
    if (!node) throw new DrillError('EINPUT', `node ${input.node} not found`);
    if (context.target.kind === 'kubeconfig' && !input.allowUnowned && node.metadata.labels?.['dr-drill.io/run'] !== context.runId) {
      throw new DrillError('EPRODTARGET', `refusing to uncordon node ${input.node}: this drill run did not create it`, { details: 'set allowUnowned: true for the node the drill drained on purpose' });
    }
    if (input.requireReady && conditionOf(node, 'Ready')?.status !== 'True') {
      throw new DrillError('ECLUSTER', `node ${input.node} is not Ready (${conditionOf(node, 'Ready')?.message ?? 'no Ready condition'})`, { details: 'wait for the node first (k8s.wait with condition Ready)' });
    }
    const all = (node.spec?.taints ?? []) as { key: string }[];
    const taints = all.filter((taint) => taint.key !== 'node.kubernetes.io/unschedulable');
    // A node that rejoined as a new Node object (reset and reprovisioned) is not cordoned any more.
    const cordoned = node.spec?.unschedulable === true || taints.length !== all.length;
    if (!cordoned) {
      context.log.info(`node/${input.node} already uncordoned`);
      return { node: input.node, wasCordoned: false };
    }
    await cluster.patch(ref, { spec: { unschedulable: null, taints } });
    context.log.info(`node/${input.node} uncordoned`);
    return { node: input.node, wasCordoned: true };
  },
});

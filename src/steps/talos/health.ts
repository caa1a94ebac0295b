/**
 * talos.health: `talosctl health` with the drill's talosconfig, then the Kubernetes API must
 * answer and every node must be Ready (runbook 002: "Control Plane online").
 */
import { z } from 'zod';
import { conditionOf } from '../../contract/cluster.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const inputs = z.strictObject({
  talosconfig: z.string().optional().meta({ description: 'talosconfig path; default: the one the provisioning step wrote.' }),
  endpoints: z.array(z.string()).default([]),
  nodes: z.array(z.string()).default([]).meta({ description: 'Node to run the checks from (--nodes); default: the talosconfig\'s.' }),
  controlPlaneNodes: z.array(z.string()).default([]),
  workerNodes: z.array(z.string()).default([]),
  waitTimeout: z.string().default('20m').meta({ description: 'talosctl --wait-timeout.' }),
  expectedNodes: z.int().positive().optional().meta({ description: 'Fail unless at least this many Kubernetes nodes are Ready.' }),
});

export const talosHealth = defineStep({
  kind: 'talos.health',
  summary: 'talosctl health, then the Kubernetes API answers and all nodes are Ready',
  inputs,
  preflight: () => ({ tools: ['talosctl'] }),
  async run(context, input) {
    const talosconfig = input.talosconfig ?? context.target.talosconfigPath;
    if (!talosconfig) {
      throw new DrillError('EINPUT', 'no talosconfig', { details: 'give talosconfig:, or run a provisioning step that writes one (terraform.apply with talosconfigOutput)' });
    }
    const list = (flag: string, values: string[]) => (values.length > 0 ? [flag, values.join(',')] : []);
    await context.shell.run(
      'talosctl',
      ['--talosconfig', talosconfig, ...list('--endpoints', input.endpoints), ...list('--nodes', input.nodes), 'health', ...list('--control-plane-nodes', input.controlPlaneNodes), ...list('--worker-nodes', input.workerNodes), '--wait-timeout', input.waitTimeout],
      { signal: context.signal },
    );
    const cluster = await context.cluster();
    const { items } = await cluster.list('v1', 'Node');
    const notReady = items.filter((node) => conditionOf(node, 'Ready')?.status !== 'True').map((node) => node.metadata.name);
    context.log.info(`Kubernetes API at ${cluster.description}: ${items.length} node(s), ${items.length - notReady.length} Ready`);
    if (notReady.length > 0) throw new DrillError('ETALOS', `node(s) not Ready: ${notReady.join(', ')}`);
    if (input.expectedNodes !== undefined && items.length < input.expectedNodes) {
      throw new DrillError('ETALOS', `only ${items.length} of ${input.expectedNodes} expected nodes joined the cluster`);
    }
    return { nodes: items.length };
  },
});

/**
 * k8s.delete: delete objects (by name or label selector) and wait until they are gone — the
 * scratch namespaces a namespace-restore drill created, in `finally`. Missing objects are fine.
 */
import { z } from 'zod';
import type { Cluster } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const inputs = z
  .strictObject({
    apiVersion: z.string().default('v1'),
    kind: z.string().default('Namespace'),
    namespace: z.string().optional(),
    names: z.array(z.string()).default([]),
    labelSelector: z.string().optional().meta({ description: 'Delete every object with these labels, e.g. dr-drill.io/run=${run.id}.' }),
    wait: z.boolean().default(true).meta({ description: 'Wait until the objects are gone (namespaces finalize).' }),
    allowUnowned: z
      .boolean()
      .default(false)
      .meta({ description: 'On the kubeconfig target (an existing cluster) only objects this run created may be deleted: their name holds the run id, or they carry dr-drill.io/run=<run id>. Set true to lift that guard.' }),
  })
  .refine((value) => value.names.length > 0 || value.labelSelector, { error: 'give names: or labelSelector:' });

export const kubernetesDelete = defineStep({
  kind: 'k8s.delete',
  summary: 'delete objects by name or label (scratch namespaces) and wait until they are gone',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const namespace = input.namespace ? { namespace: input.namespace } : {};
    const selected = input.labelSelector ? (await cluster.list(input.apiVersion, input.kind, { ...namespace, labelSelector: input.labelSelector })).items.map((item) => item.metadata.name) : [];
    const names = [...new Set([...input.names, ...selected])];
    if (context.target.kind === 'kubeconfig' && !input.allowUnowned) await refuseUnowned(cluster, input, names, context.runId);
    for (const name of names) {
      await cluster.delete({ apiVersion: input.apiVersion, kind: input.kind, name, ...namespace });
      context.log.info(`deleted ${input.kind} ${input.namespace ? `${input.namespace}/` : ''}${name}`);
    }
    if (input.wait && names.length > 0) {
      await waitForObjects(
        cluster,
        { apiVersion: input.apiVersion, kind: input.kind, ...namespace },
        (view) => ([...view.values()].some((object) => names.includes(object.metadata.name)) ? undefined : true),
        { signal: context.signal, clock: context.clock, log: context.log },
      );
    }
    return { deleted: names };
  },
});

/** An existing cluster is not the drill's to clean up: touch only what this run created. */
async function refuseUnowned(cluster: Cluster, input: { apiVersion: string; kind: string; namespace?: string | undefined }, names: string[], runId: string): Promise<void> {
  const unowned: string[] = [];
  // The run id as a whole dash-separated part of the name (paperless-drill-<id>), never a substring.
  const ownName = new RegExp(`(^|-)${runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|-)`);
  for (const name of names) {
    if (ownName.test(name)) continue;
    const object = await cluster.get({ apiVersion: input.apiVersion, kind: input.kind, name, ...(input.namespace ? { namespace: input.namespace } : {}) });
    if (object && object.metadata.labels?.['dr-drill.io/run'] !== runId) unowned.push(name);
  }
  if (unowned.length > 0) {
    throw new DrillError('EPRODTARGET', `refusing to delete ${input.kind} ${unowned.join(', ')}: not created by this drill run`, {
      details: `on an existing cluster k8s.delete removes only objects whose name holds the run id (e.g. paperless-drill-\${run.id}) or that carry the label dr-drill.io/run=${runId}; set allowUnowned: true if deleting them is intended`,
    });
  }
}

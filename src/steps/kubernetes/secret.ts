/**
 * k8s.secret: create or replace a Secret from files, as `kubectl create secret generic NAME
 * --from-file=KEY=FILE` does, e.g. the new age key in flux-system/sops-age that kustomize-controller
 * decrypts with (runbook 000: the sops-age Secret). The values are masked before the API sees them;
 * `replace` drops the keys the files do not name (a revoked key leaves the cluster with it).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';

const RUN_LABEL = 'dr-drill.io/run';

const inputs = z.strictObject({
  namespace: z.string().default('flux-system'),
  name: z.string().default('sops-age'),
  files: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: 'a Secret key ([-._a-zA-Z0-9]+)' }), z.string().min(1)).refine((files) => Object.keys(files).length > 0, { error: 'name at least one key: file' }).meta({ description: 'Secret keys and the files their values come from, e.g. { age.agekey: ${steps.new-key.outputs.keyFile} }.' }),
  replace: z.boolean().default(true).meta({ description: 'Remove the keys of an existing Secret that files: does not name (true), or keep them (false: add a key next to the old one).' }),
  createNamespace: z.boolean().default(false).meta({ description: 'Create the namespace when it does not exist (before Flux is installed).' }),
  allowUnowned: z.boolean().default(false).meta({ description: 'On the kubeconfig target (an existing cluster) only a Secret this run created may be replaced; true lifts that guard.' }),
});

/** Masks a file's value: an age key file by its identities (its public key comment stays readable), anything else whole and line by line. */
function registerValue(context: StepContext, text: string): void {
  const identities = text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
  if (identities.length > 0) for (const identity of identities) context.addSecret(identity);
  else context.addSecret(text);
}

export const kubernetesSecret = defineStep({
  kind: 'k8s.secret',
  summary: 'create or replace a Secret from files (kubectl create secret generic --from-file), values masked: e.g. the new age key in flux-system/sops-age',
  inputs,
  async run(context, input) {
    const data: Record<string, string> = {};
    for (const [key, file] of Object.entries(input.files)) {
      const resolved = path.resolve(context.drillDir, file);
      const text = await readFile(resolved, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new DrillError('EINPUT', `files.${key}: ${resolved} cannot be read (${error.code ?? String(error)})`, { details: 'name a file that exists when the step runs (e.g. an age.keygen output)' });
      });
      registerValue(context, text);
      data[key] = Buffer.from(text).toString('base64');
    }
    const cluster = await context.cluster();
    const ref = { apiVersion: 'v1', kind: 'Secret', name: input.name, namespace: input.namespace };
    const existing = await cluster.get(ref);
    const keys = Object.keys(data);
    if (!existing) {
      if (input.createNamespace && !(await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: input.namespace }))) {
        await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: input.namespace } });
        context.log.info(`created namespace ${input.namespace}`);
      }
      await cluster.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: input.name, namespace: input.namespace, labels: { [RUN_LABEL]: context.runId } }, type: 'Opaque', data });
      context.log.info(`created Secret ${input.namespace}/${input.name} with ${keys.join(', ')}`);
      return { secret: `${input.namespace}/${input.name}`, keys, removed: [], created: true };
    }
    if (context.target.kind === 'kubeconfig' && !input.allowUnowned && existing.metadata.labels?.[RUN_LABEL] !== context.runId) {
      throw new DrillError('EPRODTARGET', `refusing to replace Secret ${input.namespace}/${input.name} on an existing cluster: this run did not create it`, { details: `replacing a decryption Secret the cluster's Flux uses cuts it off its key; give the drill its own cluster, or set allowUnowned: true` });
    }
    const removed = input.replace ? Object.keys((existing.data ?? {}) as Record<string, string>).filter((key) => !(key in data)) : [];
    // A JSON merge patch: null removes a key.
    await cluster.patch(ref, { data: { ...Object.fromEntries(removed.map((key) => [key, null])), ...data } });
    context.log.info(`replaced ${keys.join(', ')} in Secret ${input.namespace}/${input.name}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}`);
    return { secret: `${input.namespace}/${input.name}`, keys, removed, created: false };
  },
});

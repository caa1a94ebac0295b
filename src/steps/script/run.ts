/**
 * script: run an app restore script (a TypeScript or JavaScript module whose default export is
 * an async function) with the drill context: logger, abort signal, shell, cluster, kubeconfig,
 * a zx-style `$` and `recordRpo`. Runbook 000's GitLab database restore ships as an example.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext, type StepOutputs } from '../../contract/step.ts';
import { commandTemplate, type CommandTemplate } from './command-template.ts';

export interface ScriptContext extends StepContext {
  /** The step's `with.args`. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The drill cluster's kubeconfig path (also in KUBECONFIG for commands). */
  readonly kubeconfig: string | undefined;
  /** Run a command through the step's shell: `await $\`kubectl get pods -n ${ns}\``. */
  readonly $: CommandTemplate;
}

export type DrillScript = (context: ScriptContext) => Promise<StepOutputs | void>;

const inputs = z.strictObject({
  file: z.string().meta({ description: 'Script path relative to the drill file, e.g. scripts/gitlab-database-restore.ts.' }),
  args: z.record(z.string(), z.unknown()).default({}).meta({ description: 'Values the script reads from context.args.' }),
});

export const script = defineStep({
  kind: 'script',
  summary: 'run an app restore script (default-exported async function) with the drill context',
  inputs,
  async run(context, input) {
    const file = path.resolve(context.drillDir, input.file);
    try {
      await access(file);
    } catch {
      throw new DrillError('EINPUT', `script ${input.file} not found`, { details: `looked for ${file}; paths are relative to the drill file` });
    }
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (typeof module.default !== 'function') {
      throw new DrillError('EINPUT', `script ${input.file} has no default-exported function`, { details: 'write: export default async function (context) { ... }' });
    }
    const scriptContext: ScriptContext = {
      ...context,
      args: input.args,
      kubeconfig: context.target.kubeconfigPath,
      $: commandTemplate(context.shell, context.signal),
    };
    return (module.default as DrillScript)(scriptContext);
  },
});

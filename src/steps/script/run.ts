/**
 * script: run an app restore script (a TypeScript or JavaScript module whose default export is
 * an async function) with the drill context: logger, abort signal, shell, cluster, kubeconfig,
 * a zx-style `$` and `recordRpo`. Runbook 000's GitLab database restore ships as an example.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { access, realpath } from 'node:fs/promises';
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

const inputs = z
  .strictObject({
    file: z.string().meta({ description: 'Script path relative to the drill file, inside the drill\'s directory, e.g. scripts/gitlab-database-restore.ts.' }),
    args: z.record(z.string(), z.unknown()).default({}).meta({ description: 'Values the script reads from context.args.' }),
    allowOutsideDrillDir: z.boolean().default(false).meta({ description: 'Run a script outside the drill file\'s directory (refused by default: a drill runs only code that ships with it).' }),
  })
  .superRefine((input, context) => {
    // Known before the run (plan, validate): a path that leaves the drill's tree by its spelling.
    if (!input.allowOutsideDrillDir && leavesTree(input.file)) context.addIssue({ code: 'custom', path: ['file'], message: outsideMessage(input.file) });
  });

function leavesTree(file: string): boolean {
  const normalized = path.normalize(file);
  return path.isAbsolute(file) || normalized === '..' || normalized.startsWith(`..${path.sep}`);
}

function outsideMessage(file: string): string {
  return `script ${file} is outside the drill's directory; move it under the drill's directory (e.g. scripts/), or set allowOutsideDrillDir: true on this step to run it from there`;
}

/** The script's real path, refused when it (or a symlink on the way) leads out of the drill's tree. */
async function resolveScript(drillDir: string, file: string, allowOutside: boolean): Promise<string> {
  const resolved = path.resolve(drillDir, file);
  let real: string;
  try {
    await access(resolved);
    real = await realpath(resolved);
  } catch {
    throw new DrillError('EINPUT', `script ${file} not found`, { details: `looked for ${resolved}; paths are relative to the drill file` });
  }
  const root = await realpath(drillDir).catch(() => path.resolve(drillDir));
  const relative = path.relative(root, real);
  if (!allowOutside && (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))) {
    throw new DrillError('EINPUT', `script ${file} resolves to ${real}, outside the drill's directory ${root}`, { details: outsideMessage(file) });
  }
  return real;
}

export const script = defineStep({
  kind: 'script',
  summary: 'run an app restore script (default-exported async function) with the drill context',
  inputs,
  async run(context, input) {
    const file = await resolveScript(context.drillDir, input.file, input.allowOutsideDrillDir);
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

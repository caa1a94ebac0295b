/**
 * command: run a program, for Taskfile/talhelper repositories (runbook 002: `task
 * bootstrap:talos`, `task bootstrap:apps`) and anything else without a dedicated kind. KUBECONFIG,
 * TALOSCONFIG and SOPS_AGE_KEY_FILE point at the drill's own files.
 */
import path from 'node:path';
import { access, chmod, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { credentialsIn } from '../util/credentials.ts';
import { DrillError } from '../util/errors.ts';
import { tailOf } from '../util/output-limits.ts';
import { defineStep, withClusterAccess, type PreflightNeeds } from '../contract/step.ts';

const inputs = z.strictObject({
  run: z.array(z.string()).min(1).meta({ description: 'Program and arguments, e.g. [task, bootstrap:talos].' }),
  cwd: z.string().optional().meta({ description: 'Working directory (relative to the drill file).' }),
  env: z.record(z.string(), z.string()).default({}),
  kubeconfig: z.string().optional().meta({ description: 'Where the command writes the drill cluster\'s kubeconfig (KUBECONFIG is set to it); later steps use it.' }),
  talosconfig: z.string().optional().meta({ description: 'Where the command writes the talosconfig (TALOSCONFIG is set to it).' }),
  ageKeyFile: z.string().optional().meta({ description: 'SOPS age key file (SOPS_AGE_KEY_FILE is set to it).' }),
  quiet: z.boolean().default(false).meta({ description: 'The command prints secrets that cannot be known before (a new token, a secrets bundle): the log gets the command and a byte count, never its output.' }),
});

export const command = defineStep({
  kind: 'command',
  summary: 'run a program (task bootstrap:talos, flux bootstrap git, ...) with the drill\'s KUBECONFIG/TALOSCONFIG',
  inputs,
  preflight: (input) => {
    const run = (input.run ?? []).map((arg) => arg ?? '');
    const workspace = terraformWorkspaceIn(run);
    return { tools: [input.run?.[0]], cwd: input.cwd, ageKeyFile: input.ageKeyFile, gitWrites: branchesWrittenBy(run), ...(workspace ? { terraform: { workspace } } : {}) };
  },
  async run(context, input) {
    const resolve = (file: string | undefined) => (file ? path.resolve(context.drillDir, file) : undefined);
    const kubeconfig = resolve(input.kubeconfig) ?? context.target.kubeconfigPath;
    const talosconfig = resolve(input.talosconfig) ?? context.target.talosconfigPath;
    const env: Record<string, string> = { ...input.env };
    if (kubeconfig) env.KUBECONFIG = kubeconfig;
    if (talosconfig) env.TALOSCONFIG = talosconfig;
    if (input.ageKeyFile) env.SOPS_AGE_KEY_FILE = resolve(input.ageKeyFile)!;
    const [program, ...args] = input.run;
    const written = [['kubeconfig', input.kubeconfig && kubeconfig], ['talosconfig', input.talosconfig && talosconfig]] as const;
    // A command that writes cluster credentials may also print them (`terraform output kubeconfig`,
    // talosctl gen config): hold its output back until the credentials are known and masked.
    const holdBack = written.some(([, file]) => file);
    const held: string[] = [];
    const registerCredentials = async () => {
      for (const [, file] of written) {
        if (!file) continue;
        const text = await readFile(file, 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        for (const credential of credentialsIn(text)) context.addSecret(credential);
        context.addSecret(text, { wholeOnly: true });
        await chmod(file, 0o600);
      }
    };
    const flush = () => {
      for (const line of held.splice(0)) context.log.debug(line);
    };
    let result;
    try {
      result = await context.shell.run(program!, args, {
        cwd: resolve(input.cwd) ?? context.drillDir,
        env,
        signal: context.signal,
        ...(input.quiet ? { quiet: true } : holdBack ? { quiet: true, onLine: (line: string, stream: 'stdout' | 'stderr') => held.push(`${stream === 'stderr' ? '! ' : '> '}${line}`) } : {}),
      });
    } finally {
      await registerCredentials();
      flush();
    }
    const produced: { kubeconfig?: string; talosconfig?: string } = {};
    for (const [name, file] of written) {
      if (!file) continue;
      try {
        await access(file);
      } catch {
        throw new DrillError('ECOMMAND', `${program} did not write the ${name} at ${file}`, { details: `check where the command writes it and set ${name}: accordingly` });
      }
      produced[name] = file;
    }
    const outputs = { exitCode: result.exitCode, stdoutTail: input.quiet ? '' : tailOf(result.stdout, 5) };
    return Object.keys(produced).length > 0 ? withClusterAccess(outputs, produced) : outputs;
  },
});

/** Branches a command commits to: `flux bootstrap` (its --branch, main by default) and `git push <remote> <refspec>...`. */
function branchesWrittenBy(run: string[]): NonNullable<PreflightNeeds['gitWrites']> {
  const [program = '', ...args] = run;
  const name = path.basename(program);
  if (name === 'flux' && args.includes('bootstrap')) {
    const index = args.findIndex((arg) => arg === '--branch' || arg.startsWith('--branch='));
    if (index < 0) return [{ branch: 'main', via: 'flux bootstrap (--branch defaults to main)' }];
    const option = args[index]!;
    const branch = option.includes('=') ? option.slice('--branch='.length) : args[index + 1];
    return branch ? [{ branch, via: 'flux bootstrap' }] : [];
  }
  if (name === 'git' && args.includes('push')) {
    const positional = args.slice(args.indexOf('push') + 1).filter((arg) => !arg.startsWith('-'));
    // git push <remote> <refspec>...: the branch written is the refspec's destination.
    return positional.slice(1).map((refspec) => ({ branch: refspec.split(':').at(-1)!, via: 'git push' }));
  }
  return [];
}

/** `terraform|tofu [-chdir=..] workspace select|new [-or-create] NAME`. */
function terraformWorkspaceIn(run: string[]): string | undefined {
  if (!['terraform', 'tofu'].includes(path.basename(run[0] ?? ''))) return undefined;
  const index = run.indexOf('workspace');
  if (index < 0 || !['select', 'new'].includes(run[index + 1] ?? '')) return undefined;
  return run.slice(index + 2).find((arg) => !arg.startsWith('-'));
}

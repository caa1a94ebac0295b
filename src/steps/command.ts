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
import { defineStep, withClusterAccess } from '../contract/step.ts';

const inputs = z.strictObject({
  run: z.array(z.string()).min(1).meta({ description: 'Program and arguments, e.g. [task, bootstrap:talos].' }),
  cwd: z.string().optional().meta({ description: 'Working directory (relative to the drill file).' }),
  env: z.record(z.string(), z.string()).default({}),
  kubeconfig: z.string().optional().meta({ description: 'Where the command writes the drill cluster\'s kubeconfig (KUBECONFIG is set to it); later steps use it.' }),
  talosconfig: z.string().optional().meta({ description: 'Where the command writes the talosconfig (TALOSCONFIG is set to it).' }),
  ageKeyFile: z.string().optional().meta({ description: 'SOPS age key file (SOPS_AGE_KEY_FILE is set to it).' }),
});

export const command = defineStep({
  kind: 'command',
  summary: 'run a program (task bootstrap:talos, flux bootstrap git, ...) with the drill\'s KUBECONFIG/TALOSCONFIG',
  inputs,
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
        ...(holdBack ? { quiet: true, onLine: (line: string, stream: 'stdout' | 'stderr') => held.push(`${stream === 'stderr' ? '! ' : '> '}${line}`) } : {}),
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
    const outputs = { exitCode: result.exitCode, stdoutTail: tailOf(result.stdout, 5) };
    return Object.keys(produced).length > 0 ? withClusterAccess(outputs, produced) : outputs;
  },
});

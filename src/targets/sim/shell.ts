/** The simulated target's shell: dispatches each command to its simulated tool. */
import path from 'node:path';
import type { CommandOptions, CommandResult, Shell } from '../../contract/shell.ts';
import { echo, falseTool, task, trueTool } from './tools/basic.ts';
import { flux } from './tools/flux.ts';
import { git } from './tools/git.ts';
import { kubectl } from './tools/kubectl.ts';
import { restic } from './tools/restic.ts';
import { sops } from './tools/sops.ts';
import { ageKeygen } from './tools/age-keygen.ts';
import { talosctl } from './tools/talosctl.ts';
import { terraform } from './tools/terraform.ts';
import type { SimTool } from './tools/types.ts';
import type { SimWorld } from './world.ts';

export const SIM_TOOLS: Record<string, SimTool> = {
  terraform,
  tofu: terraform,
  talosctl,
  git,
  flux,
  kubectl,
  restic,
  sops,
  'age-keygen': ageKeygen,
  task,
  echo,
  true: trueTool,
  false: falseTool,
};

export function simShell(world: SimWorld, stepId: string): Shell {
  return {
    which: async (command) => (SIM_TOOLS[path.basename(command)] ? `/sim/bin/${path.basename(command)}` : undefined),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const started = world.clock.monotonic();
      const tool = SIM_TOOLS[path.basename(command)];
      if (!tool) throw new Error(`${command} is not installed or not on PATH (the simulated target provides: ${Object.keys(SIM_TOOLS).join(', ')})`);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const emit = (stream: 'stdout' | 'stderr', sink: string[]) => (text: string) => {
        for (const line of text.split('\n')) {
          sink.push(line);
          options.onLine?.(line, stream);
        }
      };
      const exitCode = await tool({
        args,
        env: { ...options.env },
        cwd: options.cwd,
        input: options.input,
        world,
        fault: world.faultOfStep(stepId),
        signal: options.signal ?? new AbortController().signal,
        out: emit('stdout', stdout),
        err: emit('stderr', stderr),
      });
      return { command, args, exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n'), durationMs: world.clock.monotonic() - started };
    },
  };
}

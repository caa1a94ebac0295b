/** A simulated command-line tool: parses real arguments, answers in the real tool's format. */
import type { Fault, SimWorld } from '../world.ts';

export interface ToolInvocation {
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string | undefined;
  input: string | undefined;
  world: SimWorld;
  fault: Fault | undefined;
  signal: AbortSignal;
  /** Print a line as the tool would, as it happens. */
  out(line: string): void;
  err(line: string): void;
}

/** Resolves to the exit code. */
export type SimTool = (call: ToolInvocation) => Promise<number>;

/** Value of `--flag value` or `--flag=value` (and a short alias), or undefined. */
export function flag(args: string[], ...names: string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    for (const name of names) {
      if (arg === name) return args[index + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

export function positionals(args: string[], flagsWithValues: string[]): string[] {
  const result: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      result.push(...args.slice(index + 1));
      break;
    }
    if (arg.startsWith('-')) {
      if (flagsWithValues.includes(arg)) index++;
      continue;
    }
    result.push(arg);
  }
  return result;
}

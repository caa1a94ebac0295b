/**
 * A zx-style tagged template that runs through the step's shell (so scripts run unchanged on the
 * simulated target): `await $\`kubectl -n ${ns} scale deploy/${name} --replicas=0\``. Each
 * interpolation is one argument (arrays are several); nothing goes through a system shell, so
 * values need no quoting.
 */
import type { CommandResult, Shell } from '../../contract/shell.ts';

export type CommandTemplate = (strings: TemplateStringsArray, ...values: unknown[]) => Promise<CommandResult>;

export function commandTemplate(shell: Shell, signal: AbortSignal): CommandTemplate {
  return (strings, ...values) => {
    const argv = splitArguments(strings, values);
    const [program, ...args] = argv;
    if (!program) return Promise.reject(new Error('empty command'));
    return shell.run(program, args, { signal });
  };
}

export function splitArguments(strings: readonly string[], values: readonly unknown[]): string[] {
  const argv: string[] = [];
  let current = '';
  let hasCurrent = false;
  const flush = () => {
    if (hasCurrent) argv.push(current);
    current = '';
    hasCurrent = false;
  };
  strings.forEach((literal, index) => {
    for (const char of literal) {
      if (/\s/.test(char)) flush();
      else {
        current += char;
        hasCurrent = true;
      }
    }
    if (index >= values.length) return;
    const value = values[index];
    if (Array.isArray(value)) {
      flush();
      argv.push(...value.map(String));
    } else {
      current += String(value);
      hasCurrent = true;
    }
  });
  flush();
  return argv;
}

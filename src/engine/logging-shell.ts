/** Wraps a step's shell so every command and its output land in the step's log, masked. */
import { DrillError } from '../util/errors.ts';
import type { Logger } from '../steps/types.ts';
import { renderCommand, type CommandOptions, type CommandResult, type Shell } from './shell.ts';

const TAIL_LINES = 20;

export function loggingShell(inner: Shell, log: Logger, baseEnv: () => Record<string, string | undefined>): Shell {
  return {
    // Look programs up on the PATH they will run with, not this process's.
    which: (command) => inner.which(command, baseEnv()['PATH']),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const rendered = renderCommand(command, args);
      log.info(`$ ${rendered}`);
      const result = await inner.run(command, args, {
        ...options,
        env: { ...baseEnv(), ...options.env },
        onLine: (line, stream) => {
          if (!options.quiet) log.debug(`${stream === 'stderr' ? '! ' : '> '}${line}`);
          options.onLine?.(line, stream);
        },
      });
      if (options.quiet) log.debug(`(${result.stdout.length} bytes of output not logged: it may hold secrets)`);
      if (result.exitCode !== 0 && !options.allowFailure) {
        const output = options.quiet ? result.stderr.trim() : result.stderr.trim() || result.stdout.trim();
        const tail = output.split('\n').slice(-TAIL_LINES).join('\n');
        throw new DrillError('ECOMMAND', `${command} exited with code ${result.exitCode}`, {
          details: `command: ${rendered}\n${tail}`,
        });
      }
      return result;
    },
  };
}

/** Wraps a step's shell so every command and its output land in the step's log, masked. */
import { DrillError } from '../util/errors.ts';
import type { Logger } from '../contract/step.ts';
import { renderCommand, type CommandOptions, type CommandResult, type Shell } from '../contract/shell.ts';

const TAIL_LINES = 20;

export function loggingShell(inner: Shell, log: Logger, baseEnv: () => Record<string, string | undefined>): Shell {
  return {
    which: (command) => inner.which(command),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const rendered = renderCommand(command, args);
      // A stopped step starts nothing new: its script's next command must not run behind teardown's back.
      if (options.signal?.aborted) throw options.signal.reason ?? new DrillError('ECANCELLED', `not started: ${rendered}`);
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

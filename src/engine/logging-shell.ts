/**
 * Wraps a step's shell so every command and its output land in the step's log, masked and
 * bounded: output is masked as a stream (a secret split over lines or chunks is still one
 * secret), then each command's lines are capped (outputLimits: the first part, a marker of what
 * was cut, the last part).
 */
import { DrillError } from '../util/errors.ts';
import type { Masker } from '../util/mask.ts';
import { LineBudget, outputLimits, tailOf } from '../util/output-limits.ts';
import type { Logger } from '../contract/step.ts';
import { renderCommand, type CommandOptions, type CommandResult, type Shell } from '../contract/shell.ts';

const TAIL_LINES = 20;

export interface LoggingShellOptions {
  /** Masks the output as a stream before it is cut; without it, each logged line is masked alone by the logger. */
  masker?: Masker;
}

export function loggingShell(inner: Shell, log: Logger, baseEnv: () => Record<string, string | undefined>, shellOptions: LoggingShellOptions = {}): Shell {
  return {
    // Look programs up on the PATH they will run with, not this process's.
    which: (command) => inner.which(command, baseEnv()['PATH']),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const rendered = renderCommand(command, args);
      // A stopped step starts nothing new: its script's next command must not run behind teardown's back.
      if (options.signal?.aborted) throw options.signal.reason ?? new DrillError('ECANCELLED', `not started: ${rendered}`);
      log.info(`$ ${rendered}`);
      const env = { ...baseEnv(), ...options.env };
      const { logBytes } = outputLimits(env);
      const sinks = (['stdout', 'stderr'] as const).map((stream) => {
        const prefix = stream === 'stderr' ? '! ' : '> ';
        const logged = new LineBudget(logBytes, (line) => log.debug(`${prefix}${line}`));
        const masked = shellOptions.masker?.stream((line) => logged.push(line));
        // The caller's own handler gets the raw lines (it may know secrets only later), bounded too.
        const forwarded = options.onLine ? new LineBudget(logBytes, (line) => options.onLine!(line, stream)) : undefined;
        return {
          push(line: string) {
            if (!options.quiet) {
              if (masked) masked.push(line);
              else logged.push(line);
            }
            forwarded?.push(line);
          },
          end() {
            masked?.end();
            logged.end();
            forwarded?.end();
          },
        };
      });
      let result: CommandResult;
      try {
        result = await inner.run(command, args, { ...options, env, onLine: (line, stream) => sinks[stream === 'stderr' ? 1 : 0]!.push(line) });
      } finally {
        for (const sink of sinks) sink.end();
      }
      if (options.quiet) log.debug(`(${result.stdout.length} bytes of output not logged: it may hold secrets)`);
      if (result.exitCode !== 0 && !options.allowFailure) {
        const output = options.quiet ? result.stderr.trim() : result.stderr.trim() || result.stdout.trim();
        // Masked before it is cut, so no part of a secret survives at the cut.
        const tail = tailOf(shellOptions.masker ? shellOptions.masker.mask(tailOf(output, TAIL_LINES, 4 * 4096)) : output, TAIL_LINES);
        throw new DrillError('ECOMMAND', `${command} exited with code ${result.exitCode}`, {
          details: `command: ${rendered}\n${tail}`,
        });
      }
      return result;
    },
  };
}

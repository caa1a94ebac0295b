/** What a command gets from the process: output, environment, cancellation. Tests pass their own. */
import type { CommandSpec, ParsedArgs } from './args.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Cancellation (first SIGINT/SIGTERM, or the launcher gone) and forced stop (second signal). */
  cancelSignal?: AbortSignal;
  forceSignal?: AbortSignal;
  isTty?: boolean;
}

/** One command: its declared options and what it does; `run` returns the exit code. */
export interface Command {
  spec: CommandSpec;
  run: (parsed: ParsedArgs, io: CliIo) => Promise<number>;
}

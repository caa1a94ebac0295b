/**
 * The boundary to external programs (terraform, talosctl, flux, velero, git, restic, ...). Steps
 * only ever run commands through this interface, so the simulated target can answer them.
 */
export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  signal?: AbortSignal;
  /** Lines of output are passed here as they arrive (already masked by the caller's logger). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve with the failed result instead of throwing when the exit code is not zero. */
  allowFailure?: boolean;
  /**
   * The output may hold secrets the caller cannot register before reading it (e.g.
   * `terraform output -json`): the step log gets the command and a byte count, never the lines.
   */
  quiet?: boolean;
}

export interface CommandResult {
  command: string;
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface Shell {
  run(command: string, args: string[], options?: CommandOptions): Promise<CommandResult>;
  /** Absolute path of a program, or undefined when it is not installed (searchPath: the PATH its commands run with). */
  which(command: string, searchPath?: string): Promise<string | undefined>;
}

/** Render a command the way a person would type it, for logs and error messages. */
export function renderCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`)).join(' ');
}

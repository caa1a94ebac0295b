/** The shell for real targets: runs programs with execa, streaming lines to the step log. */
import { execa } from 'execa';
import { performance } from 'node:perf_hooks';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { CommandOptions, CommandResult, Shell } from '../engine/shell.ts';

export function realShell(): Shell {
  return {
    which: async (command, searchPath) => whichCommand(command, searchPath ?? process.env.PATH ?? ''),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const started = performance.now();
      const subprocess = execa(command, args, {
        cwd: options.cwd,
        env: options.env,
        extendEnv: true,
        input: options.input,
        cancelSignal: options.signal,
        forceKillAfterDelay: 5000,
        reject: false,
        stripFinalNewline: false,
      });
      if (options.onLine) {
        forwardLines(subprocess.stdout, (line) => options.onLine!(line, 'stdout'));
        forwardLines(subprocess.stderr, (line) => options.onLine!(line, 'stderr'));
      }
      const result = await subprocess;
      if (result.isCanceled && options.signal?.aborted) throw options.signal.reason;
      if (result.failed && result.exitCode === undefined) {
        // Not started at all (ENOENT) or killed: say which.
        throw new Error(result.code === 'ENOENT' ? `${command} is not installed or not on PATH` : result.shortMessage);
      }
      return {
        command,
        args,
        exitCode: result.exitCode ?? 1,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        durationMs: performance.now() - started,
      };
    },
  };
}

function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding?.('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split(/\r?\n/);
    buffer = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

export async function whichCommand(command: string, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  if (command.includes('/')) return (await isExecutable(command)) ? path.resolve(command) : undefined;
  for (const directory of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(directory, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The shell for real targets: runs programs with execa and streams their output. Lines go to the
 * step log as they arrive (a line longer than MAX_LINE in pieces); the step keeps each stream up
 * to the output cap (head and tail, with a marker of what was cut), so a command printing
 * hundreds of megabytes costs a bounded amount of memory.
 */
import { execa } from 'execa';
import { performance } from 'node:perf_hooks';
import { access, constants } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { CommandOptions, CommandResult, Shell } from '../contract/shell.ts';
import { BoundedText, MAX_LINE, outputLimits } from '../util/output-limits.ts';

export function realShell(): Shell {
  return {
    which: async (command, searchPath) => whichCommand(command, searchPath ?? process.env.PATH ?? ''),
    async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
      const started = performance.now();
      const { captureBytes } = outputLimits({ ...process.env, ...options.env });
      const subprocess = execa(command, args, {
        cwd: options.cwd,
        env: options.env,
        extendEnv: true,
        input: options.input,
        cancelSignal: options.signal,
        forceKillAfterDelay: 5000,
        reject: false,
        buffer: false,
      });
      const stdout = new BoundedText(captureBytes);
      const stderr = new BoundedText(captureBytes);
      const streams = [
        consume(subprocess.stdout, stdout, (line) => options.onLine?.(line, 'stdout')),
        consume(subprocess.stderr, stderr, (line) => options.onLine?.(line, 'stderr')),
      ];
      const result = await subprocess;
      await Promise.all(streams);
      if (result.isCanceled && options.signal?.aborted) throw options.signal.reason;
      if (result.failed && result.exitCode === undefined) {
        // Not started at all (ENOENT) or killed: say which.
        throw new Error(result.code === 'ENOENT' ? `${command} is not installed or not on PATH` : result.shortMessage);
      }
      return {
        command,
        args,
        exitCode: result.exitCode ?? 1,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        durationMs: performance.now() - started,
      };
    },
  };
}

/** Reads a stream to its end (a child blocks on a full pipe otherwise): kept text and lines. */
async function consume(stream: NodeJS.ReadableStream | null, kept: BoundedText, onLine: (line: string) => void): Promise<void> {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    kept.write(chunk);
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      const line = partial + chunk.slice(start, newline);
      partial = '';
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = newline + 1;
    }
    partial += chunk.slice(start);
    while (partial.length > MAX_LINE) {
      onLine(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
  });
  await finished(stream).catch(() => undefined);
  if (partial) onLine(partial);
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

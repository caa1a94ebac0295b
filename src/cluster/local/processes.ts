/** Child processes of the local cluster: long-running ones in their own process group, and run-to-completion commands. */
// node:child_process for startProcess: an unref'd process group writing to a log descriptor that outlives the call; execa's result promise would hold it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { DrillError } from '../../util/errors.ts';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited (immediately if it already has). */
  stop: (graceMs?: number) => Promise<void>;
  /** Synchronous SIGKILL of the process group, for process-exit handlers. */
  killNow: () => void;
  exited: () => boolean;
  /** Last lines of the log file, for error messages. */
  logTail: (lines?: number) => string;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function startProcess(options: StartOptions): ManagedProcess {
  const logDescriptor = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', logDescriptor, logDescriptor],
      detached: true, // own process group, so stop() reaches grandchildren too
    });
  } finally {
    closeSync(logDescriptor);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new DrillError('ELOCAL', `cannot start ${options.name} (${options.command})`, { details: `check that ${options.command} exists and is executable; npm run build:test-infra builds the local cluster binaries` });
  }
  let done = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      resolve();
    });
    child.once('error', () => {
      done = true;
      resolve();
    });
  });
  child.unref();

  const stop = async (graceMs = 5000): Promise<void> => {
    if (!done) {
      signalGroup(pid, 'SIGTERM');
      await Promise.race([exitedPromise, sleep(graceMs)]);
    }
    // The group may still hold children even after the leader exited.
    signalGroup(pid, 'SIGKILL');
    if (!done) await Promise.race([exitedPromise, sleep(2000)]);
    for (let attempt = 0; attempt < 20 && isAlive(pid) && !done; attempt++) await sleep(100);
  };

  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    stop,
    killNow: () => signalGroup(pid, 'SIGKILL'),
    exited: () => done,
    logTail: (lines) => logTail(options.logFile, lines),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to completion; never throws on a non-zero exit (only when it cannot be started). */
export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 0,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
    reject: false,
  });
  if (result.exitCode === undefined && result.signal === undefined && !result.timedOut) {
    throw new DrillError('ELOCAL', `cannot run ${command}: ${result.originalMessage ?? result.shortMessage}`, { details: `check that ${command} is installed and on PATH` });
  }
  return { code: result.exitCode ?? (result.signal !== undefined ? 128 : 1), stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command and throws ELOCAL with its output when it fails. */
export async function runChecked(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new DrillError('ELOCAL', `${command} ${args.join(' ')} exited ${result.code}`, { details: (result.stderr + result.stdout).trim().slice(-4000) });
  }
  return result.stdout;
}

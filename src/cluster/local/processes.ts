// Long-running child processes owned by the local cluster (Flux controllers,
// git server helpers). Each runs in its own process group, logs to a file, and
// is stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

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

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function startProcess(opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true, // own process group, so stop() reaches grandchildren too
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`ELOCALCLUSTER cannot start ${opts.name} (${opts.command})`);
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
    for (let i = 0; i < 20 && isAlive(pid) && !done; i++) await sleep(100);
  };

  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    stop,
    killNow: () => signalGroup(pid, 'SIGKILL'),
    exited: () => done,
    logTail: (lines) => logTail(opts.logFile, lines),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export function runCommand(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 0,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => reject(new Error(`ELOCALCLUSTER cannot run ${command}: ${e.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => undefined); // EPIPE when the command exits without reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command and throws ELOCALCLUSTER with its output when it fails. */
export async function runChecked(command: string, args: string[], opts: Parameters<typeof runCommand>[2] = {}): Promise<string> {
  const r = await runCommand(command, args, opts);
  if (r.code !== 0) {
    throw new Error(`ELOCALCLUSTER ${command} ${args.join(' ')} exited ${r.code}\n${(r.stderr + r.stdout).trim().slice(-4000)}`);
  }
  return r.stdout;
}

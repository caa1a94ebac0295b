/**
 * The reports directory of a run: checked usable before T0 (a directory it can create and write,
 * not a file, not under /proc, /sys or /dev) and locked for the run, so two runs into one --out
 * cannot interleave their logs and reports. The lock file (`.dr-drill.lock`) names the holder's
 * pid and run id; a lock whose process is gone is taken over.
 */
import { accessSync, constants, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DrillError } from './errors.ts';

export const LOCK_FILE = '.dr-drill.lock';
const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

export interface OutDirLock extends Disposable {
  readonly file: string;
  release(): void;
}

interface LockHolder {
  pid: number;
  runId: string;
  host: string;
  startedAt: string;
}

/** Refuses an unusable --out (exit 3, before anything is provisioned) and locks it for this run (`using`: released when the run ends). */
export function claimOutDir(outDir: string, runId: string): OutDirLock {
  const dir = path.resolve(outDir);
  checkOutDir(outDir, dir);
  const file = path.join(dir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, runId, host: os.hostname(), startedAt: new Date().toISOString() };
  // Written aside, then linked into place: the lock appears whole or not at all (link fails if it exists).
  const staged = `${file}.${process.pid}.${Date.now()}`;
  try {
    writeFileSync(staged, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  } catch (error) {
    throw unwritable(outDir, error);
  }
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        linkSync(staged, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(outDir, error);
        const current = readHolder(file);
        if (current && isAlive(current)) {
          throw new DrillError('EUSAGE', `--out ${outDir} is in use by run ${current.runId} (pid ${current.pid} on ${current.host}, since ${current.startedAt})`, {
            details: `two runs into one directory would mix their logs and reports: pass another --out, or wait for that run to end${current.host === os.hostname() ? '' : `; if it is gone, delete ${file}`}`,
          });
        }
        // The holder died without releasing it (killed, machine reset): the lock is stale.
        rmSync(file, { force: true });
        continue;
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { file, release, [Symbol.dispose]: release };
    }
  } finally {
    rmSync(staged, { force: true });
  }
  throw new DrillError('EUSAGE', `--out ${outDir}: could not take the lock ${file}`, { details: 'another run keeps taking it; pass another --out' });
}

/**
 * The same refusals as claimOutDir, without creating anything: for before preflight, so a drill
 * refused there leaves no directory behind. The nearest existing ancestor must be writable.
 */
export function assertOutDirUsable(outDir: string): void {
  const dir = path.resolve(outDir);
  checkOutDir(outDir, dir, false);
  let existing = dir;
  while (!pathExists(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw unwritable(outDir, error);
  }
}

function pathExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function checkOutDir(outDir: string, dir: string, create = true): void {
  if (PSEUDO_FILESYSTEMS.some((root) => dir === root || dir.startsWith(`${root}/`))) {
    throw new DrillError('EUSAGE', `--out ${outDir} is on a kernel pseudo-filesystem (${dir})`, { details: 'pass a directory for reports, e.g. --out reports' });
  }
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unwritable(outDir, error);
  }
  if (existing && !existing.isDirectory()) {
    throw new DrillError('EUSAGE', `--out ${outDir} is a file, not a directory`, { details: 'pass a directory for reports (it is created if missing), e.g. --out reports' });
  }
  if (!create) return;
  try {
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
  } catch (error) {
    throw unwritable(outDir, error);
  }
}

function unwritable(outDir: string, error: unknown): DrillError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why = { EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOTDIR: 'a parent is a file', ENOSPC: 'no space left' }[code] ?? (error as Error).message;
  return new DrillError('EUSAGE', `--out ${outDir} is not a directory dr-drill can write (${why})`, { details: 'pass a writable directory for reports, e.g. --out reports', cause: error });
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.runId !== 'string') return undefined;
    return { pid: parsed.pid, runId: parsed.runId, host: String(parsed.host ?? os.hostname()), startedAt: String(parsed.startedAt ?? 'unknown') };
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  // A lock from another machine (a shared volume) cannot be checked: it is respected.
  if (holder.host !== os.hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

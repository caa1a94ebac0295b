/**
 * Notices that the process that launched dr-drill is gone, so that the drill never outlives it.
 * npm (npx, `npm run`) runs a bin as `sh -c '<bin> …'`; a signal npm passes on kills that shell,
 * not the drill, and npm exits at once. What the drill can see is its parent vanishing (it is
 * re-parented) or, behind npm's shell, npm itself vanishing.
 */
import { readFileSync } from 'node:fs';

const POLL_MS = 200;

/** Calls `onGone` once, with a sentence saying which launcher is gone; returns a stop function. */
export function watchLauncher(onGone: (gone: string) => void): () => void {
  const parent = process.ppid;
  // Already detached (a daemon, nohup): there is no launcher to follow.
  if (parent <= 1 || ignoresHangup()) return () => undefined;
  const watched = [parent, ...(isShellWrapper(parent) && process.env.npm_lifecycle_event !== undefined ? [parentOf(parent)].filter((pid): pid is number => pid !== undefined && pid > 1) : [])];
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : watched.find((pid) => !isAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(`the launcher (process ${gone}) is gone`);
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux /proc; elsewhere only the parent itself is watched. */
function procFile(pid: number | 'self', name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

function isShellWrapper(pid: number): boolean {
  const argv = procFile(pid, 'cmdline')?.split('\0') ?? [];
  return /(^|\/)(ba|da|z)?sh$/.test(argv[0] ?? '') && argv[1] === '-c';
}

function parentOf(pid: number): number | undefined {
  // Field 4 of /proc/PID/stat, after the command name in parentheses (which may contain spaces).
  const stat = procFile(pid, 'stat');
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** `nohup` (SIGHUP ignored) says: keep running when the terminal and its shell go away. */
function ignoresHangup(): boolean {
  const ignored = procFile('self', 'status')?.match(/^SigIgn:\s*([0-9a-f]+)$/m)?.[1];
  return ignored !== undefined && (BigInt(`0x${ignored}`) & 1n) === 1n;
}

/**
 * Runs registered cleanups when the process exits or gets SIGINT/SIGTERM/SIGHUP,
 * so a failed or cancelled test never leaves a cluster behind.
 */
type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let installed = false;

function runAllOnSignal(signal: NodeJS.Signals): void {
  const pending = [...cleanups].map((cleanup) => cleanup().catch(() => undefined));
  cleanups.clear();
  void Promise.all(pending).finally(() => {
    process.kill(process.pid, signal);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => runAllOnSignal(sig));
  }
  // Last resort on a normal exit: only synchronous work is possible here, so the
  // cleanups must have a synchronous best-effort part (see registerExitCleanup).
  process.once('exit', () => {
    for (const syncCleanup of syncCleanups) syncCleanup();
  });
}

const syncCleanups = new Set<() => void>();

/**
 * Registers `cleanup` (async, for signals) and `syncFallback` (for process exit,
 * where async work cannot run). Returns an unregister function.
 */
export function registerExitCleanup(cleanup: Cleanup, syncFallback: () => void): () => void {
  install();
  cleanups.add(cleanup);
  syncCleanups.add(syncFallback);
  return () => {
    cleanups.delete(cleanup);
    syncCleanups.delete(syncFallback);
  };
}

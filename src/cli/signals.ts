/**
 * Cancellation of a drill: SIGINT/SIGTERM (a cancelled CI job, `timeout`, Ctrl-C) or the loss of
 * the launcher abort the running steps and teardown runs; a second signal stops teardown too.
 */
import { watchLauncher } from './launcher.ts';

export function cancellationOnSignals(): { cancelSignal: AbortSignal; forceSignal: AbortSignal } {
  const cancel = new AbortController();
  const force = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!cancel.signal.aborted) {
      process.stderr.write(`\n${signal} received: cancelling the drill; teardown runs (send ${signal} again to stop teardown)\n`);
      cancel.abort(new Error(`${signal} received`));
    } else if (!force.signal.aborted) {
      process.stderr.write(`\n${signal} received again: stopping teardown\n`);
      force.abort(new Error(`${signal} received twice`));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // npm's launchers (npx, npm run) keep the drill behind `sh -c`, which dies of a SIGTERM without
  // passing it on: the drill then only sees that its launcher is gone.
  watchLauncher((gone) => {
    if (cancel.signal.aborted) return;
    process.stderr.write(`\n${gone}: cancelling the drill; teardown runs\n`);
    cancel.abort(new Error(gone));
  });
  return { cancelSignal: cancel.signal, forceSignal: force.signal };
}

/**
 * SIGINT/SIGTERM (a cancelled CI job) cancel the drill: running steps are aborted and teardown
 * runs. A second signal stops teardown too.
 */
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
  return { cancelSignal: cancel.signal, forceSignal: force.signal };
}

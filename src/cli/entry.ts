/** Process wiring: signals, exit code. The only place that calls process.exit. */
import { main } from './main.ts';

export async function runCli(argv: string[]): Promise<never> {
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
  const code = await main(argv, {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cancelSignal: cancel.signal,
    forceSignal: force.signal,
    isTty: process.stdout.isTTY === true && !process.env.NO_COLOR,
  });
  process.exit(code);
}

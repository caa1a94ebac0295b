/** Process wiring: signals, exit code. The only place that calls process.exit. */
import { main } from './main.ts';
import { cancellationOnSignals } from './signals.ts';

export async function runCli(argv: string[]): Promise<never> {
  const code = await main(argv, {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    ...cancellationOnSignals(),
    isTty: process.stdout.isTTY === true && !process.env.NO_COLOR,
  });
  process.exit(code);
}

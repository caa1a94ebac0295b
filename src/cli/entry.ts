/** Process wiring: output, signals, exit code. The only place that calls process.exit, after the output has drained. */
import type { CliIo } from './io.ts';

export async function runCli(argv: string[]): Promise<never> {
  return exitWhenDrained(await runMain(argv));
}

/** `main` with the process's streams, environment and cancellation. */
export async function runMain(argv: string[], overrides: Partial<CliIo> = {}): Promise<number> {
  // A reader that went away (`| head`, a launcher that died) must not crash a drill mid-teardown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const [{ main }, signals] = await Promise.all([import('./main.ts'), isDrill(argv[0]) ? import('./signals.ts').then((module) => module.cancellationOnSignals()) : undefined]);
  return main(argv, {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    ...signals,
    isTty: process.stdout.isTTY === true && !process.env.NO_COLOR,
    ...overrides,
  });
}

/** Exit once stdout and stderr have written everything (a pipe takes its time; process.exit would cut it off). */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  })));
  process.exit(code);
}

function isDrill(command: string | undefined): boolean {
  return command === 'run' || command === 'teardown';
}

/**
 * The dr-drill command line: picks the command, parses its options, turns errors into messages and
 * exit codes (result/exit-codes.ts). Help needs nothing but the commands' declarations.
 */
import { EXIT } from '../result/exit-codes.ts';
import { DrillError, DrillErrors, formatError } from '../util/errors.ts';
import { VERSION } from '../version.ts';
import { closestName, parseCommandArgs, renderCommandHelp } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import type { CliIo } from './io.ts';

export type { CliIo } from './io.ts';

export function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  const lines = [`dr-drill ${VERSION}: disaster-recovery drills for GitOps Kubernetes clusters`, '', 'Usage: dr-drill <command> [options]', '', 'Commands:'];
  for (const { spec } of COMMANDS.values()) lines.push(`  ${spec.name.padEnd(width)}  ${spec.summary}`);
  lines.push('', '`dr-drill <command> --help` (or `dr-drill help <command>`) shows its options and an example.');
  lines.push('Exit codes: 0 passed · 1 a step failed · 2 an objective was missed · 3 invalid input · 4 internal error · 130 cancelled');
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      io.stdout(usage());
      return EXIT.invalidInput;
    }
    if (name === '--version' || name === 'version') {
      io.stdout(VERSION);
      return EXIT.passed;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = rest[0];
      io.stdout(topic === undefined ? usage() : renderCommandHelp(commandNamed(topic).spec));
      return EXIT.passed;
    }
    const command = commandNamed(name);
    const parsed = parseCommandArgs(command.spec, rest);
    if (parsed === 'help') {
      io.stdout(renderCommandHelp(command.spec));
      return EXIT.passed;
    }
    return await command.run(parsed, io);
  } catch (error) {
    // Errors outside a run (bad input, preflight) may quote the environment: mask what looks secret.
    const { Masker } = await import('../util/mask.ts');
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    io.stderr(masker.mask(formatError(error)));
    if (error instanceof DrillError || error instanceof DrillErrors) return error instanceof DrillError && error.code === 'EINTERNAL' ? EXIT.internalError : EXIT.invalidInput;
    io.stderr(masker.mask((error as Error)?.stack ?? ''));
    return EXIT.internalError;
  }
}

function commandNamed(name: string) {
  const command = COMMANDS.get(name);
  if (command) return command;
  const closest = closestName(name, [...COMMANDS.keys()]);
  throw new DrillError('EUSAGE', `unknown command "${name}"${closest ? `; did you mean "${closest}"?` : ''}`, { details: 'dr-drill --help lists the commands' });
}

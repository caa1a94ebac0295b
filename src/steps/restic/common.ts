/** What restic steps share: the repository environment (password never on argv) and restic's JSON. */
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import type { StepContext } from '../../contract/step.ts';

export const resticRepositoryInputs = {
  repository: z.string().min(1).meta({ description: 'restic repository (-r): a path, sftp:, s3:, rest:, b2:, ... URL.' }),
  password: z.string().optional().meta({ description: 'Repository password, usually ${env.RESTIC_PASSWORD}; masked everywhere, passed as RESTIC_PASSWORD, never on the command line.' }),
  passwordFile: z.string().optional().meta({ description: 'File holding the repository password (relative to the drill file); passed as RESTIC_PASSWORD_FILE.' }),
  env: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra environment for restic, e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for an s3: repository (values of *SECRET*, *PASSWORD*, *TOKEN*, *KEY* names are masked).' }),
};

export interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  hostname?: string;
  paths?: string[];
  tags?: string[];
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i;

export interface ResticRepository {
  repository: string;
  run(args: string[], options?: { allowFailure?: boolean }): ReturnType<StepContext['shell']['run']>;
}

export function openRepository(
  context: StepContext,
  input: { repository: string; password?: string | undefined; passwordFile?: string | undefined; env: Record<string, string> },
): ResticRepository {
  const env: Record<string, string | undefined> = { ...input.env };
  for (const [name, value] of Object.entries(input.env)) if (SECRET_NAME.test(name)) context.addSecret(value);
  try {
    const password = new URL(input.repository.replace(/^(s3|rest|swift|b2|azure|gs|sftp|rclone):(?=[a-z]+:\/\/)/, '')).password;
    if (password) context.addSecret(decodeURIComponent(password));
  } catch {
    // A local path or a scheme without a URL: no credentials inside.
  }
  if (input.password !== undefined) {
    if (input.password === '') throw new DrillError('EINPUT', 'the restic password is empty', { details: 'set password: to the repository password (e.g. ${env.RESTIC_PASSWORD}) and export it' });
    context.addSecret(input.password);
    env.RESTIC_PASSWORD = input.password;
    env.RESTIC_PASSWORD_FILE = undefined;
  } else if (input.passwordFile !== undefined) {
    env.RESTIC_PASSWORD_FILE = path.resolve(context.drillDir, input.passwordFile);
    env.RESTIC_PASSWORD = undefined;
  } else if (!context.env.RESTIC_PASSWORD && !context.env.RESTIC_PASSWORD_FILE && !context.env.RESTIC_PASSWORD_COMMAND && !input.env.RESTIC_PASSWORD_COMMAND) {
    throw new DrillError('EINPUT', 'no password for the restic repository', {
      details: 'give password: ${env.RESTIC_PASSWORD} or passwordFile:, or export RESTIC_PASSWORD / RESTIC_PASSWORD_FILE',
    });
  }
  if (context.env.RESTIC_PASSWORD) context.addSecret(context.env.RESTIC_PASSWORD);
  return {
    repository: input.repository,
    run: (args, options = {}) =>
      // stdin is empty: without a password restic would otherwise wait for one on the terminal.
      context.shell.run('restic', ['-r', input.repository, ...args], { signal: context.signal, env, input: '', allowFailure: true, ...options }).then((result) => {
        if (result.exitCode !== 0 && !options.allowFailure) throw resticError(input.repository, args[0] ?? '', result.exitCode, result.stderr || result.stdout);
        return result;
      }),
  };
}

/** A failed restic command as the user needs to read it: what went wrong and what to do. */
export function resticError(repository: string, command: string, exitCode: number, output: string): DrillError {
  const lines = output.trim().split('\n').filter(Boolean);
  const fatal = lines.find((line) => line.startsWith('Fatal:'))?.replace(/^Fatal:\s*/, '') ?? lines.at(-1) ?? `exit code ${exitCode}`;
  if (exitCode === 12 || /wrong password/.test(output)) {
    return new DrillError('ERESTIC', `restic ${command}: wrong password for repository ${repository}`, { details: 'check password: / passwordFile: (the repository key the backups were made with)' });
  }
  if (exitCode === 10 || /Is there a repository at the following location|repository does not exist/.test(output)) {
    return new DrillError('ERESTIC', `restic ${command}: no repository at ${repository}`, { details: `restic said: ${fatal}\ncheck repository: and the credentials in env:` });
  }
  return new DrillError('ECOMMAND', `restic ${command} exited with code ${exitCode}: ${fatal}`, { details: lines.slice(-20).join('\n') });
}

/** restic prints nanoseconds and local offsets; keep milliseconds, rounded down (conservative for an RPO). */
export function parseResticTime(time: string): Date {
  const normalized = time.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(normalized);
  if (Number.isNaN(date.getTime())) throw new DrillError('ECOMMAND', `restic printed a snapshot time that is not a time: "${time}"`);
  return date;
}

/** The JSON messages restic prints one per line with --json (status lines, a summary), skipping text lines of older versions. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      messages.push(JSON.parse(trimmed) as Record<string, unknown>);
    } catch {
      // A partial or non-JSON line: ignore.
    }
  }
  return messages;
}

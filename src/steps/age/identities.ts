/**
 * What the SOPS and age step kinds share about age key files: the identities are registered as
 * secrets before anything runs with the file (masked everywhere, in every encoding), and the
 * recipients are read with `age-keygen -y`, as an operator would.
 */
import { readFile } from 'node:fs/promises';
import { DrillError } from '../../util/errors.ts';
import type { StepContext } from '../../contract/step.ts';

const IDENTITY = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;

/** Reads an age key file and masks its identities from now on; fails when it holds none. */
export async function registerAgeKey(context: StepContext, file: string, field: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DrillError('EINPUT', `${field}: age key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { details: `point ${field} at an age key file (age-keygen -o FILE makes one)` });
  }
  const identities = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => IDENTITY.test(line));
  // Masked before the check below can fail: an error message never shows what the file holds.
  for (const identity of identities) context.addSecret(identity);
  if (identities.length === 0) {
    context.addSecret(text);
    throw new DrillError('EINPUT', `${field}: ${file} holds no AGE-SECRET-KEY-1... identity`, { details: 'give the private age key file (age-keygen -o FILE), not its public key' });
  }
  return identities;
}

/** The public keys (age1...) of an age key file's identities, from `age-keygen -y`. */
export async function recipientsOf(context: StepContext, file: string): Promise<string[]> {
  const printed = await context.shell.run('age-keygen', ['-y', file], { signal: context.signal });
  const recipients = printed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('age1'));
  if (recipients.length === 0) throw new DrillError('ESOPS', `age-keygen -y ${file} printed no age1... recipient`, { details: 'the file is not an age identity file' });
  return recipients;
}

/** The environment a sops command decrypts with: this key file and nothing else the environment may hold. */
export function sopsKeyEnv(keyFile: string): Record<string, string | undefined> {
  return { SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_KEY: undefined, SOPS_AGE_KEY_CMD: undefined, SOPS_AGE_SSH_PRIVATE_KEY_FILE: undefined };
}

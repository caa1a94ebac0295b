/** Simulated age-keygen (age 1.x): `-o FILE` writes a new X25519 identity (mode 0600) and prints its public key on stderr; `-y FILE` prints the public keys of a key file. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ageKeyFile, generateAgeKey, identitiesIn, recipientOf } from '../sops-format.ts';
import { flag, positionals, type SimTool } from './types.ts';

export const ageKeygen: SimTool = async (call) => {
  const cwd = call.cwd ?? process.cwd();
  if (call.args.includes('-y')) {
    const [file] = positionals(call.args, ['-o', '--output']);
    const text = file ? await readFile(path.resolve(cwd, file), 'utf8').catch(() => undefined) : call.input;
    if (text === undefined) {
      call.err(`age-keygen: error: failed to open input file "${file ?? ''}"`);
      return 1;
    }
    const identities = identitiesIn(text);
    if (identities.length === 0) {
      call.err('age-keygen: error: failed to parse input: no secret keys found');
      return 1;
    }
    for (const identity of identities) call.out(recipientOf(identity) ?? '');
    return 0;
  }
  const key = generateAgeKey();
  const output = flag(call.args, '-o', '--output');
  const text = ageKeyFile(key, call.world.isoTime());
  if (!output) {
    call.out(text.trimEnd());
    return 0;
  }
  try {
    // age-keygen refuses to overwrite a file (O_EXCL) and creates it 0600.
    await writeFile(path.resolve(cwd, output), text, { mode: 0o600, flag: 'wx' });
  } catch {
    call.err(`age-keygen: error: failed to open output file "${output}": file exists`);
    return 1;
  }
  call.err(`Public key: ${key.recipient}`);
  return 0;
};

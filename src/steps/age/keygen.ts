/**
 * age.keygen: a new age key (runbook 002 scenario 4: "Age Key neu erzeugen") with `age-keygen -o`,
 * into the run's private directory by default, mode 0600. The private key is registered as a
 * secret before anything could print it; the outputs are the public key and the file's path.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';
import { recipientsOf, registerAgeKey } from './identities.ts';

const inputs = z.strictObject({
  file: z.string().min(1).optional().meta({ description: 'Where to write the key (relative to the drill file); default: <run dir>/<step id>.agekey (<step id>-<attempt>.agekey on a retry). An existing file is refused.' }),
});

export const ageKeygen = defineStep({
  kind: 'age.keygen',
  summary: 'generate a new age key (age-keygen -o, mode 0600, masked); outputs its recipient and file',
  inputs,
  preflight: () => ({ tools: ['age-keygen'] }),
  async run(context, input) {
    // A retry gets a file of its own: a key from a failed attempt is never reused or overwritten.
    const file = input.file ? path.resolve(context.drillDir, input.file) : path.join(context.workDir, `${context.stepId}${context.attempt > 1 ? `-${context.attempt}` : ''}.agekey`);
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (exists) throw new DrillError('EINPUT', `file: ${file} exists already`, { details: 'a new key never overwrites a key file: name a file that does not exist, or leave file: out (the run directory)' });
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // age-keygen prints only the public key (on stderr) when it writes the key to a file.
    await context.shell.run('age-keygen', ['-o', file], { signal: context.signal });
    await chmod(file, 0o600);
    await registerAgeKey(context, file, 'file');
    const [recipient] = await recipientsOf(context, file);
    context.log.info(`new age key ${recipient} in ${file} (mode 0600)`);
    return { recipient: recipient!, keyFile: file };
  },
});

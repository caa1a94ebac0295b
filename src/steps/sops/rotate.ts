/**
 * sops.rotate: re-encrypt the drill branch's SOPS files for a new age key (runbook 002 scenario 4:
 * "alle SOPS-Secrets re-encrypten"). In a clone of the branch: `.sops.yaml`'s creation rules name
 * the new recipient instead of the current one, `sops updatekeys -y` re-wraps each file's data key
 * for them (the current key decrypts), `sops rotate -i` replaces the data key itself and
 * re-encrypts every value (the new key decrypts); then one commit, pushed to the drill branch.
 * A file it cannot re-encrypt (e.g. sealed only for a key the drill does not hold) fails the step
 * with sops' own reason, naming the file, and nothing is pushed: no file is left on the old key.
 */
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { tailOf } from '../../util/output-limits.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';
import { recipientsOf, registerAgeKey, sopsKeyEnv } from '../age/identities.ts';
import { assertDrillBranch, cloneBranch, commitInfo, git, push, registerUrlSecret } from '../git/repo.ts';
import { findSopsFiles, replaceRecipients } from './tree.ts';

const inputs = z.strictObject({
  url: z.string().min(1).meta({ description: 'Git remote URL of the GitOps repository.' }),
  branch: z.string().min(1).meta({ description: 'The drill\'s branch (its name must hold the run id), e.g. drill/${run.id}.' }),
  ageKeyFile: z.string().min(1).meta({ description: 'The current (compromised) age key: the files are encrypted for it now (relative to the drill file).' }),
  newAgeKeyFile: z.string().min(1).meta({ description: 'The new age key (e.g. ${steps.new-key.outputs.keyFile}); its recipient replaces the current one.' }),
  sopsConfig: z.string().default('.sops.yaml').meta({ description: 'The SOPS config in the repository whose creation_rules are updated.' }),
  exclude: z.array(z.string().min(1)).default([]).meta({ description: 'SOPS files (repository paths) left as they are, e.g. ones another key seals; sops.verify refuses any the new key does not open or the old key still opens.' }),
  message: z.string().min(1).optional().meta({ description: 'Commit message; default names the files and the new recipient.' }),
  allowSharedBranch: z.boolean().default(false),
});

export const sopsRotate = defineStep({
  kind: 'sops.rotate',
  summary: "re-encrypt every SOPS file of the drill branch for a new age key (.sops.yaml, sops updatekeys, sops rotate) and push",
  inputs,
  preflight: (input) => ({ tools: ['git', 'sops', 'age-keygen'], gitRemotes: [input.url], readsProduction: ['url'], ageKeyFile: input.ageKeyFile, ...(input.branch ? { gitWrites: [{ branch: input.branch, via: 'git push' }] } : {}) }),
  async run(context, input) {
    registerUrlSecret(context, input.url);
    assertDrillBranch(context, input.branch, input.allowSharedBranch);
    const currentKey = path.resolve(context.drillDir, input.ageKeyFile);
    const newKey = path.resolve(context.drillDir, input.newAgeKeyFile);
    await registerAgeKey(context, currentKey, 'ageKeyFile');
    await registerAgeKey(context, newKey, 'newAgeKeyFile');
    const current = await recipientsOf(context, currentKey);
    const [recipient] = await recipientsOf(context, newKey);
    if (current.includes(recipient!)) throw new DrillError('EINPUT', `newAgeKeyFile: ${newKey} is the current key (${recipient})`, { details: 'rotate to a key generated for the rotation (age.keygen)' });

    const dir = await cloneBranch(context, input.url, input.branch, 10);
    const rules = await replaceRecipients(path.join(dir, input.sopsConfig), current, recipient!);
    context.log.info(`${input.sopsConfig}: creation rule${rules.length === 1 ? '' : 's'} ${rules.map((rule) => rule + 1).join(', ')} now encrypt${rules.length === 1 ? 's' : ''} for ${recipient} instead of ${current.join(', ')}`);

    const found = await findSopsFiles(dir);
    const unknown = input.exclude.filter((file) => !found.has(file));
    if (unknown.length > 0) throw new DrillError('EINPUT', `exclude: ${unknown.join(', ')} is not a SOPS file of ${input.branch}`, { details: `SOPS files: ${[...found.keys()].join(', ') || 'none'}` });
    const files = [...found.keys()].filter((file) => !input.exclude.includes(file));
    if (files.length === 0) throw new DrillError('ESOPS', `branch ${input.branch} holds no SOPS-encrypted file to rotate`, { details: 'a file is found by its sops metadata (sops: ... mac:); is the tree sealed?' });
    for (const file of files) await rotateFile(context, dir, file, found.get(file)!, { current: currentKey, currentRecipients: current, next: newKey });
    if (input.exclude.length > 0) context.log.warn(`left as they are (exclude:): ${input.exclude.join(', ')}`);

    await git(context, dir, ['add', '-A']);
    await git(context, dir, ['commit', '-m', input.message ?? `secrets: re-encrypt ${files.length} SOPS file${files.length === 1 ? '' : 's'} for ${recipient} (drill ${context.runId}: key rotation)`]);
    const [commit] = await commitInfo(context, dir, 'HEAD');
    await push(context, dir, input.branch);
    context.log.info(`pushed ${commit!.sha.slice(0, 12)} to ${input.branch}: ${files.length} file${files.length === 1 ? '' : 's'} re-encrypted, ${input.sopsConfig} updated`);
    return { revision: commit!.sha, files, excluded: input.exclude, recipient: recipient!, previousRecipients: current };
  },
});

async function rotateFile(context: StepContext, dir: string, file: string, sealedFor: readonly string[], keys: { current: string; currentRecipients: readonly string[]; next: string }): Promise<void> {
  // updatekeys reads .sops.yaml from the working directory: the clone's root.
  await runSops(context, dir, file, ['updatekeys', '-y', file], keys.current, sealedFor, keys.currentRecipients);
  // A new data key: whoever held the old one (with the compromised key) cannot read new values.
  await runSops(context, dir, file, ['rotate', '-i', file], keys.next, sealedFor, keys.currentRecipients);
}

/** One sops command on `file`; a failure names the file, the command and sops' own reason. */
async function runSops(context: StepContext, dir: string, file: string, args: string[], keyFile: string, sealedFor: readonly string[], currentRecipients: readonly string[]): Promise<void> {
  const result = await context.shell.run('sops', args, { cwd: dir, env: sopsKeyEnv(keyFile), signal: context.signal, allowFailure: true });
  if (result.exitCode === 0) return;
  const stranger = sealedFor.length > 0 && !sealedFor.some((recipient) => currentRecipients.includes(recipient));
  throw new DrillError('ESOPS', `cannot re-encrypt ${file} for the new key: sops ${args[0]} exited ${result.exitCode}: ${sopsReason(result.stderr)}`, {
    details: [
      stranger ? `${file} is sealed only for ${sealedFor.join(', ')}, not for the current key ${currentRecipients.join(', ')}: the drill cannot open it, so it cannot rotate it (nothing was pushed)` : 'sops updatekeys needs the current key to open the file and a creation rule in .sops.yaml that matches its path (nothing was pushed)',
      'fix: have the holder of that key re-encrypt it for the new key (sops updatekeys with their key), or remove it from the tree if no one holds that key any more',
      tailOf(result.stderr.trim(), 20),
    ].join('\n'),
  });
}

/** sops' own reason: its first line that is not a timestamped progress line. */
export function sopsReason(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /.test(line));
  return lines[0] ?? 'no message';
}


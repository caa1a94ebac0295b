/**
 * sops.verify: prove the rotation on the drill branch's revision: no revoked age key decrypts any
 * SOPS file, the new key decrypts every one, each file's metadata names only recipients that are
 * not revoked, no file is one that neither key opens (sealed for a stranger: never rotated), and
 * `.sops.yaml` no longer encrypts new files for a revoked key. Decrypted text is
 * never logged or kept (sops runs quiet); a revoked key must fail for want of a matching identity.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';
import { recipientsOf, registerAgeKey, sopsKeyEnv } from '../age/identities.ts';
import { cloneBranch, git, registerUrlSecret } from '../git/repo.ts';
import { creationRules, findSopsFiles } from './tree.ts';

const inputs = z.strictObject({
  url: z.string().min(1),
  branch: z.string().min(1).meta({ description: 'The branch whose HEAD is checked (the drill branch).' }),
  revision: z.string().regex(/^[0-9a-f]{7,64}$/, { error: 'a commit SHA' }).optional().meta({ description: 'The commit the branch must be at (e.g. ${steps.rotate.outputs.revision}); fails when it moved on.' }),
  oldAgeKeyFiles: z.array(z.string().min(1)).min(1).meta({ description: 'Revoked age keys: none may decrypt any file.' }),
  newAgeKeyFile: z.string().min(1).meta({ description: 'The new age key: it must decrypt every file.' }),
  sopsConfig: z.string().default('.sops.yaml'),
});

/** What one key did with one file. */
type Outcome = 'decrypts' | 'no-matching-key' | { failed: string };

async function tryDecrypt(context: StepContext, dir: string, file: string, keyFile: string): Promise<Outcome> {
  // Quiet: a successful decryption prints the secret values; neither the log nor the result keeps them.
  const result = await context.shell.run('sops', ['decrypt', file], { cwd: dir, env: sopsKeyEnv(keyFile), signal: context.signal, allowFailure: true, quiet: true });
  if (result.exitCode === 0) return 'decrypts';
  if (/Failed to get the data key required to decrypt the SOPS file/.test(result.stderr)) return 'no-matching-key';
  return { failed: `exit ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}` };
}

export const sopsVerify = defineStep({
  kind: 'sops.verify',
  summary: 'prove a key rotation on a revision: no revoked age key decrypts any SOPS file, the new key decrypts all',
  inputs,
  preflight: (input) => ({ tools: ['git', 'sops', 'age-keygen'], gitRemotes: [input.url], readsProduction: ['url'] }),
  async run(context, input) {
    registerUrlSecret(context, input.url);
    const oldKeys = input.oldAgeKeyFiles.map((file) => path.resolve(context.drillDir, file));
    const newKey = path.resolve(context.drillDir, input.newAgeKeyFile);
    for (const [index, file] of oldKeys.entries()) await registerAgeKey(context, file, `oldAgeKeyFiles[${index}]`);
    await registerAgeKey(context, newKey, 'newAgeKeyFile');
    const revoked = (await Promise.all(oldKeys.map((file) => recipientsOf(context, file)))).flat();
    const [current] = await recipientsOf(context, newKey);

    const dir = await cloneBranch(context, input.url, input.branch, 1);
    const [head] = (await git(context, dir, ['rev-parse', 'HEAD'])).stdout.split('\n');
    if (input.revision && !head!.startsWith(input.revision)) throw new DrillError('EGIT', `${input.branch} is at ${head!.slice(0, 12)}, not at the rotated revision ${input.revision.slice(0, 12)}`, { details: 'another commit reached the drill branch after the rotation; verify that revision' });
    const files = await findSopsFiles(dir);
    if (files.size === 0) throw new DrillError('ESOPS', `${input.branch} at ${head!.slice(0, 12)} holds no SOPS-encrypted file`, { details: 'nothing to verify: is this the sealed tree?' });

    const problems: string[] = [];
    for (const [file, recipients] of files) {
      const named = recipients.filter((recipient) => revoked.includes(recipient));
      if (named.length > 0) problems.push(`${file} is still encrypted for the revoked ${named.join(', ')}`);
      let openedByOld = false;
      for (const [index, keyFile] of oldKeys.entries()) {
        const outcome = await tryDecrypt(context, dir, file, keyFile);
        openedByOld ||= outcome === 'decrypts';
        if (outcome === 'decrypts') problems.push(`${file}: the revoked key ${path.basename(keyFile)} (oldAgeKeyFiles[${index}]) still decrypts it`);
        else if (outcome !== 'no-matching-key') problems.push(`${file}: sops failed with the revoked key for another reason than a missing identity (${outcome.failed})`);
      }
      const outcome = await tryDecrypt(context, dir, file, newKey);
      if (outcome === 'decrypts') context.log.info(`${file}: the new key decrypts it; no revoked key does`);
      else if (outcome === 'no-matching-key' && !openedByOld) problems.push(`${file}: readable by neither the new key nor any revoked key (sealed for ${recipients.join(', ') || 'no age recipient'} only): it was never rotated, and no key the drill holds can rotate it`);
      else problems.push(`${file}: the new key ${current} does not decrypt it (${outcome === 'no-matching-key' ? 'no matching identity' : outcome.failed})`);
    }
    const config = parseDocument(await readFile(path.join(dir, input.sopsConfig), 'utf8').catch(() => ''));
    for (const rule of creationRules(config)) {
      const named = rule.recipients.filter((recipient) => revoked.includes(recipient));
      if (named.length > 0) problems.push(`${input.sopsConfig} creation rule ${rule.index + 1} still encrypts new files for the revoked ${named.join(', ')}`);
    }
    if (problems.length > 0) {
      throw new DrillError('ESOPS', `the rotation is not complete at ${head!.slice(0, 12)}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, { details: problems.join('\n') });
    }
    context.log.info(`${files.size} SOPS file${files.size === 1 ? '' : 's'} at ${head!.slice(0, 12)}: ${revoked.join(', ')} decrypts none, ${current} decrypts all`);
    return { revision: head!, files: [...files.keys()], revokedRecipients: revoked, recipient: current! };
  },
});

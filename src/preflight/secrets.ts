/** The SOPS age key (not empty, a real identity, a recipient of .sops.yaml) and the Git remotes. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readAgeKeyFile, sopsAgeRecipients } from './age.ts';
import type { PreflightContext } from './context.ts';
import { inputWith, redactUrl, simulatedInfrastructure } from './context.ts';

async function readOptional(file: string): Promise<{ text: string } | { error: string }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

export async function checkAgeKey(context: PreflightContext): Promise<void> {
  const { plan } = context;
  const settings = plan.drill.preflight;
  let keyFile = context.resolve(settings?.ageKeyFile);
  let keyAt = context.locate(['preflight', 'ageKeyFile']);
  if (settings?.ageKeyFile !== undefined && keyFile === undefined) {
    return context.problem('EPREFLIGHT', `preflight.ageKeyFile "${settings.ageKeyFile}" cannot be resolved before the run`, 'export the environment variable it names (e.g. SOPS_AGE_KEY_FILE), or give a default with ${env.SOPS_AGE_KEY_FILE:-path}', keyAt);
  }
  if (keyFile === undefined) {
    // The age key a step hands to SOPS (SOPS_AGE_KEY_FILE), as its kind declares.
    for (const step of context.steps) {
      const value = context.needsOf(step).ageKeyFile;
      if (typeof value === 'string') {
        keyFile = value;
        keyAt = inputWith(context, step, value);
        break;
      }
    }
  }
  if (keyFile === undefined) {
    if (settings?.sopsConfig) context.problem('EPREFLIGHT', 'preflight.sopsConfig is set but no age key file is', 'set preflight.ageKeyFile (e.g. ${env.SOPS_AGE_KEY_FILE}) so preflight can check the key decrypts the repository\'s secrets', context.locate(['preflight', 'sopsConfig']));
    return;
  }
  const file = path.resolve(plan.drillDir, keyFile);
  const read = await readOptional(file);
  if ('error' in read) {
    if (simulatedInfrastructure(plan.target) && read.error === 'ENOENT') return context.note('age-key', `${file} does not exist; not checked on the ${plan.target} target`);
    return context.problem('EPREFLIGHT', `SOPS age key file ${file} cannot be read (${read.error})`, 'restore age.key from the password manager or the offline backup, and point preflight.ageKeyFile (or SOPS_AGE_KEY_FILE) at it', keyAt);
  }
  if (read.text.trim() === '') {
    return context.problem('EPREFLIGHT', `SOPS age key file ${file} is empty`, 'an empty key file decrypts nothing: Flux would apply empty secrets. Restore age.key from the password manager or the offline backup', keyAt);
  }
  const key = readAgeKeyFile(read.text);
  if (key.malformedLines.length > 0) {
    return context.problem('EPREFLIGHT', `SOPS age key file ${file} has lines that are not age identities (line ${key.malformedLines.join(', ')})`, 'an age key file holds "# created:" and "# public key: age1..." comments and AGE-SECRET-KEY-1... lines; restore it from the backup', keyAt);
  }
  if (key.publicKeys.length === 0) {
    return context.problem('EPREFLIGHT', `SOPS age key file ${file} holds no AGE-SECRET-KEY-1... identity`, 'restore the private key, not just the public one: age-keygen -y prints the public key of a key file', keyAt);
  }
  const lying = key.commentKeys.filter((comment) => !key.publicKeys.includes(comment));
  if (lying.length > 0) {
    context.problem('EPREFLIGHT', `SOPS age key file ${file} says "# public key: ${lying[0]}" but its key is ${key.publicKeys.join(', ')}`, 'the comment and the key come from different files; restore the key file the repository is encrypted for', keyAt);
  }
  const sopsConfig = context.resolve(settings?.sopsConfig);
  if (sopsConfig === undefined) return context.note('age-key', `${file}: ${key.publicKeys.join(', ')} (no sopsConfig to compare with)`);
  const configFile = path.resolve(plan.drillDir, sopsConfig);
  const config = await readOptional(configFile);
  const configAt = context.locate(['preflight', 'sopsConfig']);
  if ('error' in config) {
    if (simulatedInfrastructure(plan.target) && config.error === 'ENOENT') return context.note('age-key', `${configFile} does not exist; not checked on the ${plan.target} target`);
    return context.problem('EPREFLIGHT', `SOPS config ${configFile} cannot be read (${config.error})`, 'point preflight.sopsConfig at the .sops.yaml of the GitOps repository', configAt);
  }
  let recipients: string[];
  try {
    recipients = sopsAgeRecipients(config.text);
  } catch (error) {
    return context.problem('EPREFLIGHT', `SOPS config ${configFile} is not valid YAML`, (error as Error).message, configAt);
  }
  if (recipients.length === 0) {
    return context.problem('EPREFLIGHT', `SOPS config ${configFile} names no age recipient in creation_rules`, 'its creation_rules need age: age1... (the public key of the age key file)', configAt);
  }
  const matching = key.publicKeys.filter((publicKey) => recipients.includes(publicKey));
  if (matching.length === 0) {
    context.problem('EPREFLIGHT', `SOPS age key file ${file} does not match ${path.basename(configFile)}: its public key ${key.publicKeys.join(', ')} is not a recipient`, `recipients in ${configFile}: ${recipients.join(', ')}\nuse the age key the repository's secrets are encrypted for (age-keygen -y ${file} prints its public key)`, keyAt);
  } else context.note('age-key', `${file}: ${matching.join(', ')} is a recipient in ${configFile}`);
}

export async function checkGitRemotes(context: PreflightContext): Promise<void> {
  const remotes = new Map<string, ReturnType<PreflightContext['locate']>>();
  for (const step of context.steps) {
    for (const url of context.needsOf(step).gitRemotes ?? []) if (typeof url === 'string' && !remotes.has(url)) remotes.set(url, inputWith(context, step, url));
  }
  (context.plan.drill.preflight?.gitRemotes ?? []).forEach((remote, index) => {
    const url = context.resolve(remote);
    if (url && !remotes.has(url)) remotes.set(url, context.locate(['preflight', 'gitRemotes', index]));
  });
  if (remotes.size > 0 && !(await context.shell.which('git'))) return; // reported by the tools check
  for (const [url, location] of remotes) {
    const result = await context.shell
      .run('git', ['ls-remote', url, 'HEAD'], { allowFailure: true, input: '', env: { GIT_TERMINAL_PROMPT: '0' }, signal: AbortSignal.any([context.signal, AbortSignal.timeout(60_000)]) })
      .catch((error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }));
    if (result.exitCode !== 0) {
      const lines = result.stderr.trim().split('\n');
      const said = lines.find((line) => line.startsWith('fatal:')) ?? lines.at(-1) ?? '';
      context.problem('EPREFLIGHT', `Git remote ${redactUrl(url)} is not reachable`, `git ls-remote said: ${said.replace(url, redactUrl(url))}\ncheck the URL, the network and the credentials (a token in the URL or GIT_ASKPASS)`, location);
    } else context.note('git-remote', `${redactUrl(url)} answers`);
  }
}

/** The simulated sops's view of `.sops.yaml` and age keys: the config found from the working directory up, the creation rule for a file, and the identities sops would try. */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { identitiesIn } from '../../sops-format.ts';

interface CreationRule {
  path_regex?: string;
  age?: string | string[];
  key_groups?: { age?: string | string[] }[];
}

const list = (value: string | string[] | undefined) => (Array.isArray(value) ? value : (value ?? '').split(',')).map((item) => item.trim()).filter(Boolean);

/** .sops.yaml in `dir` or the nearest parent directory, as sops looks for it. */
export async function findConfig(dir: string): Promise<string | undefined> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, '.sops.yaml');
    if (await access(candidate).then(() => true, () => false)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

/** The age recipients of the first creation rule whose path_regex matches the file (relative to the config's directory). */
export async function recipientsForFile(configFile: string, file: string): Promise<string[] | undefined> {
  const config = (parse(await readFile(configFile, 'utf8')) ?? {}) as { creation_rules?: CreationRule[] };
  const relative = path.relative(path.dirname(configFile), file).split(path.sep).join('/');
  const rule = (config.creation_rules ?? []).find((candidate) => !candidate.path_regex || new RegExp(candidate.path_regex).test(relative));
  if (!rule) return undefined;
  return [...new Set([...list(rule.age), ...(rule.key_groups ?? []).flatMap((group) => list(group.age))])];
}

/** The identities sops tries: SOPS_AGE_KEY and the file SOPS_AGE_KEY_FILE names. */
export async function identitiesFromEnv(env: Record<string, string | undefined>, cwd: string): Promise<string[]> {
  const identities = identitiesIn(env.SOPS_AGE_KEY ?? '');
  const file = env.SOPS_AGE_KEY_FILE;
  if (file) {
    const text = await readFile(path.resolve(cwd, file), 'utf8').catch(() => '');
    identities.push(...identitiesIn(text));
  }
  return identities;
}

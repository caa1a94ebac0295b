/**
 * What the SOPS step kinds read in a clone of the GitOps tree: which files SOPS encrypted (found by
 * their `sops` metadata, not by name), the age recipients each one is encrypted for, and the
 * `.sops.yaml` creation rules with one set of recipients swapped for another.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, parseDocument, isMap, isScalar, isSeq, type Document } from 'yaml';
import { DrillError } from '../../util/errors.ts';

const STRUCTURED = /\.(ya?ml|json)$/;

interface SopsMetadata {
  mac?: unknown;
  age?: { recipient?: unknown }[];
}

/** The age recipients of a SOPS file's metadata; undefined when the text is not SOPS-encrypted. */
export function sopsRecipients(file: string, text: string): string[] | undefined {
  if (STRUCTURED.test(file)) {
    let metadata: SopsMetadata | undefined;
    try {
      for (const document of parseAllDocuments(text)) {
        const value = document.toJS() as { sops?: SopsMetadata } | null;
        if (value && typeof value === 'object' && value.sops && typeof value.sops.mac === 'string') metadata = value.sops;
      }
    } catch {
      return undefined;
    }
    return metadata ? (metadata.age ?? []).map((stanza) => String(stanza.recipient ?? '')).filter(Boolean) : undefined;
  }
  if (/\.env$/.test(file) && /^sops_mac=/m.test(text)) {
    return [...text.matchAll(/^sops_age__list_\d+__map_recipient=(\S+)$/gm)].map((match) => match[1]!);
  }
  return undefined;
}

/** Every SOPS-encrypted file below `dir` (relative, sorted), with its recipients; .git is skipped. */
export async function findSopsFiles(dir: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (file === '.git' || file.startsWith('.git/') || path.posix.basename(file) === '.sops.yaml') continue;
    if (!STRUCTURED.test(file) && !file.endsWith('.env')) continue;
    const recipients = sopsRecipients(file, await readFile(path.join(dir, file), 'utf8'));
    if (recipients) found.set(file, recipients);
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

type Rules = { index: number; recipients: string[] }[];

/** The age recipients of each creation rule (its `age:` and its key_groups' `age:`). */
export function creationRules(document: Document): Rules {
  const rules = document.get('creation_rules');
  if (!isSeq(rules)) return [];
  return rules.items.map((rule, index) => {
    const recipients: string[] = [];
    const read = (value: unknown) => {
      if (isScalar(value) && typeof value.value === 'string') recipients.push(...value.value.split(',').map((item) => item.trim()).filter(Boolean));
      else if (isSeq(value)) for (const item of value.items) read(item);
    };
    if (isMap(rule)) {
      read(rule.get('age', true));
      const groups = rule.get('key_groups', true);
      if (isSeq(groups)) for (const group of groups.items) if (isMap(group)) read(group.get('age', true));
    }
    return { index, recipients };
  });
}

/**
 * Rewrites `.sops.yaml` so every creation rule that names one of `old` names `replacement`
 * instead (comments and the rest of the file kept). Returns the rules changed (0-based).
 */
export async function replaceRecipients(configFile: string, old: readonly string[], replacement: string): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    throw new DrillError('ESOPS', `${path.basename(configFile)} is not in the GitOps tree`, { details: 'sops updatekeys re-encrypts for the creation_rules of .sops.yaml: the tree needs one at its root' });
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new DrillError('ESOPS', `${configFile} is not valid YAML: ${document.errors[0]!.message}`);
  const changed: number[] = [];
  const swap = (value: string) => {
    const items = value.split(',').map((item) => item.trim()).filter(Boolean);
    if (!items.some((item) => old.includes(item))) return undefined;
    return [...new Set(items.map((item) => (old.includes(item) ? replacement : item)))].join(',');
  };
  const rewrite = (holder: unknown, index: number) => {
    if (!isMap(holder)) return;
    const value = holder.get('age', true);
    if (isScalar(value) && typeof value.value === 'string') {
      const swapped = swap(value.value);
      if (swapped !== undefined) {
        value.value = swapped;
        if (!changed.includes(index)) changed.push(index);
      }
    } else if (isSeq(value)) {
      const items = value.items.map((item) => (isScalar(item) ? String(item.value) : ''));
      const swapped = swap(items.join(','));
      if (swapped !== undefined) {
        holder.set('age', document.createNode(swapped.split(',')));
        if (!changed.includes(index)) changed.push(index);
      }
    }
  };
  const rules = document.get('creation_rules');
  if (isSeq(rules)) {
    rules.items.forEach((rule, index) => {
      rewrite(rule, index);
      const groups = isMap(rule) ? rule.get('key_groups', true) : undefined;
      if (isSeq(groups)) for (const group of groups.items) rewrite(group, index);
    });
  }
  if (changed.length === 0) {
    throw new DrillError('ESOPS', `no creation rule in ${path.basename(configFile)} names the current age key (${old.join(', ')})`, { details: `its rules name: ${creationRules(document).flatMap((rule) => rule.recipients).join(', ') || 'no age recipient'}\nthe key to rotate away from must be the one the repository is encrypted for (ageKeyFile:)` });
  }
  await writeFile(configFile, document.toString());
  return changed;
}

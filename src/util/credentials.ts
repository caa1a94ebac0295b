/**
 * The credentials inside a kubeconfig or talosconfig (tokens, client keys and certificates,
 * passwords), so they can be masked without masking the file's structure line by line.
 */
import { parse } from 'yaml';

const CREDENTIAL_KEY = /token|key|password|secret|crt|cert|certificate|ca$/i;
const MIN_LENGTH = 8;

export function credentialsIn(configText: string): string[] {
  let document: unknown;
  try {
    document = parse(configText);
  } catch {
    return [configText]; // not YAML: the whole text is the secret
  }
  const found = new Set<string>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (CREDENTIAL_KEY.test(key) && value.length >= MIN_LENGTH) found.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) walk(child, name);
    }
  };
  walk(document, '');
  return [...found];
}

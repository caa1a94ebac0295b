/**
 * SOPS-encrypted YAML and age keys for the simulated target, with real cryptography so that a
 * wrong key really cannot decrypt: age identities are X25519 keys in age's Bech32 form
 * (AGE-SECRET-KEY-1…, age1…), the data key is wrapped per recipient (X25519, HKDF-SHA256,
 * ChaCha20-Poly1305) in an armored age stanza, values are `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`
 * with their key path as additional data, and a MAC over the cleartext values, as SOPS writes them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../contract/cluster.ts';
import { unwrapDataKey, wrapDataKey } from './sops/age.ts';

export { ageKeyFile, generateAgeKey, identitiesIn, recipientOf, type AgeKey } from './sops/age.ts';

export const SOPS_VERSION = '3.10.2';
export const ENCRYPTED_REGEX = '^(data|stringData)$';

export class SopsDecryptError extends Error {}

// --- SOPS values ---
function encryptValue(value: string, dataKey: Buffer, aad: string): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${cipher.getAuthTag().toString('base64')},type:str]`;
}

function decryptValue(text: string, dataKey: Buffer, aad: string): string {
  const match = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/.exec(text);
  if (!match) throw new SopsDecryptError(`Input string ${text.slice(0, 20)}... does not match sops' data format`);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(match[2]!, 'base64'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(match[3]!, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(match[1]!, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SopsDecryptError('Could not decrypt with AES_GCM: cipher: message authentication failed');
  }
}

type Doc = Record<string, unknown>;
interface SopsMeta {
  age: { recipient: string; enc: string }[];
  lastmodified: string;
  mac: string;
  encrypted_regex: string;
  version: string;
}

/** Visit the values SOPS encrypts (under keys matching the regex), with their key path. */
function mapValues(doc: Doc, regex: RegExp, visit: (value: string, path: string) => string): Doc {
  const walk = (value: unknown, path: string, inside: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, path, inside));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}${key}:`, inside || regex.test(key))]));
    return inside ? visit(String(value), path) : value;
  };
  return walk(doc, '', false) as Doc;
}

export function isSopsDocument(doc: unknown): boolean {
  const sops = (doc as { sops?: { mac?: unknown } } | null)?.sops;
  return Boolean(sops && typeof sops === 'object' && sops.mac);
}
export const isSopsManifest = (object: KubeObject) => isSopsDocument(object);

function sealDoc(clear: Doc, dataKey: Buffer, recipients: string[], lastmodified: string): Doc {
  const regex = new RegExp(ENCRYPTED_REGEX);
  const cleartexts: string[] = [];
  const encrypted = mapValues(clear, regex, (value, path) => {
    cleartexts.push(value);
    return encryptValue(value, dataKey, path);
  });
  const mac = createHash('sha512').update(cleartexts.join('')).digest('hex').toUpperCase();
  const meta: SopsMeta = { age: recipients.map((recipient) => ({ recipient, enc: wrapDataKey(dataKey, recipient) })), lastmodified, mac: encryptValue(mac, dataKey, lastmodified), encrypted_regex: ENCRYPTED_REGEX, version: SOPS_VERSION };
  return { ...encrypted, sops: meta };
}

/** Encrypt a YAML document's data/stringData for these age recipients, as `sops -e` does. */
export function encryptYaml(text: string, recipients: string[], lastmodified: string): string {
  return stringify(sealDoc(parse(text) as Doc, randomBytes(32), recipients, lastmodified), { indent: 4 });
}

/** The data key, from the first identity that matches a recipient; a SOPS-like error otherwise. */
function dataKeyOf(meta: SopsMeta, identities: string[]): Buffer {
  for (const stanza of meta.age ?? []) {
    for (const identity of identities) {
      const key = unwrapDataKey(stanza.enc, identity);
      if (key) return key;
    }
  }
  const lines = (meta.age ?? []).map((stanza) => `  ${stanza.recipient}: FAILED\n    - | failed to create reader for decrypting sops data key with\n      | age: no identity matched any of the recipients`);
  throw new SopsDecryptError(`Failed to get the data key required to decrypt the SOPS file.\n\nGroup 0: FAILED\n${lines.join('\n')}\n\nRecovery failed because no master key was able to decrypt the file. In\norder for SOPS to recover the file, at least one key has to be successful,\nbut none were.`);
}

function openDoc(doc: Doc, identities: string[]): { clear: Doc; dataKey: Buffer; meta: SopsMeta } {
  const { sops, ...rest } = doc as Doc & { sops: SopsMeta };
  const dataKey = dataKeyOf(sops, identities);
  const regex = new RegExp(sops.encrypted_regex ?? ENCRYPTED_REGEX);
  const cleartexts: string[] = [];
  const clear = mapValues(rest, regex, (value, path) => {
    const plain = decryptValue(value, dataKey, path);
    cleartexts.push(plain);
    return plain;
  });
  const mac = createHash('sha512').update(cleartexts.join('')).digest('hex').toUpperCase();
  if (decryptValue(sops.mac, dataKey, sops.lastmodified) !== mac) throw new SopsDecryptError('Failed to verify data integrity. expected mac not equal to computed mac');
  return { clear, dataKey, meta: sops };
}

export function decryptYaml(text: string, identities: string[]): string {
  return stringify(openDoc(parse(text) as Doc, identities).clear);
}

export function decryptManifest(object: KubeObject, identities: string[]): KubeObject {
  return openDoc(object as unknown as Doc, identities).clear as unknown as KubeObject;
}

export function recipientsOf(text: string): string[] {
  return ((parse(text) as { sops?: SopsMeta }).sops?.age ?? []).map((stanza) => stanza.recipient);
}

/** `sops updatekeys`: the same data key and values; only the key groups change (wrapped for the new recipients). */
export function updateKeys(text: string, identities: string[], recipients: string[]): string {
  const doc = parse(text) as Doc & { sops: SopsMeta };
  const { dataKey } = openDoc(doc, identities);
  doc.sops.age = recipients.map((recipient) => ({ recipient, enc: wrapDataKey(dataKey, recipient) }));
  return stringify(doc, { indent: 4 });
}

/** `sops -r`: a new data key; every value and the MAC encrypted again. */
export function rotateDataKey(text: string, identities: string[], lastmodified: string): string {
  const { clear, meta } = openDoc(parse(text) as Doc, identities);
  return stringify(sealDoc(clear, randomBytes(32), meta.age.map((stanza) => stanza.recipient), lastmodified), { indent: 4 });
}

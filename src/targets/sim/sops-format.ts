/**
 * SOPS-encrypted YAML and age keys for the simulated target, with real cryptography so that a
 * wrong key really cannot decrypt: age identities are X25519 keys in age's Bech32 form
 * (AGE-SECRET-KEY-1…, age1…), the data key is wrapped per recipient (X25519, HKDF-SHA256,
 * ChaCha20-Poly1305) in an armored age stanza, values are `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`
 * with their key path as additional data, and a MAC over the cleartext values, as SOPS writes them.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../contract/cluster.ts';

export const SOPS_VERSION = '3.10.2';
export const ENCRYPTED_REGEX = '^(data|stringData)$';

export class SopsDecryptError extends Error {}

// --- Bech32 (BIP 173), as age encodes its keys ---
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values: number[]): number {
  const generators = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= generators[i]!;
  }
  return chk >>> 0;
}
const hrpExpand = (hrp: string) => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
function convertBits(data: Uint8Array | number[], from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & ((1 << to) - 1));
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & ((1 << to) - 1));
  return out;
}
function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const data = convertBits(bytes, 8, 5, true);
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((value) => CHARSET[value]).join('')}`;
}
function bech32Decode(text: string): { hrp: string; bytes: Buffer } | undefined {
  const lower = text.toLowerCase();
  const at = lower.lastIndexOf('1');
  if (at < 1) return undefined;
  const hrp = lower.slice(0, at);
  const data = [...lower.slice(at + 1)].map((c) => CHARSET.indexOf(c));
  if (data.some((value) => value < 0) || data.length < 6) return undefined;
  if (polymod([...hrpExpand(hrp), ...data]) !== 1) return undefined;
  return { hrp, bytes: Buffer.from(convertBits(data.slice(0, -6), 5, 8, false)) };
}

// --- age keys ---
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const rawPublic = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
const rawPrivate = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');

export interface AgeKey {
  identity: string;
  recipient: string;
}

export function generateAgeKey(): AgeKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { identity: bech32Encode('age-secret-key-', rawPrivate(privateKey)).toUpperCase(), recipient: bech32Encode('age', rawPublic(publicKey)) };
}

function identityKey(identity: string): KeyObject | undefined {
  const decoded = bech32Decode(identity.trim());
  if (!decoded || decoded.hrp !== 'age-secret-key-' || decoded.bytes.length !== 32) return undefined;
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, decoded.bytes]), format: 'der', type: 'pkcs8' });
}

export function recipientOf(identity: string): string | undefined {
  const key = identityKey(identity);
  return key ? bech32Encode('age', rawPublic(createPublicKey(key))) : undefined;
}

function recipientKey(recipient: string): KeyObject | undefined {
  const decoded = bech32Decode(recipient);
  if (!decoded || decoded.hrp !== 'age' || decoded.bytes.length !== 32) return undefined;
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: decoded.bytes.toString('base64url') }, format: 'jwk' });
}

/** Identities in an age key file's text (comments and blank lines skipped). */
export function identitiesIn(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
}

export function ageKeyFile(key: AgeKey, created: string): string {
  return `# created: ${created}\n# public key: ${key.recipient}\n${key.identity}\n`;
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
const LABEL = 'age-encryption.org/v1/X25519';

function wrapDataKey(dataKey: Buffer, recipient: string): string {
  const pub = recipientKey(recipient);
  if (!pub) throw new Error(`failed to parse input as Bech32-encoded age public key: ${recipient}`);
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: pub });
  const ephemeralPublic = rawPublic(ephemeral.publicKey);
  const wrapKey = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralPublic, rawPublic(pub)]), LABEL, 32));
  const cipher = createCipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  const file = Buffer.from(`age-encryption.org/v1\n-> X25519 ${b64(ephemeralPublic)}\n${b64(body)}\n--- ${b64(createHash('sha256').update(body).digest().subarray(0, 32))}\n`);
  const lines = file.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN AGE ENCRYPTED FILE-----\n${lines.join('\n')}\n-----END AGE ENCRYPTED FILE-----\n`;
}

function unwrapDataKey(armored: string, identity: string): Buffer | undefined {
  const key = identityKey(identity);
  if (!key) return undefined;
  const inner = Buffer.from(armored.replace(/-----(BEGIN|END) AGE ENCRYPTED FILE-----/g, '').replace(/\s+/g, ''), 'base64').toString('utf8');
  const match = /-> X25519 (\S+)\n(\S+)\n/.exec(inner);
  if (!match) return undefined;
  const ephemeralPublic = Buffer.from(match[1]!, 'base64');
  const body = Buffer.from(match[2]!, 'base64');
  const shared = diffieHellman({ privateKey: key, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeralPublic.toString('base64url') }, format: 'jwk' }) });
  const wrapKey = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralPublic, rawPublic(createPublicKey(key))]), LABEL, 32));
  try {
    const decipher = createDecipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}

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

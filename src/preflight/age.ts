/**
 * SOPS age keys without the age binary: read an age key file (`# public key: age1...` comment
 * lines and `AGE-SECRET-KEY-1...` identities), derive each identity's public key (X25519 of the
 * Bech32-encoded secret), and read the age recipients of a `.sops.yaml`'s creation_rules.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { parse as parseYaml } from 'yaml';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (let bit = 0; bit < 5; bit++) if ((top >>> bit) & 1) checksum ^= GENERATOR[bit]!;
  }
  return checksum >>> 0;
}

function hrpExpand(hrp: string): number[] {
  return [...[...hrp].map((char) => char.charCodeAt(0) >> 5), 0, ...[...hrp].map((char) => char.charCodeAt(0) & 31)];
}

function convertBits(data: number[], from: number, to: number, pad: boolean): number[] | undefined {
  let accumulator = 0;
  let bits = 0;
  const result: number[] = [];
  const max = (1 << to) - 1;
  for (const value of data) {
    accumulator = (accumulator << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      result.push((accumulator >> bits) & max);
    }
  }
  if (pad && bits > 0) result.push((accumulator << (to - bits)) & max);
  else if (!pad && (bits >= from || ((accumulator << (to - bits)) & max) !== 0)) return undefined;
  return result;
}

/** Bech32 (BIP 173, without the 90-character limit, as age uses it); undefined when malformed or the checksum fails. */
export function bech32Decode(text: string): { hrp: string; data: Buffer } | undefined {
  const lower = text.toLowerCase();
  if (lower !== text && text.toUpperCase() !== text) return undefined;
  const separator = lower.lastIndexOf('1');
  if (separator < 1 || separator + 7 > lower.length) return undefined;
  const hrp = lower.slice(0, separator);
  const values = [...lower.slice(separator + 1)].map((char) => CHARSET.indexOf(char));
  if (values.some((value) => value < 0)) return undefined;
  if (polymod([...hrpExpand(hrp), ...values]) !== 1) return undefined;
  const bytes = convertBits(values.slice(0, -6), 5, 8, false);
  return bytes ? { hrp, data: Buffer.from(bytes) } : undefined;
}

export function bech32Encode(hrp: string, data: Buffer): string {
  const values = convertBits([...data], 8, 5, true)!;
  const checksum = polymod([...hrpExpand(hrp), ...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  const check = Array.from({ length: 6 }, (_, index) => (checksum >>> (5 * (5 - index))) & 31);
  return `${hrp}1${[...values, ...check].map((value) => CHARSET[value]).join('')}`;
}

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The age recipient (age1...) of an AGE-SECRET-KEY-1... identity, or undefined if it is not one. */
export function agePublicKey(identity: string): string | undefined {
  const decoded = bech32Decode(identity.trim());
  if (!decoded || decoded.hrp !== 'age-secret-key-' || decoded.data.length !== 32) return undefined;
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, decoded.data]), format: 'der', type: 'pkcs8' });
  const raw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  return bech32Encode('age', raw);
}

export interface AgeKeyFile {
  /** Public keys derived from the identities, in file order. */
  publicKeys: string[];
  /** Public keys the `# public key:` comments claim. */
  commentKeys: string[];
  /** Lines that look like identities but do not decode (1-based line numbers). */
  malformedLines: number[];
}

export function readAgeKeyFile(text: string): AgeKeyFile {
  const result: AgeKeyFile = { publicKeys: [], commentKeys: [], malformedLines: [] };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const comment = /^#\s*public key:\s*(age1\S+)/i.exec(line);
    if (comment) result.commentKeys.push(comment[1]!);
    else if (line.startsWith('AGE-SECRET-KEY-')) {
      const publicKey = agePublicKey(line);
      if (publicKey) result.publicKeys.push(publicKey);
      else result.malformedLines.push(index + 1);
    } else if (line && !line.startsWith('#')) result.malformedLines.push(index + 1);
  });
  return result;
}

/** Age recipients named anywhere in a .sops.yaml's creation_rules (`age:` as a comma list or a list, also inside key_groups). */
export function sopsAgeRecipients(text: string): string[] {
  const config = parseYaml(text) as { creation_rules?: unknown[] } | null;
  const recipients = new Set<string>();
  const add = (value: unknown) => {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
    for (const item of items) if (typeof item === 'string' && item.trim()) recipients.add(item.trim());
  };
  for (const rule of config?.creation_rules ?? []) {
    if (!rule || typeof rule !== 'object') continue;
    const record = rule as { age?: unknown; key_groups?: { age?: unknown }[] };
    add(record.age);
    for (const group of record.key_groups ?? []) add(group?.age);
  }
  return [...recipients];
}

/** age X25519 keys and the per-recipient wrapping of a SOPS data key (X25519, HKDF-SHA256, ChaCha20-Poly1305) in an armored age stanza. */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { bech32Decode, bech32Encode } from './bech32.ts';

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

export function wrapDataKey(dataKey: Buffer, recipient: string): string {
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

export function unwrapDataKey(armored: string, identity: string): Buffer | undefined {
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

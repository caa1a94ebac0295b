import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { decryptYaml, encryptYaml, generateAgeKey, identitiesIn, ageKeyFile, recipientOf, recipientsOf, rotateDataKey, updateKeys } from '../../../../src/targets/sim/sops-format.ts';

const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: paperless-secrets\n  namespace: paperless\nstringData:\n  PAPERLESS_SECRET_KEY: correct-horse-battery\n';

test('simulated SOPS: age keys in Bech32, values encrypted under data/stringData only, and only a matching identity decrypts', () => {
  const old = generateAgeKey();
  const other = generateAgeKey();
  assert.match(old.identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.match(old.recipient, /^age1[0-9a-z]{58}$/);
  assert.equal(recipientOf(old.identity), old.recipient);
  assert.deepEqual(identitiesIn(ageKeyFile(old, '2026-01-01T00:00:00Z')), [old.identity]);
  const encrypted = encryptYaml(SECRET, [old.recipient], '2026-01-01T00:00:00Z');
  assert.doesNotMatch(encrypted, /correct-horse-battery/);
  const doc = parse(encrypted);
  assert.equal(doc.metadata.name, 'paperless-secrets', 'metadata stays readable');
  assert.match(doc.stringData.PAPERLESS_SECRET_KEY, /^ENC\[AES256_GCM,data:.+,iv:.+,tag:.+,type:str\]$/);
  assert.equal(doc.sops.encrypted_regex, '^(data|stringData)$');
  assert.match(doc.sops.age[0].enc, /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  assert.equal(parse(decryptYaml(encrypted, [old.identity])).stringData.PAPERLESS_SECRET_KEY, 'correct-horse-battery');
  assert.throws(() => decryptYaml(encrypted, [other.identity]), /Failed to get the data key required to decrypt the SOPS file\.[\s\S]*no identity matched any of the recipients/);
  // A tampered value fails the authentication, not silently.
  const tampered = encrypted.replace(/data:([A-Za-z0-9+/])/, (_, first) => `data:${first === 'A' ? 'B' : 'A'}`);
  assert.throws(() => decryptYaml(tampered, [old.identity]), /message authentication failed|mac/);
});

test('simulated SOPS: updatekeys moves the file to the new recipient; a data-key rotation re-encrypts every value; the old key decrypts nothing after', () => {
  const old = generateAgeKey();
  const next = generateAgeKey();
  const encrypted = encryptYaml(SECRET, [old.recipient], '2026-01-01T00:00:00Z');
  const updated = updateKeys(encrypted, [old.identity], [next.recipient]);
  assert.deepEqual(recipientsOf(updated), [next.recipient]);
  assert.equal(parse(updated).stringData.PAPERLESS_SECRET_KEY, parse(encrypted).stringData.PAPERLESS_SECRET_KEY, 'updatekeys keeps the data key and the values');
  const rotated = rotateDataKey(updated, [next.identity], '2026-01-02T00:00:00Z');
  assert.notEqual(parse(rotated).stringData.PAPERLESS_SECRET_KEY, parse(updated).stringData.PAPERLESS_SECRET_KEY);
  assert.equal(parse(decryptYaml(rotated, [next.identity])).stringData.PAPERLESS_SECRET_KEY, 'correct-horse-battery');
  assert.throws(() => decryptYaml(rotated, [old.identity]), /Failed to get the data key/);
});

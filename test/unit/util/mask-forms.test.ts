import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Masker } from '../../../src/util/mask.ts';
import { renderCommand } from '../../../src/contract/shell.ts';
import { stringify as yamlStringify } from 'yaml';

// Built at run time: a token-shaped literal in the source would trip secret scanners.
const SECRET = ['it', "'s a ", '"p%s+/w\\ord" ', 'é😀', '&<x>'].join('');
const b64 = (text: string) => Buffer.from(text).toString('base64');

function masker(): Masker {
  const instance = new Masker();
  instance.add(SECRET);
  return instance;
}

const FORMS: [string, string][] = [
  ['raw', SECRET],
  ['JSON', JSON.stringify(SECRET)],
  ['JSON inside JSON', JSON.stringify(JSON.stringify(SECRET))],
  ['JSON with \\u escapes', JSON.stringify(SECRET).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)],
  ['YAML double quoted', yamlStringify({ k: SECRET }, { defaultStringType: 'QUOTE_DOUBLE' })],
  ['YAML single quoted', `k: '${SECRET.replace(/'/g, "''")}'`],
  ['the logged command line', renderCommand('curl', ['-u', `user:${SECRET}`])],
  ['shell double quotes', `"${SECRET.replace(/["\\$`]/g, '\\$&')}"`],
  ['ANSI-C quoting', `$'${SECRET.replace(/[\\']/g, '\\$&')}'`],
  ['ANSI-C hex bytes', `$'${[...Buffer.from(SECRET)].map((byte) => `\\x${byte.toString(16)}`).join('')}'`],
  ['percent-encoded', encodeURIComponent(SECRET)],
  ['percent-encoded, lower case', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())],
  ['only reserved characters percent-encoded', SECRET.replace(/[%+/&' "]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)],
  ['form-encoded', new URLSearchParams({ password: SECRET }).toString()],
  ['basic auth, alignment 0', `Authorization: Basic ${b64(`abc:${SECRET}`)}`],
  ['basic auth, alignment 1', `Authorization: Basic ${b64(`ab:${SECRET}`)}`],
  ['basic auth, alignment 2', `Authorization: Basic ${b64(`a:${SECRET}`)}`],
  ['base64 without padding', b64(SECRET).replace(/=+$/, '')],
  ['base64url', b64(`x${SECRET}`).replace(/\+/g, '-').replace(/\//g, '_')],
  ['base64 wrapped at 76 columns', b64(`${SECRET}${SECRET}${SECRET}`).replace(/(.{76})/g, '$1\n')],
  ['hex', Buffer.from(SECRET).toString('hex')],
  ['wrapped over lines', `${SECRET.slice(0, 5)}\n  ${SECRET.slice(5, 12)}\n${SECRET.slice(12)}`],
  ['XML entities', SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')],
];

/** What must not survive: the form itself, and for encodings the parts carrying the value. */
function leaked(masked: string, form: string): boolean {
  return masked.includes(form) || masked.includes(SECRET) || masked.replace(/\s+/g, '').includes(form.replace(/\s+/g, ''));
}

for (const [name, form] of FORMS) {
  test(`masks a secret ${name}`, () => {
    const masked = masker().mask(`before ${form} after`);
    assert.ok(!leaked(masked, form), `${name} leaked: ${masked}`);
    assert.match(masked, /\*\*\*/);
    assert.ok(masked.startsWith('before ') && masked.endsWith(' after'), masked);
  });
}

test('masks in one pass over many secrets, and leaves other text alone', () => {
  const instance = new Masker();
  const secrets = Array.from({ length: 500 }, (_, index) => `value-${index}-${'x'.repeat(index % 17)}-end`);
  for (const secret of secrets) instance.add(secret);
  assert.equal(instance.size, 500);
  const text = secrets.map((secret, index) => `line ${index}: ${b64(`u:${secret}`)} ${encodeURIComponent(secret)}`).join('\n');
  const masked = instance.mask(text);
  for (const secret of secrets) assert.ok(!masked.includes(secret) && !masked.includes(b64(`u:${secret}`)));
  assert.match(masked, /^line 0: /);
  assert.equal(masked.split('\n').length, 500);
  assert.equal(instance.mask('nothing secret here: kind: Config'), 'nothing secret here: kind: Config');
});

test('a stream masks a secret split between lines and holds a line only while it may start one', () => {
  const instance = masker();
  const out: string[] = [];
  const stream = instance.stream((line) => out.push(line));
  stream.push('plain line');
  assert.deepEqual(out, ['plain line']);
  stream.push(`token: ${SECRET.slice(0, 8)}`);
  assert.equal(out.length, 1, 'the line ending with the start of a secret is held');
  stream.push(`${SECRET.slice(8)} and more`);
  stream.push('next');
  stream.end();
  assert.deepEqual(out, ['plain line', 'token: *** and more', 'next']);
});

test('maskDeep masks keys and values and drops undefined like JSON', () => {
  const instance = masker();
  assert.deepEqual(instance.maskDeep({ [SECRET]: [`x ${SECRET}`, 3, null], gone: undefined }), { '***': ['x ***', 3, null] });
});

test('MR/PR notes and webhook payloads are masked in every form before they leave', async () => {
  const { upsertNote } = await import('../../../src/ci/comment.ts');
  const { postWebhook } = await import('../../../src/notify/webhook.ts');
  const bodies: string[] = [];
  const fetchStub = async (_url: string, init?: RequestInit) => {
    if (init?.body) bodies.push(String(init.body));
    return new Response(init?.method === 'GET' ? '[]' : JSON.stringify({ id: 7 }), { status: init?.method === 'POST' ? 201 : 200 });
  };
  const secretText = `token ${encodeURIComponent(SECRET)} and ${b64(`u:${SECRET}`)}`;
  await upsertNote({ provider: 'github', apiUrl: 'http://api.invalid', project: 'o/r', number: '1', token: 'ghp-token-value-1' }, 'k', secretText, { fetch: fetchStub, masker: masker() });
  await postWebhook(secretText, { url: 'http://hooks.invalid/services/abc', fetch: fetchStub as typeof fetch, masker: masker(), attempts: 1 });
  assert.equal(bodies.length, 2);
  for (const body of bodies) {
    assert.ok(!body.includes(encodeURIComponent(SECRET)) && !body.includes(b64(`u:${SECRET}`)), body);
    assert.match(body, /token \*\*\* and /);
  }
});

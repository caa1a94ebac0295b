import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Masker } from '../../../src/util/mask.ts';

test('masks registered values, their lines, and their encoded forms', () => {
  const masker = new Masker();
  masker.add('s3cr3t-token-value');
  masker.add('line-one-secret\nline-two-secret');
  const base64 = Buffer.from('s3cr3t-token-value').toString('base64');
  assert.equal(masker.mask('token=s3cr3t-token-value'), 'token=***');
  assert.equal(masker.mask(`auth ${base64}`), 'auth ***');
  assert.equal(masker.mask('x line-two-secret y'), 'x *** y');
});

test('takes secret-looking environment variables and the names a drill lists', () => {
  const masker = new Masker();
  masker.addFromEnvironment({ GITLAB_TOKEN: 'glpat-abcdefgh', HOME: '/root', CUSTOM: 'custom-value-1' }, ['CUSTOM']);
  assert.equal(masker.mask('glpat-abcdefgh /root custom-value-1'), '*** /root ***');
});

test('ignores values too short to mask safely', () => {
  const masker = new Masker();
  masker.add('abc');
  assert.equal(masker.size, 0);
  assert.equal(masker.mask('abc'), 'abc');
});

test('masks inside JSON, including values with quotes', () => {
  const masker = new Masker();
  masker.add('pa"ss\\word');
  const masked = masker.maskDeep({ nested: { value: 'x pa"ss\\word y' } });
  assert.deepEqual(masked, { nested: { value: 'x *** y' } });
});

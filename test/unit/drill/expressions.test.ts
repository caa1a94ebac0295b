import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, referencesIn, UnresolvedReferenceError, type Scope } from '../../../src/drill/expressions.ts';

const scope: Scope = {
  env: { HOME: '/home/x', EMPTY: '' },
  vars: { DIR: 'infra' },
  steps: { tf: { outputs: { port: 6443, nested: { ip: '10.0.0.1' } } } },
  run: { id: 'r1', dir: '/tmp/r1' },
  drill: { dir: '/drills', name: 'cold-start' },
  target: { kind: 'sim' },
};

test('expands expressions inside strings and keeps the type of a whole-string expression', () => {
  assert.deepEqual(expand({ a: '${vars.DIR}/prod', b: '${steps.tf.outputs.port}', c: ['${steps.tf.outputs.nested.ip}'], d: 'drill-${run.id}' }, scope), {
    a: 'infra/prod',
    b: 6443,
    c: ['10.0.0.1'],
    d: 'drill-r1',
  });
});

test('defaults apply to missing and empty environment variables; $${ is a literal', () => {
  assert.equal(expand('${env.NOPE:-fallback}', scope), 'fallback');
  assert.equal(expand('${env.EMPTY:-fallback}', scope), 'fallback');
  assert.equal(expand('cost $${not.expanded}', scope), 'cost ${not.expanded}');
});

test('a missing value says what to do', () => {
  assert.throws(() => expand('${env.GITLAB_TOKEN}', scope), (error: unknown) => {
    assert.ok(error instanceof UnresolvedReferenceError);
    assert.equal(error.message, '${env.GITLAB_TOKEN}: environment variable GITLAB_TOKEN is not set; export it or give a default with ${env.GITLAB_TOKEN:-value}');
    return true;
  });
});

test('lists references for plan-time checks', () => {
  assert.deepEqual(
    referencesIn({ a: ['${steps.x.outputs.y} and ${env.Z:-1}'] }).map((reference) => [reference.path.join('.'), reference.fallback]),
    [['steps.x.outputs.y', undefined], ['env.Z', '1']],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeNode, fakeNodeNames, KWOK_NODE_ANNOTATION } from '../../../src/cluster/local/fake-node-spec.ts';

test('a local cluster of n nodes names them kwok-node-0 … kwok-node-<n-1>; fewer than one is refused', () => {
  assert.deepEqual(fakeNodeNames(1), ['kwok-node-0']);
  assert.deepEqual(fakeNodeNames(3), ['kwok-node-0', 'kwok-node-1', 'kwok-node-2']);
  assert.throws(() => fakeNodeNames(0), /at least one node, not 0/);
  assert.throws(() => fakeNodeNames(1.5), /at least one node/);
});

test('a fake node carries the annotation kwok-controller manages, its hostname label and extra labels', () => {
  const node = fakeNode('kwok-node-2', { pool: 'late' });
  assert.equal(node.metadata?.annotations?.[KWOK_NODE_ANNOTATION], 'fake');
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'kwok-node-2');
  assert.equal(node.metadata?.labels?.['pool'], 'late');
});

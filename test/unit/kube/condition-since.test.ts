// When the awaited condition began, read from the objects themselves: RFC 3339 read strictly, the
// latest among every matched object, and no instant at all when one of them has no readable time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/contract/cluster.ts';
import { conditionSince, describeSince, parseRfc3339 } from '../../../src/kube/condition-since.ts';

test('RFC 3339: seconds, fractions (truncated to ms) and offsets', () => {
  assert.equal(parseRfc3339('2026-12-01T10:09:47Z'), Date.UTC(2026, 11, 1, 10, 9, 47));
  assert.equal(parseRfc3339('2026-12-01T10:09:47.5Z'), Date.UTC(2026, 11, 1, 10, 9, 47, 500));
  assert.equal(parseRfc3339('2026-12-01T10:09:47.123456789Z'), Date.UTC(2026, 11, 1, 10, 9, 47, 123));
  assert.equal(parseRfc3339('2026-12-01t10:09:47z'), Date.UTC(2026, 11, 1, 10, 9, 47));
  assert.equal(parseRfc3339('2026-12-01T12:09:47+02:00'), Date.UTC(2026, 11, 1, 10, 9, 47));
  assert.equal(parseRfc3339('2026-12-01T05:39:47-04:30'), Date.UTC(2026, 11, 1, 10, 9, 47));
  assert.equal(parseRfc3339('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
});

test('RFC 3339: anything that is not one real instant is no instant', () => {
  for (const text of ['', 'yesterday', '2026-12-01', '2026-12-01T10:09:47', '2026-12-01 10:09:47Z', '2026-12-01T10:09Z', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T10:60:00Z', '2026-12-01T10:09:60Z', '2026-12-01T10:09:47+2:00', '2026-12-01T10:09:47.Z', ' 2026-12-01T10:09:47Z']) {
    assert.equal(parseRfc3339(text), undefined, text);
  }
  for (const value of [undefined, null, 1_796_000_000_000, {}]) assert.equal(parseRfc3339(value), undefined, String(value));
});

const kustomization = (name: string, ready: Record<string, unknown> | undefined): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  status: { conditions: [{ type: 'Reconciling', status: 'False', lastTransitionTime: '2026-12-01T11:00:00Z' }, ...(ready ? [{ type: 'Ready', status: 'True', ...ready }] : [])] },
});
const READY = { type: 'Ready', status: 'True' } as const;

test('one object: its condition\'s lastTransitionTime, named', () => {
  assert.deepEqual(conditionSince('Kustomization', [kustomization('apps', { lastTransitionTime: '2026-12-01T10:09:47Z' })], READY), {
    at: Date.UTC(2026, 11, 1, 10, 9, 47),
    source: 'Kustomization flux-system/apps Ready lastTransitionTime',
  });
  assert.equal(describeSince({ at: Date.UTC(2026, 11, 1, 10, 9, 47), source: 'Kustomization flux-system/apps Ready lastTransitionTime' }), 'Kustomization flux-system/apps Ready lastTransitionTime: 2026-12-01T10:09:47.000Z');
});

test('several objects: the state "all of them" began with the latest; that object is named', () => {
  const objects = [kustomization('infrastructure-controllers', { lastTransitionTime: '2026-12-01T10:05:00Z' }), kustomization('apps', { lastTransitionTime: '2026-12-01T10:09:47Z' }), kustomization('infrastructure-configs', { lastTransitionTime: '2026-12-01T10:07:00.900Z' })];
  assert.deepEqual(conditionSince('Kustomization', objects, READY), { at: Date.UTC(2026, 11, 1, 10, 9, 47), source: 'Kustomization flux-system/apps Ready lastTransitionTime (latest of 3)' });
});

test('one object without a readable lastTransitionTime: no instant for any, never the others\' guess', () => {
  const good = kustomization('apps', { lastTransitionTime: '2026-12-01T10:09:47Z' });
  assert.equal(conditionSince('Kustomization', [good, kustomization('configs', {})], READY), undefined);
  assert.equal(conditionSince('Kustomization', [good, kustomization('configs', { lastTransitionTime: 'not a time' })], READY), undefined);
  assert.equal(conditionSince('Kustomization', [good, kustomization('configs', undefined)], READY), undefined);
  assert.equal(conditionSince('Kustomization', [], READY), undefined);
});

test('a condition awaited in another status says which', () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: '2026-12-01T10:00:00Z' }] } } as KubeObject;
  assert.equal(conditionSince('Node', [node], { type: 'Ready', status: 'Unknown' })?.source, 'Node worker-1 Ready=Unknown lastTransitionTime');
});

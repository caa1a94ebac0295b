import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGET_FAULTS, type FaultName } from '../../../../src/drill/faults.ts';
import { STAGED_FAULTS } from '../../../../src/targets/local/faults.ts';
import { plantBeforeStep, plantedAtStepStart } from '../../../../src/targets/local/plant-before.ts';

test('every fault the local target offers is planted in exactly one way: while staging, or as its step starts', () => {
  for (const fault of Object.keys(TARGET_FAULTS.local) as FaultName[]) {
    assert.equal(Number(STAGED_FAULTS.includes(fault)) + Number(plantedAtStepStart(fault)), 1, fault);
  }
});

test('a staged fault needs nothing at its step; a step-start fault without a drill cluster cannot be planted', async () => {
  const scene = { step: { id: 'drain', kind: 'k8s.drain', inputs: { node: 'kwok-node-1' } }, log: () => undefined, signal: new AbortController().signal, localCluster: undefined, kubeConfig: undefined };
  await plantBeforeStep(new Map([['drain', 'prune-disabled']]), scene);
  await plantBeforeStep(new Map(), scene);
  await assert.rejects(plantBeforeStep(new Map([['drain', 'no-spare-capacity']]), scene), /no-spare-capacity needs the drill cluster, and none is running when drain starts/);
  await assert.rejects(plantBeforeStep(new Map([['drain', 'fail' as FaultName]]), scene), /the local target has no way to plant fail/);
});

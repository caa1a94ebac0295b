// source-controller-down through the local target's dispatch, with real processes standing in for
// the Flux controllers: the one named is SIGKILLed before the step runs and stays down, the others
// run on, and stopping the cluster afterwards leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { LocalCluster } from '../../../../../src/cluster/local/index.ts';
import { killProcessNamed } from '../../../../../src/cluster/local/flux-controllers.ts';
import { startProcess, type ManagedProcess } from '../../../../../src/cluster/local/processes.ts';
import { isPidAlive } from '../../../../../src/cluster/local/kwok-cluster.ts';
import { plantBeforeStep } from '../../../../../src/targets/local/plant-before.ts';
import { tempDir } from '../../../../helpers/drill-fixtures.ts';

async function controllers(): Promise<{ processes: ManagedProcess[]; cluster: LocalCluster }> {
  const dir = await tempDir();
  const processes = ['source-controller', 'kustomize-controller'].map((name) => startProcess({ name, command: 'sleep', args: ['300'], logFile: path.join(dir, `${name}.log`) }));
  const cluster = { killController: async (name: string) => ({ pid: (await killProcessNamed(processes, name)).pid }) } as unknown as LocalCluster;
  return { processes, cluster };
}

const reconcile = { id: 'reconcile', kind: 'flux.reconcile', inputs: {} };

test('source-controller-down kills source-controller as the reconcile starts; kustomize-controller runs on', async () => {
  const { processes, cluster } = await controllers();
  const [source, kustomize] = processes as [ManagedProcess, ManagedProcess];
  try {
    const lines: string[] = [];
    await plantBeforeStep(new Map([['reconcile', 'source-controller-down']]), { step: reconcile, log: (line) => lines.push(line), signal: new AbortController().signal, localCluster: cluster, kubeConfig: () => assert.fail('no API call needed') });
    assert.equal(isPidAlive(source.pid), false, 'source-controller is gone');
    assert.equal(kustomize.exited(), false, 'kustomize-controller still runs');
    assert.deepEqual(lines, [`source-controller (pid ${source.pid}) killed with SIGKILL, as the OOM killer does, and not restarted: no new revision is fetched`]);
  } finally {
    await Promise.all(processes.map((managed) => managed.stop(200)));
  }
  assert.deepEqual(processes.filter((managed) => isPidAlive(managed.pid)).map((managed) => managed.name), [], 'the cluster stop leaves nothing');
});

test('another step, or a run without the fault, leaves the controllers alone', async () => {
  const { processes, cluster } = await controllers();
  try {
    const scene = { step: reconcile, log: () => undefined, signal: new AbortController().signal, localCluster: cluster, kubeConfig: () => assert.fail('no API call needed') };
    await plantBeforeStep(new Map([['revert', 'source-controller-down']]), scene);
    await plantBeforeStep(new Map(), scene);
    assert.deepEqual(processes.map((managed) => managed.exited()), [false, false]);
  } finally {
    await Promise.all(processes.map((managed) => managed.stop(200)));
  }
});

test('a controller that is not there, or already gone, cannot be killed: the fault is not planted', async () => {
  const { processes } = await controllers();
  try {
    await assert.rejects(killProcessNamed(processes, 'helm-controller'), /no process helm-controller to kill/);
    await killProcessNamed(processes, 'source-controller');
    await assert.rejects(killProcessNamed(processes, 'source-controller'), /source-controller \(pid \d+\) had already exited/);
  } finally {
    await Promise.all(processes.map((managed) => managed.stop(200)));
  }
});

test('without a running cluster the fault has nothing to stop', async () => {
  await assert.rejects(
    plantBeforeStep(new Map([['reconcile', 'source-controller-down']]), { step: reconcile, log: () => undefined, signal: new AbortController().signal, localCluster: undefined, kubeConfig: undefined }),
    /source-controller-down needs the drill cluster, and none is running when reconcile starts/,
  );
});

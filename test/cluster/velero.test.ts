// velero.restore against a real Velero server (v1.18, AWS plugin, moto as S3), the way the local
// target uses it: "production" (one local cluster) backs up through a ReadWrite location with a
// Schedule, then is gone; the drill cluster's own Velero server reads the same bucket through a
// ReadOnly location, and `dr-drill run` restores on the kubeconfig target. A restore that completes
// (name per attempt, items restored, RPO from the backup's start), one that really fails (the
// backup's tarball is gone from the bucket), and a writable location refused before anything runs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startLocalCluster, type LocalCluster } from '../../src/cluster/local/index.ts';
import { applyObject } from '../../src/cluster/local/kube.ts';
import { MOTO_PACKAGE, startS3Server, type S3Server } from '../../src/cluster/local/s3-server.ts';
import { backupFromSchedule, createSchedule, waitForSyncedBackups, type VeleroBackup } from '../../src/cluster/local/velero-backups.ts';
import { startVeleroServer, type VeleroServer } from '../../src/cluster/local/velero-server.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { requirePythonPackage, requireTools } from '../helpers/tools.ts';
import { leftoversSince, snapshot, type Snapshot } from './leftovers.ts';

const tools = await requireTools(['velero', 'velero-plugin-for-aws']);
const moto = await requirePythonPackage(MOTO_PACKAGE);
const skip = tools.skip !== false ? tools.skip : moto.skip;
const BUCKET = 'dr-drill-backups';

async function sampleApps(kc: KubeConfig): Promise<void> {
  for (const namespace of ['paperless', 'mediabox']) {
    await applyObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await applyObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${namespace}-settings`, namespace }, data: { owner: namespace } } as never);
    const labels = { app: namespace };
    await applyObject(kc, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: namespace, namespace, labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: namespace, image: `example.invalid/${namespace}:1` }] } } } } as never);
  }
}

async function runDrill(kubeconfig: string, body: string, extraArgs: string[] = []): Promise<{ code: number | null; result: DrillResult | undefined; output: string }> {
  const dir = await tempDir();
  writeFileSync(path.join(dir, 'drill.yaml'), `apiVersion: dr-drill.io/v1\nkind: Drill\nname: velero-real\nscenario: namespace-restore\ntarget: kubeconfig\nobjectives:\n  rpo: { data: 24h }\n${body}`);
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', path.join(dir, 'drill.yaml'), '--out', out, ...extraArgs], { env: { KUBECONFIG: kubeconfig } });
  let result: DrillResult | undefined;
  try {
    result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  } catch {
    result = undefined;
  }
  return { code: run.code, result, output: run.stdout + run.stderr };
}

const restoreStep = (backup: string, extra = '', policy = '') => `phases:\n  - name: restore\n    steps:\n      - id: velero-restore\n        kind: velero.restore\n        timeout: 5m\n        rpo: data\n${policy}        with: { backup: ${backup}, includedNamespaces: [paperless, mediabox]${extra} }\n`;

describe('velero.restore against a real Velero server', { skip, timeout: 1_200_000 }, () => {
  let before0: Snapshot;
  let dir: string;
  let s3: S3Server | undefined;
  let drill: LocalCluster | undefined;
  let drillVelero: VeleroServer | undefined;
  let good: VeleroBackup;
  let corrupt: VeleroBackup;
  const log = (line: string) => process.stderr.write(`# ${line}\n`);
  const started: number[] = [];
  const clusterDirs: string[] = [];

  before(async () => {
    before0 = snapshot();
    dir = await tempDir('dr-drill-local-velero-');
    s3 = await startS3Server({ dir: path.join(dir, 's3') });
    started.push(s3.process.pid);
    await s3.createBucket(BUCKET);
    // Production: the apps, a ReadWrite location, the daily Schedule and two backups from it.
    const production = await startLocalCluster({ flux: false, registerExitHandlers: false, log: (line) => log(`production ${line}`) });
    started.push(...production.pids());
    clusterDirs.push(production.dir);
    try {
      const kc = production.kubeConfig();
      await sampleApps(kc);
      const velero = await startVeleroServer({ kubeconfigPath: production.kubeconfigPath, dir: path.join(dir, 'velero-production'), s3: { url: s3.url, bucket: BUCKET }, accessMode: 'ReadWrite', log });
      started.push(velero.process.pid);
      try {
        const target = { server: velero, kubeconfigPath: production.kubeconfigPath, kubeConfig: kc };
        await createSchedule(target, { name: 'daily', cron: '0 3 * * *', namespaces: ['paperless', 'mediabox'] });
        good = await backupFromSchedule(target, 'daily', 'daily-good');
        corrupt = await backupFromSchedule(target, 'daily', 'daily-corrupt');
        assert.deepEqual([good.status.phase, corrupt.status.phase], ['Completed', 'Completed']);
      } finally {
        await velero.stop();
      }
    } finally {
      await production.stop();
    }
    // The corrupted backup: its resource tarball is gone from the bucket.
    const key = `backups/${corrupt.name}/${corrupt.name}.tar.gz`;
    assert.ok((await s3.listKeys(BUCKET, `backups/${corrupt.name}/`)).includes(key));
    await s3.deleteObject(BUCKET, key);
    // The drill cluster: empty, with its own Velero server reading the bucket.
    drill = await startLocalCluster({ flux: false, registerExitHandlers: false, log: (line) => log(`drill ${line}`) });
    started.push(...drill.pids());
    clusterDirs.push(drill.dir);
    drillVelero = await startVeleroServer({ kubeconfigPath: drill.kubeconfigPath, dir: path.join(dir, 'velero-drill'), s3: { url: s3.url, bucket: BUCKET }, accessMode: 'ReadOnly', log });
    started.push(drillVelero.process.pid);
    await waitForSyncedBackups(drill.kubeConfig(), drillVelero, [good.name, corrupt.name]);
  });

  after(async () => {
    await drillVelero?.stop();
    await drill?.stop();
    await s3?.stop();
    // Only what this file started (other runs on the machine come and go): by pid, or by its directory in the command line or environment.
    const ours = (line: string): boolean => {
      const pid = line.split(':')[0]!;
      if (started.includes(Number(pid)) || line.includes(dir)) return true;
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    };
    assert.deepEqual(leftoversSince(before0).processes.filter(ours), [], 'no velero, moto or cluster process left');
    assert.deepEqual(clusterDirs.filter((clusterDir) => existsSync(clusterDir)), [], 'both clusters removed their directories');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a real Restore of the backup completes: items restored, a name per attempt, the RPO from the backup\'s start', async () => {
    const { code, result, output } = await runDrill(drill!.kubeconfigPath, restoreStep(good.name));
    assert.equal(code, 0, output);
    const step = result!.steps.find((candidate) => candidate.id === 'velero-restore')!;
    assert.equal(step.outputs.phase, 'Completed');
    assert.equal(step.outputs.restore, `velero-restore-${result!.run.id}`);
    assert.equal(step.outputs.backup, good.name);
    assert.ok(Number(step.outputs.itemsRestored) > 0 && step.outputs.itemsRestored === step.outputs.totalItems, JSON.stringify(step.outputs));
    const core = drill!.kubeConfig().makeApiClient(CoreV1Api);
    assert.deepEqual((await core.readNamespacedConfigMap({ namespace: 'paperless', name: 'paperless-settings' })).data, { owner: 'paperless' });
    const sample = result!.rpo.find((rpo) => rpo.dataClass === 'data')!.samples[0]!;
    assert.equal(sample.source, `velero backup velero/${good.name} status.startTimestamp`);
    assert.equal(Date.parse(sample.dataTime), Date.parse(good.status.startTimestamp!));
    assert.equal(sample.ageMs, Date.parse(result!.run.startedAt) - Date.parse(good.status.startTimestamp!));

    // The same run id again (a re-run): the first Restore is there, this one takes the next name.
    const again = await runDrill(drill!.kubeconfigPath, restoreStep(good.name, ', allowExistingNamespaces: true'), ['--run-id', result!.run.id]);
    assert.equal(again.code, 0, again.output);
    const second = again.result!.steps.find((candidate) => candidate.id === 'velero-restore')!;
    assert.equal(second.outputs.restore, `velero-restore-${result!.run.id}-2`);
    assert.equal(second.outputs.phase, 'Completed');
  });

  test('a backup whose tarball is gone from the bucket fails the restore with the server\'s reason, on every attempt under its own name', async (t) => {
    const { code, result, output } = await runDrill(drill!.kubeconfigPath, restoreStep(corrupt.name, ', allowExistingNamespaces: true', '        retries: 1\n        retryDelay: 1s\n'));
    assert.equal(code, 1, output);
    const step = result!.steps.find((candidate) => candidate.id === 'velero-restore')!;
    assert.equal(step.status, 'failed');
    assert.equal(step.error!.code, 'EVELERO');
    t.diagnostic(step.error!.message);
    // The retry's Restore has a name of its own (the first attempt's is taken): -2.
    assert.equal(step.attempts.length, 2);
    assert.match(step.error!.message, new RegExp(`^Velero restore velero-restore-${result!.run.id}-2 did not complete cleanly: phase Failed`));
    // The server's own reason: it could not download the backup's tarball (S3 NoSuchKey).
    assert.match(step.error!.message, /failureReason: restore execution failed: error downloading backup: .*daily-corrupt\.tar\.gz.*NoSuchKey/);
    const data = result!.rpo.find((rpo) => rpo.dataClass === 'data')!;
    assert.deepEqual([data.verdict, data.samples], ['not-reached', []], 'data that did not come back has no RPO');
  });

  test('a writable backup location is refused before anything runs', async () => {
    const api = drill!.kubeConfig().makeApiClient(CustomObjectsApi);
    const location = { group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'backupstoragelocations', name: 'default' };
    const restores = async () => ((await api.listNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores' })) as { items: unknown[] }).items.length;
    const restoresBefore = await restores();
    await api.patchNamespacedCustomObject({ ...location, body: [{ op: 'replace', path: '/spec/accessMode', value: 'ReadWrite' }] });
    try {
      const { code, result, output } = await runDrill(drill!.kubeconfigPath, restoreStep(good.name));
      assert.equal(code, 3, output);
      assert.match(output, /EPRODTARGET step "velero-restore" would restore through backup storage location velero\/default, which is ReadWrite/);
      assert.equal(result, undefined, 'nothing ran');
      assert.equal(await restores(), restoresBefore, 'no Restore was created');
    } finally {
      await api.patchNamespacedCustomObject({ ...location, body: [{ op: 'replace', path: '/spec/accessMode', value: 'ReadOnly' }] });
    }
  });
});

// The faults the local target plants before T0, with the real restic and age-keygen: a tampered
// repository that restic refuses to restore, a backup whose canary records end a week before its
// snapshot, an age key for the cluster that is not the one the tree is sealed for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MISSING_CANARY_GAP_MS } from '../../../../src/drill/faults.ts';
import { stageBackup } from '../../../../src/targets/local/backup.ts';
import { localFaults } from '../../../../src/targets/local/faults.ts';
import { tempDir } from '../../../helpers/drill-fixtures.ts';
import { requireTools } from '../../../helpers/tools.ts';

const tools = await requireTools(['restic', 'age-keygen']);
process.env.PATH = tools.PATH;
const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-26T12:00:00Z');

function restic(backup: { repository: string; passwordFile: string }, args: string[], dir: string) {
  return spawnSync(tools.paths.restic!, ['-r', backup.repository, ...args], { env: { ...process.env, RESTIC_PASSWORD_FILE: backup.passwordFile, RESTIC_CACHE_DIR: path.join(dir, 'restore-cache') }, encoding: 'utf8' });
}

test('tampered-backup flips a byte in every pack file: restic refuses to restore and check reports the damage', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const backup = await stageBackup(dir, { ageMs: 5 * HOUR, now: NOW });
  const clean = restic(backup, ['restore', 'latest', '--target', path.join(dir, 'clean'), '--verify'], dir);
  assert.equal(clean.status, 0, clean.stderr);
  const tampered = localFaults(new Map([['velero-restore', 'tampered-backup']])).spoilBackup(backup);
  assert.ok(tampered.length >= 2, `packs: ${tampered.join(', ')}`);
  assert.ok(tampered.every((pack) => pack.startsWith(path.join(backup.repository, 'data'))));
  const restore = restic(backup, ['restore', 'latest', '--target', path.join(dir, 'restored'), '--verify'], dir);
  assert.notEqual(restore.status, 0, 'restic restored a tampered repository');
  const check = restic(backup, ['check', '--read-data'], dir);
  assert.notEqual(check.status, 0, check.stdout);
});

test('without tampered-backup the repository is left as it was', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const backup = await stageBackup(dir, { ageMs: 5 * HOUR, now: NOW });
  assert.deepEqual(localFaults(new Map([['velero-restore', 'missing-canary']])).spoilBackup(backup), []);
  assert.equal(restic(backup, ['check', '--read-data'], dir).status, 0);
});

test('missing-canary: the snapshot is as fresh as ever, but its newest canary record is a week older', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const faults = localFaults(new Map([['velero-restore', 'missing-canary']]));
  assert.deepEqual(faults.backup, { canaryGapMs: MISSING_CANARY_GAP_MS });
  const backup = await stageBackup(dir, { ageMs: 5 * HOUR, now: NOW, ...faults.backup });
  assert.equal(backup.snapshotTime, NOW - 5 * HOUR);
  const canary = readFileSync(path.join(backup.dataDir, 'paperless', 'data', 'canary.log'), 'utf8').trim().split('\n');
  assert.equal(canary.at(-1), `${new Date(NOW - 5 * HOUR - MISSING_CANARY_GAP_MS).toISOString()} canary ok`);
  assert.deepEqual(localFaults(new Map()).backup, {});
});

test('wrong-age-key: the cluster gets a fresh key that is not the one the tree is sealed for', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const recipient = (file: string) => spawnSync(tools.paths['age-keygen']!, ['-y', file], { encoding: 'utf8' }).stdout.trim();
  const drillKey = path.join(dir, 'drill.agekey');
  spawnSync(tools.paths['age-keygen']!, ['-o', drillKey]);
  const faults = localFaults(new Map([['terraform-apply', 'wrong-age-key']]));
  const keys = await faults.ageKeys(drillKey, path.join(dir, 'age'));
  // Both keys' private identities go to the run's masker (the made one as well as the drill's own).
  const identity = (file: string) => readFileSync(file, 'utf8').split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;
  assert.deepEqual(faults.identities().sort(), [identity(drillKey), identity(keys.cluster!)].sort());
  assert.equal(keys.sealWith, drillKey);
  assert.match(recipient(keys.cluster!), /^age1/);
  assert.notEqual(recipient(keys.cluster!), recipient(drillKey));
  // Without a drill key the target seals the built-in sample for a key of its own, so the wrong one has something to fail on.
  const made = await localFaults(new Map([['terraform-apply', 'wrong-age-key']])).ageKeys(undefined, path.join(dir, 'made'));
  assert.match(recipient(made.sealWith!), /^age1/);
  assert.notEqual(recipient(made.sealWith!), recipient(made.cluster!));
  assert.deepEqual(await localFaults(new Map()).ageKeys(drillKey, path.join(dir, 'none')), { sealWith: drillKey, cluster: drillKey });
});

test('stale-decryption-secret: the cluster local.up creates decrypts with sops-age-legacy, holding the key the masker knows', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const drillKey = path.join(dir, 'drill.agekey');
  spawnSync(tools.paths['age-keygen']!, ['-o', drillKey]);
  const faults = localFaults(new Map([['cluster', 'stale-decryption-secret']]));
  assert.deepEqual(faults.clusterOptions, { decryptionSecret: 'sops-age-legacy' });
  // The legacy Secret gets the cluster's key file (the drill's own key): its identity is masked.
  const keys = await faults.ageKeys(drillKey, path.join(dir, 'age'));
  assert.deepEqual(keys, { sealWith: drillKey, cluster: drillKey });
  assert.deepEqual(faults.identities(), [readFileSync(drillKey, 'utf8').split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))!]);
  assert.deepEqual(localFaults(new Map([['rotate', 'foreign-sops-file']])).clusterOptions, {});
});

test('prune-disabled: the cluster a local.up creates gets Kustomizations that never prune; without it, as its tree says', () => {
  assert.deepEqual(localFaults(new Map([['cluster', 'prune-disabled']]), () => 'local.up').clusterOptions, { prune: false });
  assert.deepEqual(localFaults(new Map([['cluster', 'wrong-age-key']]), () => 'local.up').clusterOptions, {});
  assert.deepEqual(localFaults(new Map()).clusterOptions, {});
});

test('the local target refuses a fault it cannot plant', () => {
  assert.throws(() => localFaults(new Map([['velero-restore', 'fail']])), /the local target cannot inject "fail" into step "velero-restore"/);
});

test('tampered-backup spoils what the step it is attached to reads: Velero\'s tarball for velero.restore, restic\'s packs for data.check', { skip: tools.skip }, async () => {
  const dir = await tempDir();
  const backup = await stageBackup(dir, { ageMs: 5 * HOUR, now: NOW });
  const puts: Array<[string, string, string]> = [];
  const s3 = { putObject: async (bucket: string, key: string, body: string) => void puts.push([bucket, key, body]) };
  const kinds: Record<string, string> = { 'velero-restore': 'velero.restore', 'paperless-check': 'data.check' };

  const onVelero = localFaults(new Map([['velero-restore', 'tampered-backup']]), (id) => kinds[id]);
  assert.deepEqual(onVelero.spoilBackup(backup), []);
  assert.equal(await onVelero.spoilVeleroBackup(s3, 'production', 'daily-20261126'), 'backups/daily-20261126/daily-20261126.tar.gz');
  assert.equal(puts.length, 1);
  assert.equal(puts[0]![0], 'production');
  assert.doesNotMatch(puts[0]![2], /^\x1f\x8b/, 'the replacement must not be a gzip stream');
  assert.equal(restic(backup, ['restore', 'latest', '--target', path.join(dir, 'still-clean'), '--verify'], dir).status, 0);

  const onData = localFaults(new Map([['paperless-check', 'tampered-backup']]), (id) => kinds[id]);
  assert.equal(await onData.spoilVeleroBackup(s3, 'production', 'daily-20261126'), undefined);
  assert.equal(puts.length, 1);
  assert.ok(onData.spoilBackup(backup).length >= 2);
  assert.notEqual(restic(backup, ['restore', 'latest', '--target', path.join(dir, 'restored'), '--verify'], dir).status, 0);
});

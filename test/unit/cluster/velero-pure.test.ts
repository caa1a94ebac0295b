// The parts of the local Velero that need no server: the objects it is started with, Velero's
// naming of scheduled backups, and how a finished backup is described.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupOutcome, PERSISTED_PHASES, scheduledBackupName } from '../../../src/cluster/local/velero-backups.ts';
import { veleroCrdPins, veleroObjects } from '../../../src/cluster/local/velero-server.ts';

test('the drill\'s location is ReadOnly on the same bucket, with path-style S3 at the local service', () => {
  const objects = veleroObjects({ s3: { url: 'http://127.0.0.1:4566', bucket: 'prod-backups' }, accessMode: 'ReadOnly' }, 'not-a-real-key') as Array<{ kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; stringData?: Record<string, string> }>;
  assert.deepEqual(objects.map((object) => `${object.kind}/${object.metadata.name}`), ['Namespace/velero', 'Deployment/velero', 'Secret/cloud-credentials', 'BackupStorageLocation/default']);
  const location = objects.find((object) => object.kind === 'BackupStorageLocation')!;
  assert.deepEqual(location.spec, {
    provider: 'aws',
    default: true,
    accessMode: 'ReadOnly',
    objectStorage: { bucket: 'prod-backups' },
    credential: { name: 'cloud-credentials', key: 'cloud' },
    config: { region: 'us-east-1', s3ForcePathStyle: 'true', s3Url: 'http://127.0.0.1:4566', checksumAlgorithm: '' },
  });
  assert.match(objects.find((object) => object.kind === 'Secret')!.stringData!.cloud!, /^\[default\]\naws_access_key_id = dr-drill\naws_secret_access_key = not-a-real-key\n$/);
});

test('every Velero CRD directory of the pinned module is installed (the server refuses to start without v2alpha1)', () => {
  assert.deepEqual(veleroCrdPins().map((pin) => `${pin.module}@${pin.version}/${pin.dir}`), ['github.com/vmware-tanzu/velero@v1.18.3/config/crd/v1/bases', 'github.com/vmware-tanzu/velero@v1.18.3/config/crd/v2alpha1/bases']);
  assert.ok(veleroCrdPins().every((pin) => pin.files === undefined), 'all files of each directory');
});

test('scheduled backups are named as Velero names them, and a finished backup is described with its counts', () => {
  assert.equal(scheduledBackupName('daily', new Date('2026-12-01T03:04:05.678Z')), 'daily-20261201030405');
  assert.equal(backupOutcome({ name: 'b', status: { phase: 'PartiallyFailed', errors: 2 } }), 'PartiallyFailed (2 error(s))');
  assert.equal(backupOutcome({ name: 'b', status: { phase: 'Failed', failureReason: 'bucket gone' } }), 'Failed: bucket gone');
  assert.equal(backupOutcome({ name: 'b', status: { phase: 'Completed' } }), 'Completed');
  assert.deepEqual([...PERSISTED_PHASES], ['Completed', 'PartiallyFailed']);
});

/**
 * Faults the local target plants before T0 in what survives the disaster, for negative controls:
 * a tampered backup (the Velero Backup's resource tarball overwritten in the bucket, so the real
 * Restore fails; or a byte every 32 bytes of every restic pack file flipped, so restic's MAC check refuses the
 * restore), a backup whose canary records stop a week before its snapshot (only a canary check
 * sees the data is old), and a cluster whose decryption Secret holds an age key that is not a
 * recipient of the GitOps tree (kustomize-controller cannot decrypt), a cluster that decrypts with
 * another Secret than the sops-age the runbook rotates, and a SOPS file in the tree sealed only for
 * a key nobody holds (./planted/foreign-sops-file.ts). No step is forced to fail:
 * the drill's real checks have to find each fault.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../cluster/local/processes.ts';
import { MISSING_CANARY_GAP_MS, TARGET_FAULTS, faultsOf, type FaultName } from '../../drill/faults.ts';
import { DrillError } from '../../util/errors.ts';
import type { S3Server } from '../../cluster/local/s3-server.ts';
import type { StagedBackup } from './backup.ts';
import type { KubeObject } from '../../contract/cluster.ts';
import { fakeNode, KWOK_NODE_ANNOTATION } from '../../cluster/local/fake-node-spec.ts';
import { plantForeignSopsFile } from './planted/foreign-sops-file.ts';

/** The Secret a stale-decryption-secret cluster decrypts with: not the sops-age the runbook rotates. */
export const LEGACY_DECRYPTION_SECRET = 'sops-age-legacy';

/** The faults this module plants while the target stages production or builds a cluster or node; the rest are planted as their step starts (./plant-before.ts). */
export const STAGED_FAULTS: readonly FaultName[] = ['tampered-backup', 'missing-canary', 'wrong-age-key', 'node-without-kubelet', 'prune-disabled', 'stale-decryption-secret', 'foreign-sops-file'];

/** What a tampered-backup fault spoils, by the kind of the step it is attached to. */
const RESTIC_READERS = new Set(['restic.restore', 'data.check']);

export interface LocalFaults {
  /** stageBackup's options for a missing-canary backup. */
  backup: { canaryGapMs?: number };
  /** After staging: tampers the restic repository for a tampered-backup on a restic reader; the pack files it changed. */
  spoilBackup(backup: StagedBackup): string[];
  /** After staging: overwrites the Velero backup's resource tarball for a tampered-backup on velero.restore; the key it spoiled. */
  spoilVeleroBackup(s3: Pick<S3Server, 'putObject'>, bucket: string, backupName: string): Promise<string | undefined>;
  /** The age key the GitOps tree is sealed for, and the one the cluster's sops-age Secret gets. */
  ageKeys(drillKey: string | undefined, dir: string): Promise<{ sealWith: string | undefined; cluster: string | undefined }>;
  /** The private identities of every age key file ageKeys returned (the drill's own included): for the run's masker. */
  identities(): string[];
  /**
   * startLocalCluster's options for the cluster local.up creates: with stale-decryption-secret it
   * decrypts with sops-age-legacy, with prune-disabled its Kustomizations never prune.
   */
  clusterOptions: { decryptionSecret?: string; prune?: boolean };
  /** The GitOps tree production's repository is built from: with foreign-sops-file a copy in `dir` with talos/talsecret.sops.yaml added. */
  gitopsTree(tree: string, dir: string, sops: () => string): Promise<string>;
  /** The Node a local.node-join step registers: a kwok node, or with node-without-kubelet one nothing posts status for. */
  joiningNode(stepId: string, name: string, labels: Record<string, string>): { node: KubeObject; statusFrom: string };
}

export function localFaults(faults: ReadonlyMap<string, FaultName>, kindOf: (stepId: string) => string | undefined = () => undefined): LocalFaults {
  const planted = new Set(faults.values());
  const keyFiles = new Set<string>();
  const remember = <T extends { sealWith: string | undefined; cluster: string | undefined }>(keys: T): T => {
    for (const file of [keys.sealWith, keys.cluster]) if (file) keyFiles.add(file);
    return keys;
  };
  const tamperedKinds = new Set([...faults].filter(([, fault]) => fault === 'tampered-backup').map(([stepId]) => kindOf(stepId)));
  for (const [stepId, fault] of faults) {
    if (!TARGET_FAULTS.local[fault]) throw new DrillError('EUSAGE', `the local target cannot inject "${fault}" into step "${stepId}"`, { details: `on local a fault is one of: ${faultsOf('local')}` });
  }
  return {
    backup: planted.has('missing-canary') ? { canaryGapMs: MISSING_CANARY_GAP_MS } : {},
    spoilBackup: (backup) => ([...tamperedKinds].some((kind) => kind === undefined || RESTIC_READERS.has(kind)) ? tamperRepository(backup.repository) : []),
    async spoilVeleroBackup(s3, bucket, backupName) {
      if (!tamperedKinds.has('velero.restore')) return undefined;
      // Velero reads the backup's objects from this gzip tarball; garbage in its place cannot be restored.
      const key = `backups/${backupName}/${backupName}.tar.gz`;
      await s3.putObject(bucket, key, 'dr-drill tampered-backup: this is not the gzip tarball Velero wrote\n');
      return key;
    },
    async ageKeys(drillKey, dir) {
      if (!planted.has('wrong-age-key')) return remember({ sealWith: drillKey, cluster: drillKey });
      // Without a drill key the built-in sample is sealed for a key made here, so the wrong one has something to fail on.
      const sealWith = drillKey ?? (await newAgeKey(path.join(dir, 'production.agekey')));
      return remember({ sealWith, cluster: await newAgeKey(path.join(dir, 'not-a-recipient.agekey')) });
    },
    identities: () => [...keyFiles].flatMap(identitiesIn),
    // The legacy Secret holds the cluster's key file, which ageKeys already remembered for the masker.
    clusterOptions: { ...(planted.has('stale-decryption-secret') ? { decryptionSecret: LEGACY_DECRYPTION_SECRET } : {}), ...(planted.has('prune-disabled') ? { prune: false } : {}) },
    gitopsTree: async (tree, dir, sops) => (planted.has('foreign-sops-file') ? (await plantForeignSopsFile(tree, dir, sops())).dir : tree),
    joiningNode(stepId, name, labels) {
      const node = fakeNode(name, labels) as KubeObject;
      if (faults.get(stepId) !== 'node-without-kubelet') return { node, statusFrom: 'kwok-controller (it reports the node Ready)' };
      // Without kwok's annotation no controller posts this node's status: like a kubelet that never started.
      delete node.metadata.annotations?.[KWOK_NODE_ANNOTATION];
      return { node, statusFrom: 'nothing: fault node-without-kubelet, no kubelet runs behind this node (kwok-controller does not manage it)' };
    },
  };
}

/**
 * Flips a byte every 32 bytes of every pack file (data/xx/<id>): each encrypted blob (16-byte nonce,
 * data, 16-byte MAC: at least 32 bytes) gets one, whichever blob a restore reads, so restic's MAC
 * check fails on it.
 */
export function tamperRepository(repository: string): string[] {
  const packs = filesUnder(path.join(repository, 'data'));
  if (packs.length === 0) throw new DrillError('ELOCAL', `tampered-backup: no pack file under ${repository}/data to tamper with`);
  for (const pack of packs) {
    const fd = openSync(pack, 'r+');
    try {
      const byte = Buffer.alloc(1);
      for (let offset = Math.min(20, statSync(pack).size - 1), size = statSync(pack).size; offset < size; offset += 32) {
        readSync(fd, byte, 0, 1, offset);
        byte[0] = byte[0]! ^ 0xff;
        writeSync(fd, byte, 0, 1, offset);
      }
    } finally {
      closeSync(fd);
    }
  }
  // The staging's cache holds clean copies of the tree packs; the restore must read the repository.
  rmSync(path.join(path.dirname(repository), 'restic-cache'), { recursive: true, force: true });
  return packs;
}

function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : entry.isFile() ? [path.join(dir, entry.name)] : [])).sort();
}

/** AGE-SECRET-KEY-1... lines of a key file; none when it cannot be read (preflight reports that). */
function identitiesIn(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
  } catch {
    return [];
  }
}

async function newAgeKey(file: string): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true });
  await runChecked('age-keygen', ['-o', file]);
  return file;
}

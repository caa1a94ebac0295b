/**
 * foreign-sops-file: before T0 production's GitOps tree gets talos/talsecret.sops.yaml (where
 * talhelper keeps the Talos secrets), sealed with the real sops only for an age key made here and
 * deleted at once: no one the drill knows can open it. No Flux path reads it, so the cluster stays
 * green; only a rotation that re-encrypts every SOPS file, or checks each one, can see it.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readKustomizations } from '../../../cluster/local/flux-bootstrap.ts';
import { runChecked } from '../../../cluster/local/processes.ts';
import { ageRecipientOf } from '../../../cluster/local/sops.ts';
import { DrillError } from '../../../util/errors.ts';

export const FOREIGN_SOPS_FILE = 'talos/talsecret.sops.yaml';

/** A copy of `tree` in `dir` with the foreign file; the recipient it is sealed for (its private key no longer exists). */
export async function plantForeignSopsFile(tree: string, dir: string, sops: string): Promise<{ dir: string; file: string; recipient: string }> {
  cpSync(tree, dir, { recursive: true });
  const file = path.join(dir, FOREIGN_SOPS_FILE);
  if (existsSync(file)) throw new DrillError('ELOCAL', `foreign-sops-file: the GitOps tree already has ${FOREIGN_SOPS_FILE}`, { details: 'the fault adds that file; plant it in a tree without one' });
  const reading = readKustomizations(path.join(dir, 'clusters', 'drill')).find((kustomization) => readsPath(String(kustomization.spec?.['path'] ?? '.'), FOREIGN_SOPS_FILE));
  if (reading) throw new DrillError('ELOCAL', `foreign-sops-file: Kustomization ${reading.metadata?.name} reads ${FOREIGN_SOPS_FILE} (path ${String(reading.spec?.['path'])})`, { details: 'the file must lie outside every Flux path, or the baseline cluster could not decrypt it' });

  const scratch = `${dir}.foreign-key`;
  mkdirSync(scratch, { recursive: true });
  try {
    const key = path.join(scratch, 'foreign.agekey');
    await runChecked('age-keygen', ['-o', key]);
    const recipient = await ageRecipientOf(key);
    // The private key goes before anything is sealed: only its public half is ever used.
    rmSync(key, { force: true });
    // Sealed outside the tree with a config of its own, so the tree's creation rules do not apply.
    writeFileSync(path.join(scratch, '.sops.yaml'), `creation_rules:\n  - age: ${recipient}\n`);
    const sealed = path.join(scratch, 'talsecret.sops.yaml');
    writeFileSync(sealed, talsecret());
    await runChecked(sops, ['--config', path.join(scratch, '.sops.yaml'), '--encrypt', '--in-place', sealed], { cwd: scratch, env: { ...process.env, SOPS_AGE_KEY_FILE: '/nonexistent' } });
    if (!readFileSync(sealed, 'utf8').includes('ENC[AES256_GCM')) throw new DrillError('ELOCAL', `sops left ${sealed} in plaintext`, { details: 'the fault seals the file with its own --config; check the pinned sops runs (npm run build:test-infra)' });
    mkdirSync(path.dirname(file), { recursive: true });
    renameSync(sealed, file);
    return { dir, file, recipient };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Whether a Kustomization with `spec.path` builds `file` (a path below its directory). */
function readsPath(specPath: string, file: string): boolean {
  const root = path.posix.normalize(specPath.replace(/^\.\//, '')).replace(/\/$/, '');
  return root === '.' || root === '' || file.startsWith(`${root}/`);
}

/** talhelper's talsecret layout, with random values (never real Talos secrets). */
function talsecret(): string {
  const value = (bytes: number) => randomBytes(bytes).toString('base64');
  return `cluster:\n  id: ${value(32)}\n  secret: ${value(32)}\nsecrets:\n  bootstraptoken: ${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}\n  secretboxencryptionsecret: ${value(32)}\ntrustdinfo:\n  token: ${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}\n`;
}

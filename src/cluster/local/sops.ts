/**
 * SOPS for the local target: seals the sample GitOps tree for an age recipient as production's
 * repository is sealed (a .sops.yaml with the recipient, apps/paperless/secrets.sops.yaml encrypted
 * with the pinned sops, the apps Kustomization decrypting with the sops-age Secret), and creates
 * that Secret in flux-system from the age key the drill provides, so kustomize-controller decrypts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { FLUX_NAMESPACE } from './flux-controllers.ts';
import { httpCode } from './kube.ts';
import { runChecked } from './processes.ts';
import { DrillError } from '../../util/errors.ts';

export const SOPS_AGE_SECRET = 'sops-age';
const SECRET_TEMPLATE = fileURLToPath(new URL('./sops-sample/paperless-secrets.yaml', import.meta.url));
const SEALED_PATH = 'apps/paperless/secrets.sops.yaml';

/** The public key (age1...) of an age key file's first identity, as `age-keygen -y` prints it. */
export async function ageRecipientOf(keyFile: string): Promise<string> {
  const recipient = (await runChecked('age-keygen', ['-y', keyFile])).split('\n')[0]?.trim() ?? '';
  if (!recipient.startsWith('age1')) throw new DrillError('ELOCAL', `${keyFile} holds no AGE-SECRET-KEY-1... identity (age-keygen -y printed no age1... recipient)`, { details: 'pass an age identity file made by age-keygen' });
  return recipient;
}

/**
 * Seals a copy of the sample tree in `treeDir` for `recipient`: writes .sops.yaml, encrypts the
 * paperless Secret into the tree with `sops`, lists it in the paperless kustomization, and makes the
 * apps Kustomization decrypt with the sops-age Secret. Returns the sealed file's path.
 */
export async function sealSampleTree(treeDir: string, recipient: string, sops: string): Promise<string> {
  const sopsConfig = join(treeDir, '.sops.yaml');
  writeFileSync(sopsConfig, `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient}\n`);
  const plaintext = readFileSync(SECRET_TEMPLATE, 'utf8').replace(/^#.*\n/gm, '');
  const sealedFile = join(treeDir, SEALED_PATH);
  writeFileSync(sealedFile, plaintext);
  // Encrypted in place with the tree's .sops.yaml (found from the file's directory upwards).
  await runChecked(sops, ['--encrypt', '--in-place', sealedFile], { cwd: treeDir, env: { ...process.env, SOPS_AGE_KEY_FILE: '/nonexistent' } });
  if (readFileSync(sealedFile, 'utf8').includes('dr-drill-sample-not-a-real-secret')) throw new DrillError('ELOCAL', `sops left ${sealedFile} in plaintext`, { details: 'check the .sops.yaml creation rules match the file' });

  const kustomization = join(treeDir, 'apps', 'paperless', 'kustomization.yaml');
  const doc = parseDocument(readFileSync(kustomization, 'utf8'));
  const resources = (doc.get('resources') as { items: unknown[]; add(value: string): void } | undefined);
  if (resources && !resources.items.some((item) => String((item as { value?: unknown }).value ?? item) === 'secrets.sops.yaml')) resources.add('secrets.sops.yaml');
  writeFileSync(kustomization, doc.toString());

  const apps = join(treeDir, 'clusters', 'drill', 'apps.yaml');
  const appsDoc = parseDocument(readFileSync(apps, 'utf8'));
  appsDoc.setIn(['spec', 'decryption'], { provider: 'sops', secretRef: { name: SOPS_AGE_SECRET } });
  writeFileSync(apps, appsDoc.toString());
  return sealedFile;
}

/** The sops-age Secret kustomize-controller decrypts with (runbook: kubectl create secret generic sops-age --from-file=age.agekey), or another name. */
export async function createSopsAgeSecret(kubeConfig: KubeConfig, keyFile: string, name: string = SOPS_AGE_SECRET): Promise<void> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  await api.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FLUX_NAMESPACE } } }).catch((error: unknown) => {
    if (httpCode(error) !== 409) throw error;
  });
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: FLUX_NAMESPACE }, type: 'Opaque', stringData: { 'age.agekey': readFileSync(keyFile, 'utf8') } };
  try {
    await api.createNamespacedSecret({ namespace: FLUX_NAMESPACE, body });
  } catch (error) {
    if (httpCode(error) !== 409) throw new DrillError('ELOCAL', `cannot create Secret ${FLUX_NAMESPACE}/${name}: ${httpCode(error) ?? 'no response'}`, { details: 'check that the local cluster API server answers' });
    await api.replaceNamespacedSecret({ name, namespace: FLUX_NAMESPACE, body });
  }
}

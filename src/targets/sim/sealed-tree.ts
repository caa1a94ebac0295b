/**
 * The simulated GitOps tree sealed with SOPS, as production's repository is (runbook 000: secrets
 * encrypted with sops for the age key, Flux decrypting with flux-system/sops-age): a `.sops.yaml`
 * naming the production key's recipient and the apps layer's Secrets encrypted for it.
 */
import { stringify } from 'yaml';
import { encryptYaml, ENCRYPTED_REGEX, type AgeKey } from './sops-format.ts';

/** The age key Secret the decrypting Kustomizations name. */
export const SOPS_AGE_SECRET = 'sops-age';

/** The Secrets the apps layer keeps in Git, encrypted (path -> manifest with its clear values). */
const SEALED_SECRETS: Record<string, object> = {
  'apps/production/paperless/secret-paperless-secrets.sops.yaml': { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'paperless-secrets', namespace: 'paperless' }, type: 'Opaque', stringData: { PAPERLESS_SECRET_KEY: 'sim-paperless-secret-key-not-real', PAPERLESS_DBPASS: 'sim-paperless-db-password' } },
  'apps/production/mediabox/secret-jellyfin-api.sops.yaml': { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'jellyfin-api', namespace: 'mediabox' }, type: 'Opaque', stringData: { JELLYFIN_API_KEY: 'sim-jellyfin-api-key-not-real' } },
};

/** `.sops.yaml` and the encrypted Secrets for `key`, sealed once (every seeded commit holds the same ciphertext). */
export function sealedFiles(key: AgeKey, lastmodified: string): Map<string, string> {
  const files = new Map<string, string>();
  files.set('.sops.yaml', `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    encrypted_regex: ${ENCRYPTED_REGEX}\n    age: ${key.recipient}\n`);
  for (const [file, manifest] of Object.entries(SEALED_SECRETS)) files.set(file, encryptYaml(stringify(manifest), [key.recipient], lastmodified));
  return files;
}

/** The decryption a Kustomization of a sealed tree declares. */
export const SOPS_DECRYPTION = { provider: 'sops', secretRef: { name: SOPS_AGE_SECRET } };

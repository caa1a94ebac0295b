/** kustomize-controller's SOPS decryption of a manifest with the age identities of the Kustomization's decryption Secret. */
import type { KubeObject } from '../../../contract/cluster.ts';
import { decryptManifest, identitiesIn, SopsDecryptError } from '../sops-format.ts';
import type { SimWorld } from '../world.ts';

/** kustomize-controller's SOPS decryption: the identities of the decryption Secret, or the build fails. */
export function decryptFor(world: SimWorld, kustomization: KubeObject, manifest: KubeObject): KubeObject {
  const decryption = kustomization.spec?.decryption as { provider?: string; secretRef?: { name: string } } | undefined;
  if (decryption?.provider !== 'sops') {
    // Without decryption the encrypted manifest reaches the API server as it is.
    throw new SopsDecryptError(`${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name} dry-run failed: failed to create typed patch object: .sops: field not declared in schema`);
  }
  const secret = decryption.secretRef ? world.store.get({ apiVersion: 'v1', kind: 'Secret', name: decryption.secretRef.name, namespace: kustomization.metadata.namespace ?? 'flux-system' }) : undefined;
  if (decryption.secretRef && !secret) throw new SopsDecryptError(`cannot get decryption Secret '${kustomization.metadata.namespace}/${decryption.secretRef.name}': secrets "${decryption.secretRef.name}" not found`);
  const identities = Object.entries((secret?.data ?? {}) as Record<string, string>)
    .filter(([key]) => key.endsWith('.agekey'))
    // Each value is an age key file (comments and identities), as age.ParseIdentities reads it.
    .flatMap(([, value]) => identitiesIn(Buffer.from(value, 'base64').toString('utf8')));
  try {
    return decryptManifest(manifest, identities);
  } catch (error) {
    // kustomize-controller v1.9's wording: the object, then the sops error.
    const [group, version] = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/') : ['[noGrp]', manifest.apiVersion];
    const name = `${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;
    throw new SopsDecryptError(`decryption failed for '${manifest.kind}.${version}.${group}/${manifest.metadata.name}': failed to decrypt and format '${name}' ${manifest.kind} data: cannot get sops data key: ${(error as Error).message}`);
  }
}

/**
 * Installs upstream CRDs (Flux source/kustomize, Velero) read from the Go module
 * cache at run time, and waits until the API server serves them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, loadAllYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { CrdPin } from './infra-versions.ts';
import { applyObject, findCondition } from './kube.ts';
import { goModuleDir } from './module-cache.ts';
import { waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export async function readCrds(pin: CrdPin): Promise<V1CustomResourceDefinition[]> {
  const dir = join(await goModuleDir(pin.module, pin.version), pin.dir);
  const files = pin.files ?? readdirSync(dir).filter((fileName) => fileName.endsWith('.yaml')).sort();
  const out: V1CustomResourceDefinition[] = [];
  for (const fileName of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, fileName), 'utf8');
    } catch {
      throw new DrillError('ETESTINFRA', `CRD file ${fileName} not found in ${pin.module}@${pin.version}/${pin.dir}`, { details: 'fix the crds pin in test-infra/versions.json (files must exist in that module version)' });
    }
    for (const doc of loadAllYaml(text) as Array<V1CustomResourceDefinition | null>) {
      if (doc?.kind === 'CustomResourceDefinition') out.push(doc);
    }
  }
  if (out.length === 0) throw new DrillError('ETESTINFRA', `no CRDs in ${pin.module}@${pin.version}/${pin.dir}`, { details: 'fix the crds pin in test-infra/versions.json (dir must hold CustomResourceDefinition YAML)' });
  return out;
}

/** Applies the CRDs of every pin and waits for Established=True. Returns the CRD names. */
export async function installCrds(kubeConfig: KubeConfig, pins: CrdPin[], timeoutMs = 60_000): Promise<string[]> {
  const crds = (await Promise.all(pins.map(readCrds))).flat();
  for (const crd of crds) await applyObject(kubeConfig, crd);
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const names = crds.map((crd) => crd.metadata?.name ?? '');
  await Promise.all(
    names.map((name) =>
      waitFor(
        async () => {
          const got = await api.readCustomResourceDefinition({ name });
          return findCondition(got, 'Established')?.status === 'True' ? true : undefined;
        },
        { what: `CRD ${name} Established`, timeoutMs },
      ),
    ),
  );
  return names;
}

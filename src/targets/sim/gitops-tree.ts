/**
 * The simulated GitOps tree and how Flux reads it: one YAML file per object under the layer's
 * path (clusters/drill/ holds the Kustomizations), with the status a controller would set the
 * moment an object is created kept apart, and the build of a Kustomization's path at a revision
 * (every YAML file below it, as kustomize-controller generates a kustomization.yaml when none exists).
 */
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../contract/cluster.ts';
import { layerContent, layerKustomizations } from './cluster-content.ts';
import type { Tree } from './git-remote.ts';

/** Where each layer's manifests live in the tree (the Kustomization's spec.path without "./"). */
export const LAYER_DIRS: Record<string, string> = {
  'infrastructure-controllers': 'infrastructure/controllers',
  'infrastructure-configs': 'infrastructure/configs',
  apps: 'apps/production',
};

/** The file an object lives in: <layer dir>/<namespace or group>/<kind>-<name>.yaml. */
export function manifestPath(layerDir: string, object: KubeObject): string {
  const group = object.metadata.namespace ?? (object.kind === 'Namespace' ? object.metadata.name : object.kind.toLowerCase());
  return `${layerDir}/${group}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

export function toManifest(object: KubeObject): string {
  const { status: _status, ...manifest } = object;
  return stringify(manifest);
}

/** The tree at the seeded HEAD: the layers' Kustomizations and every object they apply (and, sealed, .sops.yaml and the encrypted Secrets). */
export function seedTree(readme: string, sealed?: { files: ReadonlyMap<string, string>; decryption: Record<string, unknown> }): Map<string, string> {
  const tree = new Map<string, string>();
  tree.set('README.md', readme);
  for (const object of layerKustomizations(sealed?.decryption)) tree.set(`clusters/drill/${object.metadata.name}.yaml`, toManifest(object));
  for (const [file, text] of sealed?.files ?? []) tree.set(file, text);
  for (const [layer, dir] of Object.entries(LAYER_DIRS)) {
    for (const object of layerContent(layer)) tree.set(manifestPath(dir, object), toManifest(object));
  }
  return tree;
}

/** Status a controller sets as soon as the object exists (a PVC bound by the provisioner, a Deployment not yet available). */
export function initialStatus(object: KubeObject): Record<string, unknown> | undefined {
  for (const layer of Object.keys(LAYER_DIRS)) {
    const seeded = layerContent(layer).find((candidate) => candidate.kind === object.kind && candidate.metadata.name === object.metadata.name && candidate.metadata.namespace === object.metadata.namespace);
    if (seeded?.status) return structuredClone(seeded.status);
  }
  if (object.kind === 'Deployment') return layerContent('apps').find((candidate) => candidate.kind === 'Deployment')?.status;
  if (object.kind === 'PersistentVolumeClaim') return { phase: 'Bound' };
  return undefined;
}

export interface BuiltFile {
  file: string;
  text: string;
  objects: KubeObject[];
}

export class BuildError extends Error {}

/** Every YAML file below `path` (a Kustomization's spec.path) at this tree, parsed into objects. */
export function buildPath(tree: Tree, path: string): BuiltFile[] {
  const dir = path.replace(/^\.\//, '').replace(/\/$/, '');
  const prefix = dir === '' || dir === '.' ? '' : `${dir}/`;
  const files = [...tree.keys()].filter((file) => file.startsWith(prefix) && /\.ya?ml$/.test(file) && !/(^|\/)(kustomization\.ya?ml|\.sops\.ya?ml)$/.test(file)).sort();
  if (prefix && files.length === 0 && ![...tree.keys()].some((file) => file.startsWith(prefix))) {
    throw new BuildError(`kustomization path not found: stat /tmp/kustomization-1234/${dir}: no such file or directory`);
  }
  return files.map((file) => {
    const text = tree.get(file)!;
    const objects: KubeObject[] = [];
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) throw new BuildError(`kustomize build failed: ${file}: ${document.errors[0]!.message}`);
      const value = document.toJS() as KubeObject | null;
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || !value.apiVersion || !value.kind || !value.metadata?.name) {
        throw new BuildError(`kustomize build failed: ${file}: missing Resource metadata`);
      }
      objects.push(value);
    }
    return { file, text, objects };
  });
}

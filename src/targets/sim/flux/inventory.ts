/** A Kustomization's inventory: server-side apply of a build, the entries it records, and pruning of the rest. */
import type { KubeObject } from '../../../contract/cluster.ts';
import { initialStatus } from '../gitops-tree.ts';
import type { SimWorld } from '../world.ts';

export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function inventoryId(entry: InventoryEntry): string {
  const group = entry.apiVersion.includes('/') ? entry.apiVersion.split('/')[0] : '';
  return `${entry.namespace ?? ''}_${entry.name}_${group}_${entry.kind}`;
}

export function inventoryOf(object: KubeObject): InventoryEntry[] {
  const entries: { id: string; v: string }[] = object.status?.inventory?.entries ?? [];
  return entries.map(({ id, v }) => {
    const [namespace, name, group, kind] = id.split('_');
    return { apiVersion: group ? `${group}/${v}` : v, kind: kind!, name: name!, ...(namespace ? { namespace } : {}) };
  });
}

export function entryOf(object: KubeObject, defaultNamespace: string): InventoryEntry {
  const clusterScoped = ['Namespace', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Node', 'PersistentVolume'].includes(object.kind);
  return { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(clusterScoped ? {} : { namespace: object.metadata.namespace ?? defaultNamespace }) };
}

/** Server-side apply as far as the sim needs it: create what is missing, update what differs. */
export function apply(world: SimWorld, desired: KubeObject[], defaultNamespace: string): InventoryEntry[] {
  const entries: InventoryEntry[] = [];
  for (const manifest of desired) {
    const entry = entryOf(manifest, defaultNamespace);
    const object: KubeObject = { ...manifest, metadata: { ...manifest.metadata, ...(entry.namespace ? { namespace: entry.namespace } : {}) } };
    const existing = world.store.get(entry);
    if (!existing) {
      const status = initialStatus(object);
      world.store.create({ ...object, ...(status ? { status } : {}) });
    } else {
      const { apiVersion: _a, kind: _k, metadata, status: _s, ...body } = object;
      const drifted = Object.entries(body).some(([key, value]) => JSON.stringify(existing[key]) !== JSON.stringify(value)) || JSON.stringify(existing.metadata.labels ?? {}) !== JSON.stringify(metadata.labels ?? {});
      if (drifted) world.store.patch(entry, { ...body, metadata: { labels: metadata.labels ?? null } });
    }
    entries.push(entry);
  }
  return entries;
}

export function garbageCollect(world: SimWorld, entries: InventoryEntry[]): void {
  for (const entry of entries) {
    if (world.store.get(entry)) world.store.delete(entry);
  }
}

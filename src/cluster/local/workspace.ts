/**
 * The drill-owned temporary directory: everything the local cluster writes
 * (kwok workdir, kubeconfig, git repos, Flux storage, logs) lives below it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  root: string;
  path: (...parts: string[]) => string;
  remove: () => void;
}

export function createWorkspace(prefix = 'dr-drill-local-'): Workspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    path: (...parts) => join(root, ...parts),
    remove: () => rmSync(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}

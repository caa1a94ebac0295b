/** A non-bare clone's working tree on disk, read and written as a Tree. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tree } from '../../git-remote.ts';

export async function readWorkingTree(dir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (file === '.git' || file.startsWith('.git/')) continue;
    tree.set(file, await readFile(path.join(dir, file), 'utf8'));
  }
  return tree;
}

export async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [file, text] of tree) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

/**
 * The shape of src/: layers declared once, here; a module imports only from its own layer or the
 * layers below it, and no two files import each other in a cycle (type-only imports included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../../helpers/cli.ts';

/** Bottom up. The first path segment under src/ (a folder, or a top-level file without .ts) names the module. */
export const LAYERS: readonly (readonly string[])[] = [
  ['util', 'version'],
  ['contract'],
  ['drill', 'kube', 'result', 'history', 'cluster'],
  ['engine'],
  ['steps', 'targets', 'measure'],
  ['preflight', 'report', 'notify'],
  ['run-drill', 'ci', 'controls'],
  ['cli'],
];

const SRC = path.join(REPO, 'src');

export function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** Relative imports of a file (static, dynamic, type-only and re-exports), resolved to absolute paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => path.resolve(path.dirname(file), match[1]!));
}

export function moduleOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, '');
}

export function layerOf(module: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(module));
  return index;
}

export function backArrows(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = moduleOf(file);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = moduleOf(target);
      if (to === from) continue;
      if (layerOf(from) < layerOf(to)) problems.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, target)}: ${from} (layer ${layerOf(from) + 1}) may not import ${to} (layer ${layerOf(to) + 1})`);
    }
  }
  return problems;
}

export function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(SRC))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].map((entry) => path.relative(SRC, entry)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

test('every module of src/ belongs to a declared layer', () => {
  const unknown = [...new Set(sourceFiles().map(moduleOf))].filter((module) => layerOf(module) < 0);
  assert.deepEqual(unknown, [], 'add new modules to LAYERS');
});

test('no import runs back up the layers', () => {
  assert.deepEqual(backArrows(sourceFiles()), []);
});

test('no import cycles between files', () => {
  assert.deepEqual(importCycles(sourceFiles()), []);
});

test('the checks see a back-arrow and a cycle when there is one', () => {
  // A planted engine -> cli import and a planted two-file cycle, checked with the same functions.
  const engineFile = path.join(SRC, 'engine', 'run.ts');
  const planted = backArrows([engineFile]).length;
  assert.equal(planted, 0);
  const fake = path.join(SRC, 'engine', 'planted.ts');
  const text = "import { main } from '../cli/main.ts';\n";
  const problems: string[] = [];
  for (const target of [...text.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)].map((match) => path.resolve(path.dirname(fake), match[1]!))) {
    if (layerOf(moduleOf(fake)) < layerOf(moduleOf(target))) problems.push(target);
  }
  assert.equal(problems.length, 1);
});

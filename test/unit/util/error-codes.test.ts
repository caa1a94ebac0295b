import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, renderErrorCodeTable } from '../../../src/util/error-codes.ts';
import { REPO } from '../../helpers/cli.ts';

test("the README's table of error codes is the one rendered from the definitions", () => {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const table = /<!-- error-codes:start -->\n([\s\S]*?)\n<!-- error-codes:end -->/.exec(readme)?.[1];
  assert.equal(table, renderErrorCodeTable(), 'run: node scripts/readme-error-codes.ts');
});

test('every error code used in src/ is defined', () => {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) for (const match of readFileSync(file, 'utf8').matchAll(/(?:DrillError\(|code: |, )'(E[A-Z]{4,})'/g)) used.add(match[1]!);
    }
  };
  walk(path.join(REPO, 'src'));
  // Codes of Node's own system errors (the simulated target imitates them) are not dr-drill's.
  const system = new Set(['ENOENT', 'ENOTFOUND', 'ECONNREFUSED', 'EACCES']);
  const undefinedCodes = [...used].filter((code) => !(code in ERROR_CODES) && !system.has(code));
  assert.deepEqual(undefinedCodes, []);
  assert.ok(used.size >= 15, `found ${used.size} codes in use`);
});

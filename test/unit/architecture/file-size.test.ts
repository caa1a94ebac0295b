/**
 * Small files: no file of src/ is over MAX_LINES lines. Declared data (a file that is only a table
 * of constants) may be longer, but only when it is named in DECLARED_DATA, with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../../helpers/cli.ts';

export const MAX_LINES = 250;

/** Paths under src/ that are pure data and may exceed MAX_LINES, each with why. */
export const DECLARED_DATA: Readonly<Record<string, string>> = {};

const SRC = path.join(REPO, 'src');

/** Every .ts file under src/, as a path relative to src/ with forward slashes. */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

/** Lines as `wc -l` counts them, plus a last line without a newline. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

export function oversized(files: readonly { path: string; text: string }[], allowed: Readonly<Record<string, string>>): string[] {
  return files
    .filter((file) => !(file.path in allowed) && lineCount(file.text) > MAX_LINES)
    .map((file) => `${file.path} has ${lineCount(file.text)} lines (at most ${MAX_LINES}): split it along its seams into modules with one job each, or, if it is pure data, name it in DECLARED_DATA`);
}

test(`no file of src/ is over ${MAX_LINES} lines except declared data`, () => {
  const files = sourceFiles().map((file) => ({ path: file, text: readFileSync(path.join(SRC, file), 'utf8') }));
  assert.deepEqual(oversized(files, DECLARED_DATA), []);
});

test('every declared data file exists and needs its exemption', () => {
  const present = new Set(sourceFiles());
  for (const name of Object.keys(DECLARED_DATA)) {
    assert.ok(present.has(name), `DECLARED_DATA names ${name}, which is not a file of src/: remove it`);
    assert.ok(lineCount(readFileSync(path.join(SRC, name), 'utf8')) > MAX_LINES, `${name} is within ${MAX_LINES} lines: remove it from DECLARED_DATA`);
  }
});

test('the size check flags a long file, counts lines as wc -l does, and honours the allow-list', () => {
  const long = { path: 'engine/planted.ts', text: 'x;\n'.repeat(MAX_LINES + 1) };
  const fits = { path: 'engine/fits.ts', text: 'x;\n'.repeat(MAX_LINES - 1) + 'x;' };
  assert.equal(lineCount(long.text), MAX_LINES + 1);
  assert.equal(lineCount(fits.text), MAX_LINES);
  assert.deepEqual(oversized([long, fits], {}), [`engine/planted.ts has ${MAX_LINES + 1} lines (at most ${MAX_LINES}): split it along its seams into modules with one job each, or, if it is pure data, name it in DECLARED_DATA`]);
  assert.deepEqual(oversized([long, fits], { 'engine/planted.ts': 'a table of constants' }), []);
});

/**
 * The CLI answers at once because each command loads only what it uses: help loads no schema
 * library, and commands that touch nothing never load the Kubernetes client, process runners,
 * report builders, CI adapters or targets. (The wall-time targets are in bench/cli-start.bench.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, REPO } from '../../helpers/cli.ts';

/** Records every module URL the process loads, printed one per line to stderr at exit. */
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({ load(url, context, next) { loaded.add(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('\\n' + [...loaded].map((url) => 'loaded ' + url).join('\\n') + '\\n'));
`)}`;

function modulesLoadedBy(args: string[]): string[] {
  const run = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr.split('\n').filter((line) => line.startsWith('loaded ')).map((line) => line.slice('loaded '.length));
}

const HEAVY = [/node_modules\/@kubernetes\//, /node_modules\/execa\//, /node_modules\/zx\//, /node_modules\/junit-report-builder\//, /node_modules\/@actions\//, /\/src\/targets\//, /\/src\/engine\/run\.ts$/, /\/src\/run-drill\.ts$/, /\/src\/report\//, /\/src\/ci\//];

test('dr-drill --help loads only the CLI itself: no zod, no yaml, no step kinds', () => {
  const loaded = modulesLoadedBy(['--help']);
  assert.ok(loaded.some((url) => url.endsWith('/src/cli/main.ts')), 'the recorder sees the CLI');
  assert.deepEqual(loaded.filter((url) => /node_modules\/(?!node\/)|\/src\/(steps|drill|kube)\//.test(url)), []);
});

for (const args of [['validate', 'drills/cold-start.yaml'], ['plan', 'drills/cold-start.yaml', '--target', 'local'], ['kinds'], ['schema'], ['run', '--help']]) {
  test(`dr-drill ${args.join(' ')} loads no Kubernetes client, process runner, report builder, CI adapter or target`, () => {
    const loaded = modulesLoadedBy(args);
    assert.deepEqual(loaded.filter((url) => HEAVY.some((pattern) => pattern.test(url))), []);
  });
}

/**
 * Output is never cut off: through a pipe, whose reader takes its time, the CLI exits only after
 * stdout has written everything (the schema, a 10,000-step plan).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, REPO } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const STEPS = 10_000;

/**
 * Runs the CLI with stdout into an OS pipe (64 KiB) whose reader starts a second late, as `| wc -c`
 * or a busy CI log reader: a CLI that exits before its output has drained loses the rest.
 */
function throughSlowPipe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const pipeline = '{ "$@"; echo "exit code $?" >&2; } | { sleep 1; cat; }';
    const child = spawn('sh', ['-c', pipeline, 'sh', process.execPath, BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const code = Number(/exit code (\d+)\n$/.exec(stderr)?.[1] ?? Number.NaN);
      resolve({ code, stdout: Buffer.concat(chunks).toString('utf8'), stderr });
    });
  });
}

test('dr-drill schema through a pipe prints the whole schema', async () => {
  const dir = await tempDir('dr-drill-output-');
  const file = path.join(dir, 'schema.json');
  assert.equal((await throughSlowPipe(['schema', '--out', file])).code, 0);
  const expected = await readFile(file, 'utf8');
  assert.ok(Buffer.byteLength(expected) > 65_536, 'larger than a pipe buffer');
  const run = await throughSlowPipe(['schema']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(Buffer.byteLength(run.stdout), Buffer.byteLength(expected));
  assert.deepEqual(JSON.parse(run.stdout), JSON.parse(expected));
});

test('dr-drill plan of a 10,000-step drill through a pipe prints every line', async () => {
  const dir = await tempDir('dr-drill-output-');
  const file = path.join(dir, 'huge.yaml');
  const steps = Array.from({ length: STEPS }, (_, index) => `      - { id: step-${index}, kind: command, with: { run: ["true"] } }`);
  await writeFile(file, ['apiVersion: dr-drill.io/v1', 'kind: Drill', 'name: huge', 'scenario: cold-start', 'phases:', '  - name: all', '    steps:', ...steps, ''].join('\n'));
  const run = await throughSlowPipe(['plan', file]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.filter((line) => /^ {2}step-\d+ /.test(line)).length, STEPS);
  assert.match(lines.find((line) => line.startsWith(`  step-${STEPS - 1} `))!, /command\s+timeout 10m 00s$/);
  assert.equal(lines.at(-1), 'objectives');
});

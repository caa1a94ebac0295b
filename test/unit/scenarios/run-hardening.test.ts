import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { runDrill, loadPlan } from '../../../src/run-drill.ts';
import { claimOutDir, LOCK_FILE } from '../../../src/util/out-dir.ts';
import { DrillError, formatError } from '../../../src/util/errors.ts';
import { readResult } from '../../../src/result/io.ts';
import { LineBudget, BoundedText, tailOf } from '../../../src/util/output-limits.ts';
import { drillYaml, tempDir } from '../../helpers/drill-fixtures.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined, env: {} };

async function simDrill(dir: string, body: string): Promise<string> {
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, drillYaml(body, 'target: sim\n'));
  return file;
}

const ECHO = 'phases:\n  - name: p\n    steps:\n      - { id: hello, kind: command, with: { run: [echo, hello] } }\n';

test('a second run into a locked --out is refused with exit 3 naming the holder; a stale lock is taken over', async () => {
  const dir = await tempDir();
  const file = await simDrill(dir, ECHO);
  const out = path.join(dir, 'out');
  const lock = claimOutDir(out, 'holder-run-1');
  const errors: string[] = [];
  const code = await main(['run', file, '--out', out], { ...quiet, stderr: (text) => errors.push(text) });
  assert.equal(code, 3);
  assert.match(errors.join('\n'), new RegExp(`EUSAGE --out .*out is in use by run holder-run-1 \\(pid ${process.pid} `));
  lock.release();
  // A lock left by a process that is gone (here: a child that has exited).
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
  await writeFile(path.join(out, LOCK_FILE), JSON.stringify({ pid: deadPid, runId: 'dead-run', host: (await import('node:os')).hostname(), startedAt: 'then' }));
  assert.equal(await main(['run', file, '--out', out], quiet), 0);
  assert.ok(!(await readdir(out)).includes(LOCK_FILE), 'the lock is released when the run ends');
});

test('bad --out paths are refused before T0 with exit 3 and a clear message', async () => {
  const dir = await tempDir();
  const file = await simDrill(dir, ECHO);
  const aFile = path.join(dir, 'not-a-dir');
  await writeFile(aFile, 'x');
  for (const [out, message] of [
    [aFile, /--out .*not-a-dir is a file, not a directory/],
    ['/proc/self/reports', /--out \/proc\/self\/reports is on a kernel pseudo-filesystem/],
    [path.join(aFile, 'below'), /is not a directory dr-drill can write \(a parent is a file\)/],
  ] as const) {
    const errors: string[] = [];
    assert.equal(await main(['run', file, '--out', out], { ...quiet, stderr: (text) => errors.push(text) }), 3, out);
    assert.match(errors.join('\n'), message);
    assert.doesNotMatch(errors.join('\n'), /\n\s+at /, 'no stack trace');
  }
});

test('dr-drill report on a damaged result.json gives ERESULT naming the field', async () => {
  const dir = await tempDir();
  const file = await simDrill(dir, ECHO);
  const out = path.join(dir, 'out');
  await runDrill({ file, outDir: out, env: {} });
  const resultFile = path.join(out, 'result.json');
  const result = JSON.parse(await readFile(resultFile, 'utf8'));
  delete result.steps[0].status;
  result.milestones = 'none';
  await writeFile(resultFile, JSON.stringify(result));
  const errors: string[] = [];
  assert.equal(await main(['report', resultFile], { ...quiet, stderr: (text) => errors.push(text) }), 3);
  assert.match(errors.join('\n'), /ERESULT .*result\.json is damaged: steps\[0\]\.status: missing/);
  assert.match(errors.join('\n'), /milestones: expected an array, found string "none"/);
  await assert.rejects(readResult(resultFile), (error: DrillError) => error.code === 'ERESULT' && error.location?.field === 'steps[0].status');
});

test('a script outside the drill directory is refused at plan time, and through a symlink at run time, unless allowed', async () => {
  const dir = await tempDir();
  const drillDir = path.join(dir, 'drill');
  await mkdir(path.join(drillDir, 'scripts'), { recursive: true });
  await writeFile(path.join(dir, 'outside.ts'), "export default async function (context) { context.log.info('outside ran'); }\n");
  const step = (file: string, extra = '') => `phases:\n  - name: p\n    steps:\n      - { id: s, kind: script, with: { file: ${file}${extra} } }\n`;
  const file = await simDrill(drillDir, step('../outside.ts'));
  await assert.rejects(loadPlan(file), (error: Error) => /script \.\.\/outside\.ts is outside the drill's directory; .*allowOutsideDrillDir: true/.test(formatError(error)));
  const errors: string[] = [];
  assert.equal(await main(['validate', file], { ...quiet, stderr: (text) => errors.push(text) }), 3);
  assert.match(errors.join('\n'), /drill\.yaml:\d+:\d+ EINPUT file: script ..\/outside.ts is outside the drill's directory/);
  // A symlink inside the tree that points out of it is caught when the step runs.
  const { symlink } = await import('node:fs/promises');
  await symlink(path.join(dir, 'outside.ts'), path.join(drillDir, 'scripts', 'link.ts'));
  await simDrill(drillDir, step('scripts/link.ts'));
  const refused = await runDrill({ file, outDir: path.join(dir, 'out1'), env: {} });
  assert.equal(refused.result.steps[0]!.status, 'failed');
  assert.match(refused.result.steps[0]!.error!.message, /scripts\/link\.ts resolves to .*outside\.ts, outside the drill's directory/);
  await simDrill(drillDir, step('../outside.ts', ', allowOutsideDrillDir: true'));
  const allowed = await runDrill({ file, outDir: path.join(dir, 'out2'), env: {} });
  assert.equal(allowed.result.steps[0]!.status, 'passed');
});

test('output bounds keep a head, a marker of what was cut, and a tail', () => {
  const lines: string[] = [];
  const budget = new LineBudget(4096, (line) => lines.push(line));
  for (let index = 0; index < 10_000; index++) budget.push(`line ${index} ${'x'.repeat(90)}`);
  budget.end();
  assert.ok(lines.join('\n').length < 4096 + 100);
  assert.match(lines[0]!, /^line 0 /);
  assert.equal(lines.at(-1), `line 9999 ${'x'.repeat(90)}`);
  const marker = lines.find((line) => line.startsWith('[...'))!;
  assert.match(marker, /^\[\.\.\. 1\.0 MB cut \.\.\.\]$/);
  const text = new BoundedText(1 << 20);
  for (let index = 0; index < 200; index++) text.write('y'.repeat(1 << 20));
  assert.match(text.toString(), /\n\[\.\.\. 209 MB cut \.\.\.\]\n/);
  assert.ok(text.toString().length < (1 << 20) + 100);
  assert.equal(tailOf('a\nb\nc\nd', 2), 'c\nd');
  assert.equal(tailOf('abc', 5), 'abc');
  assert.match(tailOf('z'.repeat(10_000), 5), /^\[\.\.\. 5\.9 kB cut \.\.\.\] z{4096}$/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { clearPreviousRun } from '../../../src/report/clear-previous.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO } from '../../helpers/cli.ts';

test('a run into a reused --out leaves only its own reports and logs there; files dr-drill did not write stay', async () => {
  const out = path.join(await tempDir(), 'reports');
  const drill = path.join(REPO, 'drills/namespace-restore.yaml');
  await runDrill({ file: drill, target: 'sim', outDir: out, env: {} });
  const [someLog] = readdirSync(path.join(out, 'logs'));
  assert.ok(someLog, 'the first run wrote step logs');
  // What an earlier run (of another drill version) left: a log line, a step and a control that no longer exist.
  writeFileSync(path.join(out, 'logs', someLog), 'STALE LINE OF AN EARLIER RUN\n', { flag: 'a' });
  writeFileSync(path.join(out, 'logs', 'gone-step.log'), 'STALE\n');
  mkdirSync(path.join(out, 'controls', 'gone-control', 'logs'), { recursive: true });
  writeFileSync(path.join(out, 'controls', 'gone-control', 'junit.xml'), '<testsuites/>');
  writeFileSync(path.join(out, 'controls', 'gone-control', 'result.json'), '{}');
  writeFileSync(path.join(out, 'notes.txt'), 'mine');
  mkdirSync(path.join(out, 'controls', 'not-a-run'), { recursive: true });
  writeFileSync(path.join(out, 'controls', 'not-a-run', 'keep.txt'), 'mine too');

  await runDrill({ file: drill, target: 'sim', outDir: out, env: {} });
  assert.doesNotMatch(readFileSync(path.join(out, 'logs', someLog), 'utf8'), /STALE/);
  assert.equal(existsSync(path.join(out, 'logs', 'gone-step.log')), false);
  assert.equal(existsSync(path.join(out, 'controls', 'gone-control')), false);
  assert.equal(readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine');
  assert.equal(readFileSync(path.join(out, 'controls', 'not-a-run', 'keep.txt'), 'utf8'), 'mine too');
  assert.ok(existsSync(path.join(out, 'result.json')));
});

test('a --out no run wrote a result to is not cleared: logs/*.log there are the user\'s', async () => {
  const out = path.join(await tempDir(), 'mine');
  mkdirSync(path.join(out, 'logs'), { recursive: true });
  writeFileSync(path.join(out, 'logs', 'app.log'), 'my own log\n');
  writeFileSync(path.join(out, 'summary.md'), 'my notes\n');
  clearPreviousRun(out);
  assert.equal(readFileSync(path.join(out, 'logs', 'app.log'), 'utf8'), 'my own log\n');
  assert.equal(readFileSync(path.join(out, 'summary.md'), 'utf8'), 'my notes\n');
});

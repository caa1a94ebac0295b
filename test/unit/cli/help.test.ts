/** Help for every command, "did you mean" for a mistyped option, and trend without a history directory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TARGET_KINDS } from '../../../src/drill/schema.ts';
import { COMMANDS } from '../../../src/cli/commands/index.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

for (const name of COMMANDS.keys()) {
  test(`dr-drill ${name} --help, -h and dr-drill help ${name} show its usage, options and an example`, async () => {
    const runs = await Promise.all([[name, '--help'], [name, '-h'], ['help', name]].map((args) => runCli(args)));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.equal(run.stdout, runs[0]!.stdout);
    }
    const help = runs[0]!.stdout;
    assert.match(help, new RegExp(`^dr-drill ${name}: .+\\n\\nUsage: dr-drill ${name}\\b`));
    assert.match(help, /\nOptions:\n(.+\n)*  -h, --help +this help\n/);
    for (const option of Object.keys(COMMANDS.get(name)!.spec.options)) assert.match(help, new RegExp(`\\n  --${option}\\b`), `--${option} in ${name} help`);
    assert.match(help, new RegExp(`\\nExamples?:\\n  dr-drill ${name}\\b`));
  });
}

test('dr-drill --help lists every command; the run help names every target', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const name of COMMANDS.keys()) assert.match(top.stdout, new RegExp(`\\n  ${name} +\\S`));
  const run = await runCli(['run', '--help']);
  for (const target of TARGET_KINDS) assert.match(run.stdout, new RegExp(`--target T +.*\\b${target}\\b`));
});

test('an unknown option names the closest one and exits with the invalid-input code', async () => {
  const typo = await runCli(['run', 'drills/cold-start.yaml', '--outt', 'x']);
  assert.equal(typo.code, 3);
  assert.equal(typo.stderr, 'EUSAGE unknown option --outt; did you mean --out?\n  dr-drill run --help lists the options\n');
  const withValue = await runCli(['trend', '--histroy=.dr-drill/history']);
  assert.equal(withValue.code, 3);
  assert.match(withValue.stderr, /^EUSAGE unknown option --histroy; did you mean --history\?\n/);
  const unlike = await runCli(['validate', '--frobnicate', 'drills/cold-start.yaml']);
  assert.equal(unlike.code, 3);
  assert.equal(unlike.stderr, 'EUSAGE unknown option --frobnicate\n  dr-drill validate --help lists the options\n');
  const command = await runCli(['valdiate', 'drills/cold-start.yaml']);
  assert.equal(command.code, 3);
  assert.match(command.stderr, /^EUSAGE unknown command "valdiate"; did you mean "validate"\?\n/);
});

test('dr-drill trend --result works without a history directory; an explicit missing --history is still an error', async () => {
  const dir = await tempDir('dr-drill-trend-');
  const results = path.join(dir, 'results');
  await mkdir(results);
  const out = path.join(dir, 'reports');
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  await cp(path.join(out, 'result.json'), path.join(results, 'result.json'));
  // The working directory has no .dr-drill/history.
  const trend = await runCli(['trend', '--result', path.join(results, 'result.json'), '--out', path.join(dir, 'trend')], { cwd: dir });
  assert.equal(trend.code, 0, trend.stderr);
  assert.match(trend.stdout, /^trend of 1 run\(s\) of 1 drill\(s\): /);
  assert.match(await readFile(path.join(dir, 'trend', 'trend.md'), 'utf8'), /cold-start/);
  const missing = await runCli(['trend', '--history', path.join(dir, 'nowhere'), '--result', path.join(results, 'result.json')], { cwd: dir });
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /^ERESULT cannot read the history directory /);
});

test('run --help lists every fault drill/faults.ts defines (the help spells them out so it loads no drill code)', async () => {
  const { FAULT_NAMES } = await import('../../../src/drill/faults.ts');
  const help = await runCli(['run', '--help']);
  assert.ok(help.stdout.includes(`STEP=${FAULT_NAMES.join('|')}`), help.stdout);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { githubAnnotations, githubOutputs } from '../../../src/ci/github.ts';
import { readResult } from '../../../src/result/io.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const run = promisify(execFile);
const NODE = process.execPath;
// Made at test time in a token's shape, so no scanner mistakes the source for a leaked token.
const PLANTED = `ghp_${'PLANTEDsecretTOKENvalue0123456789'}`;

/** `name<<DELIM ... DELIM` blocks of GITHUB_OUTPUT, as the runner parses them. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}

async function ciDrill(extraArgs: string[]) {
  const dir = await tempDir('dr-drill-gh-');
  const summary = path.join(dir, 'summary.md');
  const output = path.join(dir, 'output.txt');
  await writeFile(summary, '');
  await writeFile(output, '');
  const out = path.join(dir, 'reports');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'homelab/dr-drill',
    GITHUB_RUN_ID: '777',
    GITHUB_TOKEN: PLANTED,
    PROXMOX_VE_API_TOKEN: `root@pam!drill=${PLANTED}`,
  };
  const child = await run(NODE, ['scripts/ci-drill.ts', 'run', 'drills/cold-start.yaml', '--target', 'sim', '--time-scale', '3000', '--out', out, ...extraArgs], { env }).then(
    (value) => ({ ...value, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code }),
  );
  return { ...child, dir, out, summary: await readFile(summary, 'utf8'), outputs: parseOutputFile(await readFile(output, 'utf8')) };
}

const passed = ciDrill([]);
const failed = ciDrill(['--fault', 'velero-restore=fail']);

test('a drill in GitHub Actions writes the job summary and the outputs', async () => {
  const { code, summary, outputs, out, stdout } = await passed;
  assert.equal(code, 0);
  const result = await readResult(path.join(out, 'result.json'));
  assert.match(summary, /^## ✅ DR drill `cold-start` passed on `sim`$/m);
  assert.match(summary, /^\| control-plane \| \d+m \d\d(\.\d{3})?s \| 4h 00m 00s \| ✅ met \|/m);
  assert.ok(summary.includes(`Reports (JUnit, result.json, metrics, step logs) are in the \`${out}\` artifact of this run.`));
  const rto = Object.fromEntries(result.milestones.map((m) => [m.name, Math.ceil(m.rtoMs!) / 1000]));
  assert.deepEqual(outputs, {
    verdict: 'passed',
    'exit-code': '0',
    reason: 'every step passed and every objective was met',
    'run-id': result.run.id,
    rto: JSON.stringify(rto),
    rpo: JSON.stringify(Object.fromEntries(result.rpo.map((r) => [r.dataClass, Math.ceil(r.achievedMs!) / 1000]))),
    'report-dir': out,
    'rto-control-plane': String(rto['control-plane']),
    'rto-critical-apps': String(rto['critical-apps']),
    'rpo-data': String(Math.ceil(result.rpo[0]!.achievedMs!) / 1000),
    'rpo-cluster-config': String(Math.ceil(result.rpo[1]!.achievedMs!) / 1000),
  });
  assert.match(stdout, /^github: job summary, outputs and 0 failed-step annotation\(s\) written$/m);
  assert.doesNotMatch(stdout, /::error/);
  // What ci-drill printed after the drill is followed by the RTO/RPO table again: the job log ends with the figures.
  const after = stdout.trimEnd().split('\n').slice(stdout.trimEnd().split('\n').findIndex((line) => line.startsWith('github: job summary')) + 1);
  assert.equal(after[0], 'RTO/RPO against the objectives (drill passed):');
  assert.deepEqual(after.slice(3).map((line) => line.split(/ {2,}/)[1]), ['RTO control-plane', 'RTO critical-apps', 'RPO data', 'RPO cluster-config']);
});

test('a failed step becomes an error annotation and the exit code stays the drill\'s', async () => {
  const { code, stdout, outputs, out } = await failed;
  assert.equal(code, 1);
  assert.equal(outputs.verdict, 'failed');
  assert.equal(outputs['exit-code'], '1');
  const result = await readResult(path.join(out, 'result.json'));
  const step = result.steps.find((item) => item.id === 'velero-restore')!;
  assert.ok(
    stdout.includes(`::error title=dr-drill step velero-restore failed,file=drills/cold-start.yaml::${step.error!.code} ${step.error!.message} (log: logs/velero-restore.log in the drill artifacts)`),
    stdout.split('\n').filter((line) => line.startsWith('::')).join('\n'),
  );
  assert.match(stdout, /^::error title=dr-drill RTO critical-apps not reached,file=drills\/cold-start\.yaml::milestone not reached: paperless-check was skipped, jellyfin-check was skipped, gitlab-check was skipped \(objective 8h 00m 00s\)$/m);
});

test('a planted token appears in no output, report, log, summary or CI output', async () => {
  for (const { stdout, stderr, summary, dir } of [await passed, await failed]) {
    const texts: [string, string][] = [['stdout', stdout], ['stderr', stderr], ['summary', summary]];
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) texts.push([path.join(entry.parentPath, entry.name), await readFile(path.join(entry.parentPath, entry.name), 'utf8')]);
    }
    assert.ok(texts.length > 8, 'reports and logs were written');
    for (const [where, text] of texts) assert.ok(!text.includes(PLANTED), `the planted token leaked into ${where}`);
  }
});

test('annotations and outputs come from the result alone', async () => {
  const result = await readResult(path.join((await failed).out, 'result.json'));
  const titles = githubAnnotations(result).map((annotation) => annotation.title);
  assert.deepEqual(titles, ['dr-drill step velero-restore failed', 'dr-drill RTO critical-apps not reached', 'dr-drill RPO data not restored']);
  assert.equal(githubOutputs(result).verdict, 'failed');
  assert.equal(githubOutputs(result)['rto-critical-apps'], undefined);
});

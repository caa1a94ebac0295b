/**
 * Live progress through the real CLI on sim: a collapsible section per phase in GitHub and GitLab
 * logs (GitLab's stamped in drill time, so it shows the phase's duration), and a heartbeat every
 * minute of drill time for the long Flux and Velero waits, naming what is awaited and its state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../../../src/result/model.ts';
import { createProgressPrinter } from '../../../src/cli/progress.ts';
import { formatDuration } from '../../../src/util/duration.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

async function run(env: Record<string, string>) {
  const out = await tempDir();
  const cli = await runCli(['run', 'drills/cold-start.yaml', '--target', 'sim', '--out', out], { env: { GITHUB_ACTIONS: '', GITLAB_CI: '', ...env } });
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  return { stdout: cli.stdout, result: JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as DrillResult };
}

test('GitHub Actions: one ::group:: per phase and teardown, each closed, the summary table after the last group', async () => {
  const { stdout, result } = await run({ GITHUB_ACTIONS: 'true' });
  const lines = stdout.split('\n');
  const opened = lines.filter((line) => line.startsWith('::group::'));
  assert.deepEqual(opened, [...result.phases.filter((p) => p.name !== 'finally').map((p) => `::group::phase ${p.name}`), '::group::teardown (finally)']);
  assert.equal(lines.filter((line) => line === '::endgroup::').length, opened.length);
  assert.ok(lines.lastIndexOf('::endgroup::') < lines.findIndex((line) => line.startsWith('  RTO control-plane ')));
  const provision = result.phases.find((p) => p.name === 'provision')!;
  assert.ok(lines.some((line) => line.endsWith(`── phase provision took ${formatDuration(provision.durationMs!)}`)), 'phase duration line');
});

test('GitLab: section_start/section_end pairs in drill time, collapsed, their difference the phase duration', async () => {
  const { stdout, result } = await run({ GITLAB_CI: 'true' });
  const starts = [...stdout.matchAll(/\u001b\[0Ksection_start:(\d+):(phase_\d+_[\w.-]+)\[collapsed=true\]\r\u001b\[0K(.+)/g)].map((m) => ({ at: Number(m[1]), name: m[2]!, title: m[3]! }));
  const ends = new Map([...stdout.matchAll(/\u001b\[0Ksection_end:(\d+):(phase_\d+_[\w.-]+)\r\u001b\[0K/g)].map((m) => [m[2]!, Number(m[1])]));
  assert.equal(starts.length, result.phases.length);
  for (const start of starts) assert.ok(ends.has(start.name), `${start.name} closed`);
  const provision = starts.find((s) => s.title === 'phase provision')!;
  const phase = result.phases.find((p) => p.name === 'provision')!;
  assert.equal(ends.get(provision.name)! - provision.at, phase.durationMs! / 1000);
  assert.equal(provision.at, Math.floor((Date.parse(result.run.startedAt) + phase.startMs!) / 1000));
});

test('a long simulated wait beats every minute of drill time with what it waits for and its state', async () => {
  const { stdout, result } = await run({});
  const apps = result.steps.find((s) => s.id === 'flux-apps')!;
  const beats = stdout.split('\n').filter((line) => line.includes('⏳ flux-apps waiting'));
  assert.equal(beats.length, Math.floor((apps.durationMs! - 1) / 60_000), beats.join('\n'));
  beats.forEach((line, index) => assert.match(line, new RegExp(`\\[\\+\\s*${formatted(apps.startMs! + (index + 1) * 60_000)}\\] ⏳ flux-apps waiting ${formatted((index + 1) * 60_000)}: apps: Ready=Unknown Progressing`)));
  assert.ok(stdout.split('\n').some((line) => /⏳ velero-restore waiting 1m 00s: Restore velero-restore-\S+: InProgress/.test(line)));
});

test('in a terminal the heartbeat is one live status line that the next line replaces', () => {
  const written: string[] = [];
  const print = createProgressPrinter((line) => written.push(line), { live: true, env: {} });
  print({ kind: 'drill.started', atMs: 0, drill: 'd', target: 'sim', runId: 'r', t0: '2026-01-01T00:00:00.000Z', steps: 1 });
  print({ kind: 'step.started', atMs: 0, stepId: 'flux-apps', name: 'apps', phase: 'flux', attempt: 1, finally: false });
  print({ kind: 'step.progress', atMs: 60_000, stepId: 'flux-apps', state: 'apps: Ready=False Progressing' });
  print({ kind: 'step.progress', atMs: 120_000, stepId: 'flux-apps', state: 'apps: Ready=False Progressing' });
  print({ kind: 'step.finished', atMs: 150_000, stepId: 'flux-apps', status: 'passed', durationMs: 150_000, finally: false });
  const erase = '\u001b[1A\u001b[2K';
  assert.ok(!written[3]!.startsWith(erase) && written[3]!.includes('⏳ flux-apps waiting 1m 00s: apps: Ready=False Progressing'));
  assert.ok(written[4]!.startsWith(erase) && written[4]!.includes('waiting 2m 00s'));
  assert.ok(written[5]!.startsWith(erase) && written[5]!.includes('✔ flux-apps passed'));
  assert.equal(written.length, 6);
});

/** A duration as printed, escaped for a RegExp. */
function formatted(ms: number): string {
  return formatDuration(ms).replace(/\./g, '\\.');
}

// Negative controls on the local target, through the CLI as users run them: the cold-start drill
// with --controls, each fault planted before T0 in what survives the disaster (a Velero backup
// whose tarball is garbage, a tampered restic repository, a backup whose canary records stop a
// week early, a cluster given an age key that is not a recipient), each detected by the drill's real checks, each faulted run torn down. Then a
// drill whose canary check only looks for a record: the stale backup goes unseen, and that
// control fails the run (exit 1).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { requireTool } from '../helpers/tools.ts';

// The local target runs restic and age-keygen from PATH: the pinned ones lead it.
process.env.PATH = [path.dirname(await requireTool('restic')), path.dirname(await requireTool('age-keygen')), process.env.PATH ?? ''].join(path.delimiter);

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as DrillResult;

/**
 * What the runs left behind: each CLI run gets a temp dir of its own as TMPDIR, so other local
 * clusters on the machine do not count, and every process it started inherits that TMPDIR.
 */
function leftoversIn(tmp: string): { dirs: string[]; processes: string[] } {
  const dirs = readdirSync(tmp).filter((name) => name.startsWith('dr-drill-'));
  const processes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        return environ.includes(`TMPDIR=${tmp}`) ? [`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 160)}`] : [];
      } catch {
        return [];
      }
    });
  return { dirs, processes };
}

test('cold-start --target local --controls: a tampered Velero backup, tampered volume data, a missing canary and a wrong age key are each detected by the real checks', { timeout: 1_800_000 }, async () => {
  const out = path.join(await tempDir(), 'reports');
  const tmp = await tempDir();
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'local', '--controls', '--out', out], { env: { TMPDIR: tmp } });
  const output = run.stdout + run.stderr;
  assert.equal(run.code, 0, output);
  const result = readJson(path.join(out, 'result.json'));
  assert.equal(result.status, 'passed', result.reason);
  const control = (name: string) => result.controls!.find((candidate) => candidate.name === name)!;
  assert.deepEqual(
    result.controls!.map((item) => [item.name, item.status, item.faults]),
    [
      ['corrupted-velero-backup', 'detected', { 'velero-restore': 'tampered-backup' }],
      ['corrupted-volume-data', 'detected', { 'paperless-check': 'tampered-backup' }],
      ['missing-canary', 'detected', { 'paperless-check': 'missing-canary' }],
      ['wrong-age-key', 'detected', { 'terraform-apply': 'wrong-age-key' }],
      ['broken-gitlab-backup', 'not-applicable', { 'gitlab-db-restore': 'fail' }],
      ['apps-layer-unhealthy', 'not-applicable', { 'flux-apps': 'fail' }],
    ],
  );
  const faulted = (name: string) => readJson(path.join(out, control(name).reportDir!, 'result.json'));
  const step = (run: DrillResult, id: string) => run.steps.find((candidate) => candidate.id === id)!;

  // Tampered Velero backup: the real server cannot read the Backup's tarball; nothing later ran on bad data.
  const tampered = faulted('corrupted-velero-backup');
  assert.equal(step(tampered, 'velero-restore').status, 'failed');
  assert.match(`${step(tampered, 'velero-restore').error!.message}\n${step(tampered, 'velero-restore').error!.details ?? ''}`, /^Velero restore \S+ did not complete cleanly: phase PartiallyFailed; [1-9]\d* error|failureReason: restore execution failed/);
  assert.equal(step(tampered, 'paperless-check').status, 'skipped');
  assert.deepEqual(tampered.rpo.find((rpo) => rpo.dataClass === 'data')!.notRestored, ['velero-restore', 'paperless-check']);

  // Tampered volume data: restic's own check of the pack data refuses the dump of the canary log.
  const tamperedData = faulted('corrupted-volume-data');
  assert.equal(step(tamperedData, 'velero-restore').status, 'passed');
  assert.equal(step(tamperedData, 'paperless-check').status, 'failed');
  assert.match(`${step(tamperedData, 'paperless-check').error!.message}\n${step(tamperedData, 'paperless-check').error!.details ?? ''}`, /ciphertext verification failed|restic/);

  // Missing canary: every step passed and the backup is fresh (minutes old), but the newest canary record is a week older: 168h and minutes.
  const stale = faulted('missing-canary');
  assert.deepEqual(stale.steps.filter((item) => item.status === 'failed').map((item) => item.id), []);
  const data = stale.rpo.find((rpo) => rpo.dataClass === 'data')!;
  assert.equal(data.verdict, 'missed');
  const sample = (id: string) => data.samples.find((item) => item.stepId === id)!.ageMs;
  assert.ok(sample('velero-restore') < 6 * 3_600_000, `snapshot age ${sample('velero-restore')}`);
  assert.ok(sample('paperless-check') > 7 * 24 * 3_600_000, `canary age ${sample('paperless-check')}`);
  assert.match(control('missing-canary').reason, /objective missed: RPO data 168h/);

  // Wrong age key: the real kustomize-controller cannot decrypt the sealed Secret.
  const wrongKey = faulted('wrong-age-key');
  assert.equal(step(wrongKey, 'flux-apps').status, 'failed');
  assert.match(`${step(wrongKey, 'flux-apps').error!.message}`, /BuildFailed: decryption failed for 'Secret/);
  // No age key of any run (the drill's, the one the fault made) in any report, log or artifact.
  for (const file of filesUnder(out)) assert.doesNotMatch(readFileSync(file, 'utf8'), /AGE-SECRET-KEY-1/, file);

  // Each faulted run tore its cluster down.
  for (const run of [tampered, tamperedData, stale, wrongKey]) assert.equal(step(run, 'terraform-destroy').status, 'passed', run.run.id);
  const junit = readFileSync(path.join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="cold-start \/ \d+ negative-controls" tests="6" failures="0" errors="0" skipped="2"/);
  assert.match(readFileSync(path.join(out, 'summary.md'), 'utf8'), /\| missing-canary \| .*\(paperless-check=missing-canary\) \| ✅ detected: turned red as expected: objective missed: RPO data/);
  assert.match(output, /control wrong-age-key: detected: turned red as expected: step flux-apps failed/);
  assert.deepEqual(leftoversIn(tmp), { dirs: [], processes: [] });
});

test('a control whose fault the drill\'s checks do not see is reported as failed, and the run exits 1', { timeout: 300_000 }, async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'blind.yaml');
  // The canary check records no RPO: it proves a record came back, not that it is recent.
  writeFileSync(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: blind-canary
scenario: namespace-restore
target: local
objectives: { rpo: { data: 24h } }
phases:
  - name: restore
    steps:
      - id: restore
        kind: restic.restore
        rpo: data
        with: { repository: "\${target.resticRepository}", passwordFile: "\${target.resticPasswordFile}", host: "\${target.backupHost}", verify: true }
      - id: canary-present
        kind: data.check
        with: { file: "\${steps.restore.outputs.restoredPath}/paperless/data/canary.log" }
controls:
  - name: stale-canary
    description: the backup's newest canary records are missing
    faults: { restore: missing-canary }
  - name: tampered
    faults: { restore: tampered-backup }
    detectedBy: [restore]
`,
  );
  const out = path.join(dir, 'reports');
  const tmp = await tempDir();
  const run = await runCli(['run', file, '--controls', '--out', out], { env: { TMPDIR: tmp } });
  const output = run.stdout + run.stderr;
  assert.equal(run.code, 1, output);
  const result = readJson(path.join(out, 'result.json'));
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'negative control stale-canary not-detected: the drill\'s checks did not prove they can fail');
  const [stale, tampered] = result.controls!;
  assert.equal(stale!.status, 'not-detected');
  assert.match(stale!.reason, /^the faulted run ended passed/);
  assert.equal(tampered!.status, 'detected', tampered!.reason);
  assert.match(readFileSync(path.join(out, 'junit.xml'), 'utf8'), /<failure message="not detected: the faulted run ended passed[^"]*" type="ECONTROL"/);
  assert.match(output, /control stale-canary: not-detected: the faulted run ended passed/);
  assert.ok(existsSync(path.join(out, 'controls', 'stale-canary', 'result.json')));
  assert.deepEqual(leftoversIn(tmp), { dirs: [], processes: [] });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

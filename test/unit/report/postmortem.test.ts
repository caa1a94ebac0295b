import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { insertChangelogEntry, renderChangelogEntry, renderPostmortem } from '../../../src/report/postmortem.ts';
import type { Fault } from '../../../src/targets/sim/world.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { REPO, runCli } from '../../helpers/cli.ts';

async function simRun(faults: [string, Fault][] = []) {
  const out = await tempDir();
  const { result } = await runDrill({ file: path.join(REPO, 'drills/cold-start.yaml'), target: 'sim', outDir: out, env: {}, faults: new Map(faults) });
  return { result, out };
}

test('a green run: the CHANGELOG entry and the post-mortem carry the verdict, every figure and the timeline', async () => {
  const { result, out } = await simRun();
  const entry = renderChangelogEntry(result);
  assert.match(entry, new RegExp(`^## ${result.run.startedAt.slice(0, 10)}: DR drill \`cold-start\` \\(cold-start\\) passed\\n`));
  assert.match(entry, /^- RTO control-plane: 17m 50s \(objective 4h 00m 00s: met\)\.$/m);
  assert.match(entry, /^- RPO data: .* \(objective .*: met\)\.$/m);
  assert.doesNotMatch(entry, /failed/);
  const postmortem = renderPostmortem(result);
  assert.match(postmortem, /^# Post-mortem: DR drill `cold-start`/);
  assert.match(postmortem, /^- \+10s `terraform-apply`: passed in 14m 40s$/m);
  assert.match(postmortem, /^Critical path to \*\*control-plane\*\*: `git-head` → `terraform-apply` → /m);
  assert.match(postmortem, /^## Slowest steps\n\n- `velero-restore`: 25m 15s$/m);
  // The sim's newer PartiallyFailed backup that velero.restore skipped is a warning worth a look.
  assert.match(postmortem, /^- \[ \] Review the 2 warning\(s\) above/m);
  assert.doesNotMatch(postmortem, /What failed and why/);
  // Written with every run, from the same result.
  assert.equal(await readFile(path.join(out, 'postmortem.md'), 'utf8'), postmortem);
  assert.equal(await readFile(path.join(out, 'changelog-entry.md'), 'utf8'), entry);
});

test('a red run: what failed, its cause, its log, the objective not reached, and follow-ups for the improvement plan', async () => {
  const { result } = await simRun([['velero-restore', 'fail']]);
  assert.equal(result.status, 'failed');
  const entry = renderChangelogEntry(result);
  assert.match(entry, /\) failed\n/);
  assert.match(entry, /^- Step `velero-restore` failed: .+\.$/m);
  assert.match(entry, /^- RTO critical-apps: not reached \(objective 8h 00m 00s: NOT REACHED\)\.$/m);
  const postmortem = renderPostmortem(result);
  assert.match(postmortem, /^### `velero-restore` failed$/m);
  assert.match(postmortem, /^Log: `logs\/velero-restore\.log`$/m);
  assert.match(postmortem, /^- \[ \] `velero-restore` failed: .+; fix it in the runbook or the drill$/m);
  assert.match(postmortem, /^- \[ \] Milestone critical-apps was not reached: /m);
  assert.doesNotMatch(postmortem, /Nothing failed/);
});

test('a failed teardown names the leftovers and the command that removes them', async () => {
  const { result } = await simRun([['terraform-destroy', 'fail']]);
  const postmortem = renderPostmortem(result);
  assert.match(postmortem, /^### `terraform-destroy` failed \(teardown: resources may be left behind\)$/m);
  assert.match(postmortem, new RegExp(`dr-drill teardown <drill> --run-id ${result.run.id}`));
});

test('--append adds the entry to an existing CHANGELOG and leaves every other byte as it was', () => {
  const entry = '## 2026-12-01: DR drill `cold-start` (cold-start) passed\n\n- Verdict: ok.\n';
  const cases = [
    '# Changelog\n\nAll notable changes.\n\n## 2026-01-15: older entry\n\n- something\n',
    '# Changelog\n\n<!-- dr-drill:changelog -->\n\n## 2025-01-01: old\n',
    '# Changelog\nno trailing newline and no entries',
    'no title at all\n',
    '',
  ];
  for (const existing of cases) {
    const updated = insertChangelogEntry(existing, entry);
    // The update is the original with one contiguous insertion: the entry and a blank line to separate it.
    const insertions = [`${entry}\n`, `\n${entry}`, `\n\n${entry}`];
    const intact = insertions.some((inserted) => {
      const at = updated.indexOf(inserted);
      return at >= 0 && updated.slice(0, at) + updated.slice(at + inserted.length) === existing;
    });
    assert.ok(intact, `rest unchanged for ${JSON.stringify(existing)}: ${JSON.stringify(updated)}`);
  }
  const updated = insertChangelogEntry(cases[0]!, entry);
  assert.ok(updated.indexOf(entry) < updated.indexOf('## 2026-01-15'), 'newest first');
  assert.ok(updated.startsWith('# Changelog\n\nAll notable changes.\n\n'), 'the title and its text stay on top');
});

test('dr-drill postmortem writes both files and --append changes the CHANGELOG only by the entry', async () => {
  const { out } = await simRun();
  const changelog = path.join(out, 'CHANGELOG.md');
  const before = '# Changelog\n\nDrills and incidents.\n\n## 2025-01-15: DR drill `cold-start` (cold-start) passed\n\n- earlier\n';
  const { writeFile } = await import('node:fs/promises');
  await writeFile(changelog, before);
  const rendered = path.join(out, 'again');
  const run = await runCli(['postmortem', path.join(out, 'result.json'), '--out', rendered, '--append', changelog]);
  assert.equal(run.code, 0, run.stderr);
  const entry = await readFile(path.join(rendered, 'changelog-entry.md'), 'utf8');
  assert.equal(entry, await readFile(path.join(out, 'changelog-entry.md'), 'utf8'));
  const after = await readFile(changelog, 'utf8');
  assert.equal(after.replace(`${entry}\n`, ''), before);
  const missing = await runCli(['postmortem', path.join(out, 'result.json'), '--append', path.join(out, 'nope.md')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /EUSAGE cannot read the changelog/);
});

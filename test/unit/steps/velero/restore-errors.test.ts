import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorSection, firstError, restoreErrors } from '../../../../src/steps/velero/restore-errors.ts';
import type { StepContext } from '../../../../src/contract/step.ts';

// As `velero restore describe --details` prints it (its tabwriter turns the tabs into spaces).
const DESCRIBE = `Name:         cold-start-velero-restore-r1
Namespace:    velero
Labels:       <none>
Annotations:  <none>

Phase:                       PartiallyFailed (run 'velero restore logs cold-start-velero-restore-r1' for more information)
Total items to be restored:  18
Items restored:              17

Started:    2026-12-01 15:01:02 +0000 UTC
Completed:  2026-12-01 15:01:09 +0000 UTC

Warnings:
  Velero:     <none>
  Cluster:    <none>
  Namespaces:
    paperless:  could not restore, ConfigMap "paperless-config" already exists. Warning: the in-cluster version is different than the backed-up version

Errors:
  Velero:     error unzipping and extracting: gzip: invalid header
              second line of the same list
  Cluster:    <none>
  Namespaces:
    mediabox:  error restoring deployments.apps/mediabox/jellyfin: the server could not find the requested resource

Backup:  daily-20261201150000

Namespaces:
  Included:  paperless, mediabox
`;

test('the Errors section of velero restore describe: its messages, not the warnings, not the <none> lines', () => {
  assert.deepEqual(errorSection(DESCRIBE), [
    'Velero:     error unzipping and extracting: gzip: invalid header',
    'second line of the same list',
    'Namespaces:',
    'mediabox:  error restoring deployments.apps/mediabox/jellyfin: the server could not find the requested resource',
  ]);
  assert.deepEqual(errorSection('Name: r\n\nErrors:  <error getting errors: request failed: NoSuchKey>\n'), ['<error getting errors: request failed: NoSuchKey>']);
  assert.deepEqual(errorSection('Name: r\nPhase: Completed\n'), []);
  assert.deepEqual(errorSection('Errors:\n  Velero:     <none>\n  Cluster:    <none>\n  Namespaces: <none>\n'), []);
});

function contextWith(velero: { installed: boolean; stdout?: string; exitCode?: number }, calls: string[][] = []): StepContext {
  return {
    signal: new AbortController().signal,
    shell: {
      which: async (command: string) => (command === 'velero' && velero.installed ? '/usr/bin/velero' : undefined),
      run: async (command: string, args: string[]) => {
        calls.push([command, ...args]);
        return { command, args, exitCode: velero.exitCode ?? 0, stdout: velero.stdout ?? '', stderr: '', durationMs: 1 };
      },
    },
  } as unknown as StepContext;
}

test('restoreErrors asks the velero CLI, and has nothing to say without it or when it fails', async () => {
  const calls: string[][] = [];
  assert.deepEqual(await restoreErrors(contextWith({ installed: true, stdout: DESCRIBE }, calls), 'velero', 'r1'), errorSection(DESCRIBE));
  assert.deepEqual(calls, [['velero', 'restore', 'describe', 'r1', '--details', '-n', 'velero']]);
  assert.equal(await restoreErrors(contextWith({ installed: false }), 'velero', 'r1'), undefined);
  assert.equal(await restoreErrors(contextWith({ installed: true, exitCode: 1, stdout: DESCRIBE }), 'velero', 'r1'), undefined);
});

test('the first error is the message itself, without its list header', () => {
  assert.equal(firstError(errorSection(DESCRIBE)), 'error unzipping and extracting: gzip: invalid header');
  assert.equal(firstError(['Namespaces:', 'mediabox:  error restoring x']), 'mediabox:  error restoring x');
  assert.equal(firstError([]), undefined);
});

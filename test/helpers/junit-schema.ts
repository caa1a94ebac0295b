/**
 * junit.xml against the Jenkins JUnit 4 XSD, allowing exactly the documented extensions the
 * consumers read and that schema lacks: `file`/`line` on testcase (GitLab, mikepenz annotations)
 * and `message` on skipped (Jenkins, mikepenz). Any other schema error fails.
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

const ALLOWED = [/Element 'testcase', attribute 'file': The attribute 'file' is not allowed\./, /Element 'testcase', attribute 'line': The attribute 'line' is not allowed\./, /Element 'skipped', attribute 'message': The attribute 'message' is not allowed\./, /fails to validate$/];

export function assertJunitSchema(xsd: string, file: string): void {
  const run = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  const errors = run.stderr.split('\n').filter((line) => line.trim() && !ALLOWED.some((pattern) => pattern.test(line)));
  assert.deepEqual(errors, [], run.stderr);
}

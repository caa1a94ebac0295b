/**
 * junit.xml against the Jenkins JUnit 4 XSD, allowing exactly the documented extensions the
 * consumers read and that schema lacks: `file`/`line` on testcase (GitLab, mikepenz annotations)
 * and `message` on skipped (Jenkins, mikepenz). Any other schema error fails.
 */
import { assertValidAgainstXsd } from './xml.ts';

export const JUNIT_EXTENSIONS: readonly RegExp[] = [
  /Element 'testcase', attribute 'file': The attribute 'file' is not allowed\./,
  /Element 'testcase', attribute 'line': The attribute 'line' is not allowed\./,
  /Element 'skipped', attribute 'message': The attribute 'message' is not allowed\./,
];

export function assertJunitSchema(xsd: string, file: string): Promise<void> {
  return assertValidAgainstXsd(file, xsd, { allowed: JUNIT_EXTENSIONS });
}

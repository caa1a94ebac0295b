/**
 * XML checks for tests through libxml2 compiled to WebAssembly (the xmllint-wasm devDependency), so no
 * xmllint binary is needed: well-formedness (as `xmllint --noout`) and XML Schema validation (as
 * `xmllint --noout --schema`). Each throws with libxml2's messages when the document fails.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML, type XMLValidationResult } from 'xmllint-wasm';
import { REQUIRE_TOOLS } from './tools.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function failure(what: string, file: string, result: XMLValidationResult): Error {
  return new Error(`${file} ${what}:\n${result.errors.map((e) => e.rawMessage).join('\n') || result.rawOutput}`);
}

/** Throws unless the file is well-formed XML. */
export async function assertWellFormedXml(file: string): Promise<void> {
  const result = await validateXML({ xml: { fileName: path.basename(file), contents: await readFile(file, 'utf8') }, normalization: 'format' });
  if (!result.valid) throw failure('is not well-formed XML', file, result);
}

/**
 * Throws unless the file is valid against the XML Schema (a schema that does not parse is a
 * failure too). `allowed` names schema errors that are accepted on purpose (documented extensions).
 */
export async function assertValidAgainstXsd(file: string, xsdFile: string, options: { allowed?: readonly RegExp[] } = {}): Promise<void> {
  const result = await validateXML({
    xml: { fileName: path.basename(file), contents: await readFile(file, 'utf8') },
    schema: { fileName: path.basename(xsdFile), contents: await readFile(xsdFile, 'utf8') },
  });
  if (result.valid) return;
  const allowed = options.allowed ?? [];
  const errors = result.errors.filter((error) => !allowed.some((pattern) => pattern.test(error.rawMessage)));
  if (errors.length > 0 || result.errors.length === 0) throw failure(`is not valid against ${xsdFile}`, file, { ...result, errors });
}

/**
 * The Jenkins JUnit schema (not part of the repository): $DR_DRILL_JUNIT_XSD, else
 * shared/junit/jenkins-junit.xsd beside the repository (where CI has it). Missing, it is a skip that
 * names how to enable the check; under DR_DRILL_REQUIRE_TOOLS it throws.
 */
export function junitXsd(env: NodeJS.ProcessEnv = process.env, requireTools: boolean = REQUIRE_TOOLS): { file: string; skip: false } | { file: undefined; skip: string } {
  const fromEnv = env['DR_DRILL_JUNIT_XSD'];
  const file = fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve(REPO, '..', 'shared', 'junit', 'jenkins-junit.xsd');
  if (existsSync(file)) return { file, skip: false };
  const how = `the JUnit XSD is not at ${file}: set DR_DRILL_JUNIT_XSD=/path/to/jenkins-junit.xsd (shared/junit/ of the project)`;
  // .ci/run looks for the schema and says so when a machine has none; everywhere else a missing schema under DR_DRILL_REQUIRE_TOOLS fails.
  if (requireTools && env['DR_DRILL_JUNIT_XSD_MISSING'] !== 'reported') throw new Error(`ETESTINFRA ${how}; DR_DRILL_REQUIRE_TOOLS forbids skipping the check`);
  return { file: undefined, skip: how };
}

/** Reading and writing result.json. Old schema versions stay readable; a damaged file is refused naming the field. */
import { readFile } from 'node:fs/promises';
import { DrillError } from '../util/errors.ts';
import { RESULT_SCHEMA_VERSION, type DrillResult } from './model.ts';
import { resultProblems } from './shape.ts';

export function serializeResult(result: DrillResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

export async function readResult(file: string): Promise<DrillResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DrillError('ERESULT', `cannot read result ${file}`, { details: `${(error as Error).message}; pass the result.json a drill run wrote`, location: { file }, cause: error });
  }
  const candidate = parsed as Partial<DrillResult>;
  if (!candidate || typeof candidate !== 'object' || candidate.tool?.name !== 'dr-drill' || typeof candidate.schemaVersion !== 'number') {
    throw new DrillError('ERESULT', `${file} is not a dr-drill result`, { details: 'expected the result.json written by dr-drill run', location: { file } });
  }
  if (candidate.schemaVersion > RESULT_SCHEMA_VERSION) {
    throw new DrillError('ERESULT', `${file} has result schema version ${candidate.schemaVersion}; this dr-drill reads up to ${RESULT_SCHEMA_VERSION}`, { details: 'upgrade dr-drill', location: { file } });
  }
  const problems = resultProblems(candidate);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('\n');
    throw new DrillError('ERESULT', `${file} is damaged: ${problems[0]}`, {
      details: `${shown}${problems.length > 10 ? `\n(and ${problems.length - 10} more)` : ''}\nrun the drill again, or restore the result.json it wrote`,
      location: { file, field: problems[0]!.split(':')[0]! },
    });
  }
  return { ...candidate, errors: candidate.errors ?? [] } as DrillResult;
}

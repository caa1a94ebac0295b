/**
 * Write every report of a result into a directory; each file passes the masker once more. A
 * renderer that throws costs only its own file: the others are written, result.json records the
 * failure, and the caller hears of it (EREPORT) after everything else is on disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../result/model.ts';
import { DrillError, errorMessage } from '../util/errors.ts';
import { serializeResult } from '../result/io.ts';
import type { Masker } from '../util/mask.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderOpenMetrics } from './openmetrics.ts';
import { renderChangelogEntry, renderPostmortem } from './postmortem.ts';
import { renderDotenv } from './dotenv.ts';

export const REPORT_FILES = { result: 'result.json', junit: 'junit.xml', summary: 'summary.md', metrics: 'metrics.txt', dotenv: 'dr-drill.env', postmortem: 'postmortem.md', changelog: 'changelog-entry.md' } as const;

export async function writeReports(result: DrillResult, outDir: string, masker: Masker, options: { reportDirForAttachments?: string } = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const renderers: [string, (result: DrillResult) => string][] = [
    [REPORT_FILES.junit, (value) => renderJunit(value, options.reportDirForAttachments ? { reportDir: options.reportDirForAttachments } : {})],
    [REPORT_FILES.summary, renderMarkdown],
    [REPORT_FILES.metrics, renderOpenMetrics],
    [REPORT_FILES.dotenv, renderDotenv],
    [REPORT_FILES.postmortem, (value) => renderPostmortem(value)],
    [REPORT_FILES.changelog, renderChangelogEntry],
  ];
  const rendered: [string, string][] = [];
  const failures: string[] = [];
  for (const [name, render] of renderers) {
    try {
      rendered.push([name, render(result)]);
    } catch (error) {
      failures.push(`${name}: ${errorMessage(error)}`);
    }
  }
  const recorded: DrillResult = failures.length === 0 ? result : { ...result, errors: [...result.errors, ...failures.map((failure) => ({ code: 'EREPORT', message: masker.mask(`report not written: ${failure}`) }))] };
  const written: string[] = [];
  for (const [name, content] of [[REPORT_FILES.result, serializeResult(recorded)] as [string, string], ...rendered]) {
    const file = path.join(outDir, name);
    await writeFile(file, masker.mask(content));
    written.push(file);
  }
  if (failures.length > 0) {
    throw new DrillError('EREPORT', `${failures.length} report(s) could not be rendered`, { details: `${masker.mask(failures.join('\n'))}\nthe other reports and result.json were written to ${outDir}; dr-drill report ${path.join(outDir, REPORT_FILES.result)} renders them again` });
  }
  return written;
}

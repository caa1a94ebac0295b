/** Write every report of a result into a directory; each file passes the masker once more. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../result/model.ts';
import { serializeResult } from '../result/io.ts';
import type { Masker } from '../util/mask.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderOpenMetrics } from './openmetrics.ts';
import { renderDotenv } from '../ci/gitlab.ts';

export const REPORT_FILES = { result: 'result.json', junit: 'junit.xml', summary: 'summary.md', metrics: 'metrics.txt', dotenv: 'dr-drill.env' } as const;

export async function writeReports(result: DrillResult, outDir: string, masker: Masker, options: { reportDirForAttachments?: string } = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: [string, string][] = [
    [REPORT_FILES.result, serializeResult(result)],
    [REPORT_FILES.junit, renderJunit(result, options.reportDirForAttachments ? { reportDir: options.reportDirForAttachments } : {})],
    [REPORT_FILES.summary, renderMarkdown(result)],
    [REPORT_FILES.metrics, renderOpenMetrics(result)],
    [REPORT_FILES.dotenv, renderDotenv(result)],
  ];
  const written: string[] = [];
  for (const [name, content] of files) {
    const file = path.join(outDir, name);
    await writeFile(file, masker.mask(content));
    written.push(file);
  }
  return written;
}

/**
 * Run history is a directory of result.json files, nothing more: the reader does not know where
 * they came from (the `dr-drill-results` branch checked out by scripts/ci-history.ts, previous
 * pipelines' artifacts unpacked by hand, or a folder on a laptop).
 *
 * Layout written by `scripts/ci-history.ts publish`: results/<drill>/<T0>-<run id>.json. Any
 * layout works for reading: every `*.json` below the directory that is a dr-drill result counts;
 * other JSON files are listed as skipped with the reason.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readResult } from '../result/io.ts';
import type { DrillResult } from '../result/model.ts';
import { DrillError, errorMessage } from '../util/errors.ts';

export interface History {
  /** Oldest first (by T0), one per run id. */
  results: DrillResult[];
  skipped: { file: string; reason: string }[];
}

export async function readHistory(dir: string): Promise<History> {
  let files: string[];
  try {
    files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith('.json') && !entry.parentPath.split(path.sep).includes('.git'))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
  } catch (error) {
    throw new DrillError('ERESULT', `cannot read the history directory ${dir}`, {
      details: `${errorMessage(error)}; pass --history DIR with result.json files (scripts/ci-history.ts fetch puts the dr-drill-results branch there)`,
    });
  }
  const byRun = new Map<string, DrillResult>();
  const skipped: History['skipped'] = [];
  for (const file of files) {
    try {
      const result = await readResult(file);
      byRun.set(`${result.drill.name}/${result.run.id}`, result);
    } catch (error) {
      skipped.push({ file, reason: errorMessage(error) });
    }
  }
  const results = [...byRun.values()].sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt) || a.run.id.localeCompare(b.run.id));
  return { results, skipped };
}

/** Results grouped by drill name, each group oldest first, groups in order of their latest run. */
export function groupByDrill(results: readonly DrillResult[]): Map<string, DrillResult[]> {
  const groups = new Map<string, DrillResult[]>();
  for (const result of results) {
    const group = groups.get(result.drill.name) ?? [];
    group.push(result);
    groups.set(result.drill.name, group);
  }
  return groups;
}

/** File name of a result in the history layout: sortable by T0, unique by run id. */
export function historyFileName(result: DrillResult): string {
  const t0 = result.run.startedAt.replace(/[:.]/g, '').replace(/[^0-9TZ-]/g, '');
  return path.posix.join('results', safeSegment(result.drill.name), `${t0}-${safeSegment(result.run.id)}.json`);
}

export function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

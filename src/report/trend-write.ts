/** `dr-drill trend` output: trend.md plus one chart per drill, every file through the masker. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { groupByDrill } from '../history/read.ts';
import type { DrillResult } from '../result/model.ts';
import type { Masker } from '../util/mask.ts';
import { renderTrendSvg } from './trend-svg.ts';
import { DEFAULT_LAST, renderTrendMarkdown, trendSeries } from './trend.ts';

export const TREND_FILE = 'trend.md';

export function chartFileName(drill: string): string {
  return `rto-trend-${drill.replace(/[^A-Za-z0-9._-]/g, '_')}.svg`;
}

export interface TrendWriteOptions {
  last?: number;
  drill?: string;
  /** Where the charts can be fetched by a browser (results branch raw URL); default: relative file. */
  chartBaseUrl?: string;
}

export interface TrendOutput {
  markdown: string;
  files: string[];
  drills: string[];
}

export function renderTrendReport(results: readonly DrillResult[], options: TrendWriteOptions = {}): { markdown: string; charts: Map<string, string> } {
  const groups = groupByDrill(results);
  const drills = options.drill ? [options.drill] : [...groups.keys()].sort((a, b) => latest(groups.get(b)!) - latest(groups.get(a)!));
  const sections: string[] = [];
  const charts = new Map<string, string>();
  for (const drill of drills) {
    const series = trendSeries(groups.get(drill) ?? [], drill, options.last ?? DEFAULT_LAST);
    const chart = chartFileName(drill);
    const hasChart = series.runs.length > 0 && series.milestones.length > 0;
    if (hasChart) charts.set(chart, renderTrendSvg(series));
    const chartRef = hasChart ? (options.chartBaseUrl ? `${options.chartBaseUrl.replace(/\/+$/, '')}/${chart}` : chart) : undefined;
    sections.push(renderTrendMarkdown(series, chartRef ? { chartRef } : {}));
  }
  const markdown = sections.length > 0 ? sections.join('\n') : '## 📈 RTO/RPO trend\n\nNo results in the history yet.\n';
  return { markdown, charts };
}

export async function writeTrendReport(results: readonly DrillResult[], outDir: string, masker: Masker, options: TrendWriteOptions = {}): Promise<TrendOutput> {
  const { markdown, charts } = renderTrendReport(results, options);
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const masked = masker.mask(markdown);
  await writeFile(path.join(outDir, TREND_FILE), masked);
  files.push(path.join(outDir, TREND_FILE));
  for (const [name, svg] of charts) {
    await writeFile(path.join(outDir, name), masker.mask(svg));
    files.push(path.join(outDir, name));
  }
  return { markdown: masked, files, drills: [...new Set(results.map((result) => result.drill.name))] };
}

function latest(results: DrillResult[]): number {
  return Date.parse(results.at(-1)?.run.startedAt ?? '') || 0;
}

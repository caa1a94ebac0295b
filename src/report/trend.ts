/**
 * trend.md, which is also the pull request comment and merge request note: per drill, first the
 * latest run (verdict and why, each RTO/RPO against its objective with the headroom), then the
 * trend: RTO per milestone and RPO per data class over the last N runs with the change against
 * the previous run, and a reference to the SVG chart (trend-svg.ts). Pure: results in, Markdown out.
 *
 * The chart is referenced as an image, never inlined: GitHub and GitLab strip inline <svg> and
 * data: URIs from comments. Locally and in artifacts the reference is the relative file name; in
 * pull request comments and merge request notes it is the chart's URL on the results branch
 * (see scripts/ci-history.ts), which both forges render for anyone who can read the repository.
 */
import { isSimulated, objectiveFailed, type DrillResult, type Verdict } from '../result/model.ts';
import { achievedRpo, achievedRto, measuredFrom, VERDICT_WORDS } from './figures.ts';
import { formatDuration } from '../util/duration.ts';

export interface TrendOptions {
  /** How many of the newest runs to show (default 10). */
  last?: number;
  /** Image reference for the chart: a relative file name or a URL. Omitted: no image. */
  chartRef?: string;
}

export interface TrendSeries {
  drill: string;
  /** Oldest first, at most `last`. */
  runs: DrillResult[];
  milestones: string[];
  dataClasses: string[];
}

export const DEFAULT_LAST = 10;

export function trendSeries(results: readonly DrillResult[], drill: string, last = DEFAULT_LAST): TrendSeries {
  const runs = results.filter((result) => result.drill.name === drill).slice(-Math.max(1, last));
  // Names in the order the newest run lists them, then names only older runs had.
  const names = (pick: (result: DrillResult) => string[]) => [...new Set([...runs].reverse().flatMap(pick))];
  return {
    drill,
    runs,
    milestones: names((result) => result.milestones.map((m) => m.name)),
    dataClasses: names((result) => result.rpo.map((r) => r.dataClass)),
  };
}

const STATUS_ICON: Record<DrillResult['status'], string> = { passed: '✅', failed: '❌', cancelled: '⚠️', error: '💥' };

export function renderTrendMarkdown(series: TrendSeries, options: TrendOptions = {}): string {
  const { runs } = series;
  if (runs.length === 0) return `## 📈 RTO/RPO trend: drill \`${series.drill}\`\n\nNo results in the history yet.\n`;
  const first = runs[0]!;
  const newest = runs.at(-1)!;
  const lines: string[] = [...latestRun(series.drill, newest), ''];
  lines.push(`### 📈 Trend over the last ${runs.length} run${runs.length === 1 ? '' : 's'}`, '');
  lines.push(`${day(first)} to ${day(newest)}. Deltas are against the previous run; ❌ marks a missed objective.`, '');
  if (options.chartRef) lines.push(`![RTO per milestone over time for drill ${series.drill}](${options.chartRef})`, '');

  if (series.milestones.length > 0) {
    lines.push('#### Achieved RTO per milestone', '');
    lines.push(tableHeader(['Run', 'Status', 'Target', ...series.milestones.map((name) => `${name}${objectiveSuffix(newestObjective(runs, (r) => r.milestones.find((m) => m.name === name)?.objectiveMs))}`)], 3));
    runs.forEach((run, index) => {
      const previous = runs[index - 1];
      const cells = series.milestones.map((name) => {
        const milestone = run.milestones.find((m) => m.name === name);
        if (!milestone) return '—';
        const before = previous?.milestones.find((m) => m.name === name)?.rtoMs;
        return valueCell(milestone.rtoMs, before, milestone.verdict, achievedRto(milestone));
      });
      lines.push(row([runCell(run), `${STATUS_ICON[run.status]} ${run.status}`, targetCell(run), ...cells]));
    });
    lines.push('');
  }

  if (series.dataClasses.length > 0) {
    lines.push('#### Achieved RPO per data class', '');
    lines.push(tableHeader(['Run', ...series.dataClasses.map((name) => `${name}${objectiveSuffix(newestObjective(runs, (r) => r.rpo.find((item) => item.dataClass === name)?.objectiveMs))}`)]));
    runs.forEach((run, index) => {
      const previous = runs[index - 1];
      const cells = series.dataClasses.map((name) => {
        const rpo = run.rpo.find((item) => item.dataClass === name);
        if (!rpo) return '—';
        const before = previous?.rpo.find((item) => item.dataClass === name)?.achievedMs;
        return valueCell(rpo.achievedMs, before, rpo.verdict, achievedRpo(rpo));
      });
      lines.push(row([runCell(run), ...cells]));
    });
    lines.push('');
  }
  if (runs.some((run) => isSimulated(run.run))) {
    lines.push('_Runs on the `sim` target replay a simulated world on a virtual clock; their durations are drill time, not wall-clock time._', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The latest run: its verdict and why, then every RTO and RPO against its objective. */
function latestRun(drill: string, newest: DrillResult): string[] {
  const lines = [`## ${STATUS_ICON[newest.status]} DR drill \`${drill}\`: latest run ${newest.status}`, ''];
  const when = `${newest.run.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const target = `\`${newest.run.target}\`${isSimulated(newest.run) ? ' (simulated)' : ''}`;
  lines.push(`Run ${runLink(newest)} on ${target}, T0 ${when}: ${newest.reason}${newest.reason.endsWith('.') ? '' : '.'}`, '');
  const figures = [
    ...newest.milestones.map((m) => ({ kind: 'RTO', name: m.name, achieved: m.rtoMs, objective: m.objectiveMs, verdict: m.verdict, text: `${achievedRto(m)}${measuredFrom(m)}` })),
    ...newest.rpo.map((r) => ({ kind: 'RPO', name: r.dataClass, achieved: r.achievedMs, objective: r.objectiveMs, verdict: r.verdict, text: achievedRpo(r) })),
  ];
  if (figures.length === 0) return lines;
  lines.push(tableHeader(['Objective', 'Verdict', 'Achieved', 'Target', 'Headroom', 'Budget used'], 2));
  for (const item of figures) {
    const measured = item.achieved !== undefined && item.objective !== undefined;
    const headroom = measured ? signed(item.objective! - Math.ceil(item.achieved!)) : '—';
    const used = measured ? `${Math.ceil((item.achieved! / item.objective!) * 100)}%` : '—';
    lines.push(row([`${item.kind} ${item.name}`, `${verdictIcon(item.verdict)} ${VERDICT_WORDS[item.verdict]}`, item.text, item.objective === undefined ? '—' : formatDuration(item.objective), headroom, used]));
  }
  return lines;
}

function day(result: DrillResult): string {
  return result.run.startedAt.slice(0, 10);
}

function newestObjective(runs: DrillResult[], pick: (result: DrillResult) => number | undefined): number | undefined {
  for (let index = runs.length - 1; index >= 0; index--) {
    const value = pick(runs[index]!);
    if (value !== undefined) return value;
  }
  return undefined;
}

function objectiveSuffix(objectiveMs: number | undefined): string {
  return objectiveMs === undefined ? '' : ` (≤ ${formatDuration(objectiveMs)})`;
}

function valueCell(value: number | undefined, before: number | undefined, verdict: Verdict, missing: string): string {
  const icon = objectiveFailed(verdict) ? '❌ ' : '';
  if (value === undefined) return `${icon}${missing}`;
  const delta = before === undefined ? '' : ` (${signed(value - before)})`;
  return `${icon}${formatDuration(value)}${delta}`;
}

/** `+1m 02s`, `−3s`, `+0.250s`... exact like every figure; `±0` only when nothing changed. A positive RTO delta is slower. */
export function signed(deltaMs: number): string {
  if (deltaMs === 0) return '±0';
  return deltaMs > 0 ? `+${formatDuration(deltaMs)}` : `−${formatDuration(-deltaMs)}`;
}

function verdictIcon(verdict: Verdict): string {
  return verdict === 'met' ? '✅' : verdict === 'no-objective' ? '—' : '❌';
}

function runCell(result: DrillResult): string {
  return `${day(result)} ${runLink(result)}`;
}

function runLink(result: DrillResult): string {
  const id = `\`${result.run.id}\``;
  return result.run.ci?.url ? `[${id}](${result.run.ci.url})` : id;
}

function targetCell(result: DrillResult): string {
  return isSimulated(result.run) ? `${result.run.target} (simulated)` : result.run.target;
}

/** The first `textColumns` columns are left-aligned text, the rest right-aligned durations. */
function tableHeader(cells: string[], textColumns = 1): string {
  return `${row(cells)}\n|${cells.map((_, index) => (index < textColumns ? ' --- ' : ' ---: ')).join('|')}|`;
}

function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')).join(' | ')} |`;
}
